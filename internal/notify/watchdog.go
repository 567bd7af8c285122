package notify

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Watchdog expects a worker's WATCHDOG=1 pings: armed when the worker
// becomes ready, re-armed by every ping, it calls expired once when D passes
// without one. It runs one time.Timer and no goroutine of its own.
//
// Pings before Arm are ignored: until the worker is ready its start is
// bounded by ready_timeout, not by the watchdog.
type Watchdog struct {
	d       time.Duration
	expired func()

	mu       sync.Mutex
	state    watchdogState
	deadline time.Time
	timer    *time.Timer
}

type watchdogState int

const (
	watchdogIdle watchdogState = iota
	watchdogArmed
	watchdogDone // expired or stopped: nothing more happens
)

// NewWatchdog returns a disarmed watchdog of period d (> 0). expired runs
// on the runtime's timer goroutine and must not block: it posts the failure
// (the launcher's Monitor.Failed with reason watchdog). It may run
// concurrently with a Stop that comes too late to prevent it, so what it
// posts must be tagged with the run it belongs to.
func NewWatchdog(d time.Duration, expired func()) *Watchdog {
	return &Watchdog{d: d, expired: expired}
}

// Arm starts the watchdog; the first ping is due within D. Arming an armed,
// expired or stopped watchdog does nothing.
func (w *Watchdog) Arm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state != watchdogIdle {
		return
	}
	w.state = watchdogArmed
	w.deadline = time.Now().Add(w.d)
	w.timer = time.AfterFunc(w.d, w.fire)
}

// Ping records a WATCHDOG=1: the next one is due within D from now.
func (w *Watchdog) Ping() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state != watchdogArmed {
		return
	}
	w.deadline = time.Now().Add(w.d)
	w.timer.Reset(w.d)
}

// Stop disarms the watchdog for good. It is idempotent.
func (w *Watchdog) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state == watchdogArmed {
		w.timer.Stop()
	}
	w.state = watchdogDone
}

func (w *Watchdog) fire() {
	w.mu.Lock()
	// A Ping may have re-armed the timer after this run of fire had
	// already been started by the old expiry: the deadline tells.
	if w.state != watchdogArmed || time.Now().Before(w.deadline) {
		w.mu.Unlock()
		return
	}
	w.state = watchdogDone
	w.mu.Unlock()
	w.expired()
}

// WatchdogEnv is the environment a worker with `watchdog: d` needs besides
// NOTIFY_SOCKET: WATCHDOG_USEC. WATCHDOG_PID must be the worker's own pid,
// which exists only after fork; osproc sets it (Spec.PidEnv), as systemd
// sets it in its child between fork and exec.
func WatchdogEnv(d time.Duration) []string {
	return []string{"WATCHDOG_USEC=" + strconv.FormatInt(d.Microseconds(), 10)}
}

// StripEnv removes from env the variables through which a service manager
// talks to supd itself (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*): a worker must
// never inherit them. It returns a new slice.
func StripEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
			"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PIDFDID":
			continue
		}
		out = append(out, kv)
	}
	return out
}
