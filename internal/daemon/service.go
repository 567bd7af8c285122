package daemon

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"
)

// service speaks systemd's service protocol for supd itself (SPEC §2.9),
// through go-systemd's daemon package: READY=1 once the initial start has
// finished, RELOADING=1 and READY=1 around each reload, STOPPING=1, STATUS=
// summaries and WATCHDOG=1. Without NOTIFY_SOCKET every method does
// nothing. Its methods may be called from any goroutine; mu keeps the
// datagrams in the order the calls were made and guards what was sent.
type service struct {
	log      *slog.Logger
	enabled  bool          // NOTIFY_SOCKET is set
	watchdog time.Duration // WATCHDOG_USEC, when the watchdog is supd's; else 0

	mu        sync.Mutex
	started   bool // the initial READY=1 went out
	reloading bool
	status    string // the last STATUS= sent
	failing   bool   // the last send failed: log again only after a success
}

func newService(log *slog.Logger) *service {
	s := &service{log: log, enabled: os.Getenv("NOTIFY_SOCKET") != ""}
	// SdWatchdogEnabled is 0 when WATCHDOG_PID names another process: the
	// watchdog is then that process's, not supd's.
	wd, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog: ignoring the environment", "err", err)
	}
	if s.enabled {
		s.watchdog = wd
	}
	return s
}

// WatchdogInterval is systemd's watchdog timeout for supd, 0 when off.
func (s *service) WatchdogInterval() time.Duration { return s.watchdog }

// Started sends READY=1 with the status, once: the initial start has
// finished (SPEC §2.9). A reload that ended before it does not send it.
func (s *service) Started(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.started = true
	s.status = status
	if s.reloading {
		s.send("STATUS=" + status) // the reload's end sends READY=1
		return
	}
	s.send(sd.SdNotifyReady + "\nSTATUS=" + status)
}

// Reloading sends RELOADING=1 with the CLOCK_MONOTONIC time in µs, as
// Type=notify-reload wants, when a reload begins; Ready must follow when
// it ends, however it ends.
func (s *service) Reloading() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reloading = true
	s.send(sd.SdNotifyReloading + "\nMONOTONIC_USEC=" + strconv.FormatInt(monotonicUsec(), 10))
}

// Ready sends READY=1 at the end of a reload, whether it applied, failed or
// changed nothing. Before the initial start has finished it sends nothing:
// READY=1 never comes early (Started sends it).
func (s *service) Ready() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reloading = false
	if s.started {
		s.send(sd.SdNotifyReady)
	}
}

// Stopping sends STOPPING=1: the shutdown has begun.
func (s *service) Stopping() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.send(sd.SdNotifyStopping)
}

// Status sends STATUS= when text differs from the last one sent. Callers
// rate-limit it.
func (s *service) Status(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if text == s.status {
		return
	}
	s.status = text
	s.send("STATUS=" + text)
}

// Watchdog sends WATCHDOG=1. The caller sends it only after a liveness
// check passed.
func (s *service) Watchdog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.send(sd.SdNotifyWatchdog)
}

// send is called with mu held. A failure is logged once per episode: a
// notify socket that went away must not flood supd's log.
func (s *service) send(state string) {
	if !s.enabled {
		return
	}
	_, err := sd.SdNotify(false, state)
	switch {
	case err != nil && !s.failing:
		s.failing = true
		s.log.Warn("notifying systemd", "err", err)
	case err == nil && s.failing:
		s.failing = false
		s.log.Info("notifying systemd works again")
	}
}

func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(fmt.Sprintf("clock_gettime(CLOCK_MONOTONIC): %v", err)) // cannot fail on Linux
	}
	return ts.Nano() / 1000
}
