package daemon

import (
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeSystemd is the service manager's end of NOTIFY_SOCKET: a datagram
// socket the test owns, whose messages it reads in order.
type fakeSystemd struct {
	t    *testing.T
	msgs chan string
}

// newFakeSystemd listens on a fresh socket and points NOTIFY_SOCKET at it
// for the test; watchdog, if set, becomes WATCHDOG_USEC (and WATCHDOG_PID
// supd's pid).
func newFakeSystemd(t *testing.T, watchdog time.Duration) *fakeSystemd {
	t.Helper()
	dir, err := os.MkdirTemp("", "sd-") // short: a socket path has 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSystemd{t: t, msgs: make(chan string, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			f.msgs <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	t.Setenv("NOTIFY_SOCKET", path)
	if watchdog > 0 {
		t.Setenv("WATCHDOG_USEC", strconv.FormatInt(watchdog.Microseconds(), 10))
		t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	} else {
		t.Setenv("WATCHDOG_USEC", "")
		os.Unsetenv("WATCHDOG_USEC")
	}
	return f
}

// next returns the next message, failing the test after timeout.
func (f *fakeSystemd) next(timeout time.Duration) string {
	f.t.Helper()
	select {
	case m := <-f.msgs:
		return m
	case <-time.After(timeout):
		f.t.Fatalf("systemd received nothing within %v", timeout)
		return ""
	}
}

// await returns the first message that starts with prefix, and the others
// before it; it fails the test after timeout.
func (f *fakeSystemd) await(prefix string, timeout time.Duration) (string, []string) {
	f.t.Helper()
	deadline := time.After(timeout)
	var before []string
	for {
		select {
		case m := <-f.msgs:
			if strings.HasPrefix(m, prefix) {
				return m, before
			}
			before = append(before, m)
		case <-deadline:
			f.t.Fatalf("systemd received no %q within %v; got %q", prefix, timeout, before)
			return "", nil
		}
	}
}

// quiet fails the test if a message starting with prefix arrives within d.
func (f *fakeSystemd) quiet(prefix string, d time.Duration) {
	f.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-f.msgs:
			if strings.HasPrefix(m, prefix) {
				f.t.Fatalf("systemd received %q, want none within %v", m, d)
			}
		case <-deadline:
			return
		}
	}
}

// drain discards what has arrived.
func (f *fakeSystemd) drain() {
	for {
		select {
		case <-f.msgs:
		default:
			return
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestServiceReloadPair(t *testing.T) {
	sd := newFakeSystemd(t, 0)
	s := newService(discard())
	s.Started("1 running, 0 failed")
	if m := sd.next(time.Second); m != "READY=1\nSTATUS=1 running, 0 failed" {
		t.Fatalf("first message %q", m)
	}
	for range 2 { // a reload that applies, then one that fails or changes nothing
		before := monotonicUsec()
		s.Reloading()
		m := sd.next(time.Second)
		after := monotonicUsec()
		usec, ok := strings.CutPrefix(m, "RELOADING=1\nMONOTONIC_USEC=")
		n, err := strconv.ParseInt(usec, 10, 64)
		if !ok || err != nil || n < before || n > after {
			t.Fatalf("reload began with %q, want RELOADING=1 and MONOTONIC_USEC in [%d, %d]", m, before, after)
		}
		s.Ready()
		if m := sd.next(time.Second); m != "READY=1" {
			t.Fatalf("reload ended with %q, want READY=1", m)
		}
	}
}

// READY=1 never comes before the initial start has finished, not even at
// the end of a reload.
func TestServiceReadyWaitsForTheInitialStart(t *testing.T) {
	sd := newFakeSystemd(t, 0)
	s := newService(discard())
	s.Reloading()
	if m := sd.next(time.Second); !strings.HasPrefix(m, "RELOADING=1\n") {
		t.Fatalf("got %q", m)
	}
	s.Ready()
	s.Status("0 running, 1 starting, 0 failed")
	if m := sd.next(time.Second); m != "STATUS=0 running, 1 starting, 0 failed" {
		t.Fatalf("got %q, want the status and no READY=1", m)
	}
	// The initial start ends during a reload: READY=1 waits for its end.
	s.Reloading()
	sd.next(time.Second)
	s.Started("1 running, 0 failed")
	if m := sd.next(time.Second); m != "STATUS=1 running, 0 failed" {
		t.Fatalf("got %q during the reload, want only the status", m)
	}
	s.Ready()
	if m := sd.next(time.Second); m != "READY=1" {
		t.Fatalf("got %q at the reload's end", m)
	}
	s.Started("again")
	s.Status("1 running, 0 failed") // unchanged: not sent
	s.Stopping()
	if m := sd.next(time.Second); m != "STOPPING=1" {
		t.Fatalf("got %q, want STOPPING=1 alone", m)
	}
}

func TestServiceWatchdogEnvironment(t *testing.T) {
	tests := []struct {
		name          string
		notify        bool
		usec, pid     string
		wantEnabled   bool
		wantInterval  time.Duration
		wantLogSubstr string
	}{
		{name: "none", notify: false},
		{name: "notify only", notify: true, wantEnabled: true},
		{name: "watchdog for supd", notify: true, usec: "3000000", pid: strconv.Itoa(os.Getpid()), wantEnabled: true, wantInterval: 3 * time.Second},
		{name: "watchdog without pid", notify: true, usec: "2000000", wantEnabled: true, wantInterval: 2 * time.Second},
		{name: "watchdog of another process", notify: true, usec: "3000000", pid: "1", wantEnabled: true},
		{name: "watchdog without a socket", usec: "3000000"},
		{name: "bad watchdog", notify: true, usec: "soon", wantEnabled: true, wantLogSubstr: "WATCHDOG_USEC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range map[string]string{"NOTIFY_SOCKET": "", "WATCHDOG_USEC": tt.usec, "WATCHDOG_PID": tt.pid} {
				t.Setenv(k, v)
				if v == "" {
					os.Unsetenv(k)
				}
			}
			if tt.notify {
				t.Setenv("NOTIFY_SOCKET", "/nonexistent/notify")
			}
			var log strings.Builder
			s := newService(slog.New(slog.NewTextHandler(&log, nil)))
			if s.enabled != tt.wantEnabled || s.WatchdogInterval() != tt.wantInterval {
				t.Errorf("enabled %v, watchdog %v; want %v, %v", s.enabled, s.WatchdogInterval(), tt.wantEnabled, tt.wantInterval)
			}
			if tt.wantLogSubstr != "" && !strings.Contains(log.String(), tt.wantLogSubstr) {
				t.Errorf("log %q lacks %q", log.String(), tt.wantLogSubstr)
			}
		})
	}
}

// A notify socket that is gone is logged once, not at every message.
func TestServiceSendFailureLoggedOnce(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "gone"))
	var log strings.Builder
	s := newService(slog.New(slog.NewTextHandler(&log, nil)))
	for range 5 {
		s.Watchdog()
	}
	if n := strings.Count(log.String(), "notifying systemd"); n != 1 {
		t.Errorf("%d log lines for a missing socket, want 1:\n%s", n, log.String())
	}
}
