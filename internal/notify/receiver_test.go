package notify

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"supd/osproc"
)

// recorder is a Handler that turns callbacks into strings on a channel.
func recorder() (Handler, chan string) {
	ch := make(chan string, 100)
	return Handler{
		Ready:        func() { ch <- "ready" },
		Status:       func(s string) { ch <- "status " + s },
		Stopping:     func() { ch <- "stopping" },
		MainPID:      func(pid int) { ch <- fmt.Sprint("mainpid ", pid) },
		WatchdogPing: func() { ch <- "watchdog" },
	}, ch
}

// logSink is a slog.Handler that forwards records to a channel.
type logSink struct{ ch chan slog.Record }

func (s logSink) Enabled(context.Context, slog.Level) bool      { return true }
func (s logSink) Handle(_ context.Context, r slog.Record) error { s.ch <- r; return nil }
func (s logSink) WithAttrs([]slog.Attr) slog.Handler            { return s }
func (s logSink) WithGroup(string) slog.Handler                 { return s }

// warnings returns a logger and a channel of its records at Warn and above.
func warnings() (*slog.Logger, chan slog.Record) {
	ch := make(chan slog.Record, 100)
	return slog.New(filterWarn{logSink{ch}}), ch
}

type filterWarn struct{ logSink }

func (f filterWarn) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func listen(t *testing.T, o Options) *Receiver {
	t.Helper()
	r, err := Listen(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestReceiverDelivers(t *testing.T) {
	tests := []struct {
		name  string
		sends []string
		want  []string
	}{
		{"ready", []string{"READY=1"}, []string{"ready"}},
		{"status", []string{"STATUS=loading 3/5"}, []string{"status loading 3/5"}},
		{"one datagram, many lines, in delivery order",
			[]string{"READY=1\nSTATUS=up\nMAINPID=$PID\nWATCHDOG=1"},
			[]string{"mainpid $PID", "status up", "watchdog", "ready"}},
		// Not the worker's: init, and a pid that no process has.
		{"MAINPID= of another process is left out", []string{"STATUS=up\nMAINPID=1", "MAINPID=4194305\nREADY=1"},
			[]string{"status up", "ready"}},
		{"ignored variables", []string{"RELOADING=1\nWATCHDOG_USEC=5\nFOO=bar", "STOPPING=1"}, []string{"stopping"}},
		{"watchdog", []string{"WATCHDOG=1", "WATCHDOG=1"}, []string{"watchdog", "watchdog"}},
	}
	r := listen(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, got := recorder()
			w := startHelper(t, "send", []string{r.Env()}, nil, tc.sends...)
			defer r.Register(w.cmd.Process.Pid, "", h)()
			w.goAhead(t)
			if s := w.line(t); s != "done" {
				t.Fatalf("helper said %q", s)
			}
			for _, want := range tc.want {
				want = strings.ReplaceAll(want, "$PID", fmt.Sprint(w.cmd.Process.Pid))
				if ev := within(t, got, 5*time.Second, want); ev != want {
					t.Fatalf("got %q, want %q", ev, want)
				}
			}
			w.finish(t)
			select {
			case ev := <-got:
				t.Fatalf("unexpected %q", ev)
			default:
			}
		})
	}
}

// TestReceiverDropsStranger runs a worker and a stranger (a process in
// another group, registered nowhere): only the worker's datagrams reach
// the worker's handler, and the stranger is logged once for its three.
func TestReceiverDropsStranger(t *testing.T) {
	log, warns := warnings()
	r := listen(t, Options{Log: log, Hold: 50 * time.Millisecond})
	h, got := recorder()
	worker := startHelper(t, "send", []string{r.Env()}, nil, "STATUS=worker")
	stranger := startHelper(t, "send", []string{r.Env()}, nil, "STATUS=stranger 1", "STATUS=stranger 2", "READY=1")
	defer r.Register(worker.cmd.Process.Pid, "", h)()

	stranger.goAhead(t)
	if s := stranger.line(t); s != "done" {
		t.Fatalf("stranger said %q", s)
	}
	rec := within(t, warns, 5*time.Second, "warning about the stranger")
	var pid int64
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "pid" {
			pid = a.Value.Int64()
		}
		return true
	})
	if pid != int64(stranger.cmd.Process.Pid) {
		t.Fatalf("warning %q names pid %d, want the stranger's %d", rec.Message, pid, stranger.cmd.Process.Pid)
	}

	worker.goAhead(t)
	if ev := within(t, got, 5*time.Second, "worker's status"); ev != "status worker" {
		t.Fatalf("worker's handler got %q", ev)
	}
	stranger.finish(t)
	worker.finish(t)
	select {
	case ev := <-got:
		t.Fatalf("worker's handler got %q", ev)
	case rec := <-warns:
		t.Fatalf("second warning: %s", rec.Message)
	default:
	}
}

// TestReceiverParksUntilRegister covers a worker that notifies before the
// launcher registered it.
func TestReceiverParksUntilRegister(t *testing.T) {
	r := listen(t, Options{Hold: time.Minute})
	parked := make(chan struct{}, 10)
	r.mu.Lock()
	r.testHookParked = func() { parked <- struct{}{} }
	r.mu.Unlock()

	w := startHelper(t, "send", []string{r.Env(), "SUPD_NOTIFY_TEST_NOWAIT=1"}, nil, "STATUS=early", "READY=1")
	within(t, parked, 5*time.Second, "parked datagram")
	within(t, parked, 5*time.Second, "parked datagram")
	h, got := recorder()
	defer r.Register(w.cmd.Process.Pid, "", h)()
	for _, want := range []string{"status early", "ready"} {
		if ev := within(t, got, 5*time.Second, want); ev != want {
			t.Fatalf("got %q, want %q", ev, want)
		}
	}
	w.finish(t)
}

func TestReceiverUnregister(t *testing.T) {
	log, warns := warnings()
	r := listen(t, Options{Log: log, Hold: 10 * time.Millisecond})
	h, got := recorder()
	w := startHelper(t, "send", []string{r.Env()}, nil, "READY=1")
	r.Register(w.cmd.Process.Pid, "", h)()
	w.goAhead(t)
	within(t, warns, 5*time.Second, "warning about an unregistered worker")
	w.finish(t)
	select {
	case ev := <-got:
		t.Fatalf("unregistered handler got %q", ev)
	default:
	}
}

// TestReceiverClosesPassedFDs: descriptors sent along (FDSTORE=1 and the
// like) must not pile up in supd.
func TestReceiverClosesPassedFDs(t *testing.T) {
	r := listen(t, Options{})
	marker := filepath.Join(t.TempDir(), "marker")
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h, got := recorder()
	w := startHelper(t, "sendfd", []string{r.Env()}, nil, marker)
	defer r.Register(w.cmd.Process.Pid, "", h)()
	w.goAhead(t)
	if ev := within(t, got, 5*time.Second, "status"); ev != "status fd" {
		t.Fatalf("got %q", ev)
	}
	w.finish(t)
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); l == marker {
			t.Fatalf("fd %s still open on %s", e.Name(), marker)
		}
	}
}

// TestReceiverCgroup registers a worker by cgroup only; its helper, moved
// into a cgroup below the registered one, is recognised.
func TestReceiverCgroup(t *testing.T) {
	mount := cgroup2Mount(t)
	base := fmt.Sprintf("/supd-notify-test-%d", os.Getpid())
	dir := filepath.Join(mount, base)
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Skipf("no writable cgroup2: %v", err)
	}
	t.Cleanup(func() {
		os.Remove(filepath.Join(dir, "sub"))
		os.Remove(dir)
	})

	r := listen(t, Options{})
	h, got := recorder()
	w := startHelper(t, "send", []string{r.Env()}, nil, "READY=1")
	pid := fmt.Sprint(w.cmd.Process.Pid)
	if err := os.WriteFile(filepath.Join(dir, "sub", "cgroup.procs"), []byte(pid), 0); err != nil {
		t.Skipf("cannot move a process into a cgroup: %v", err)
	}
	t.Cleanup(func() {
		// Leave the cgroups empty so they can be removed.
		w.cmd.Process.Kill()
		w.cmd.Wait()
	})
	// Registered by the parent of the cgroup the kernel names for it.
	cg, err := osproc.CgroupOf(w.cmd.Process.Pid)
	if err != nil || path.Base(cg) != "sub" {
		t.Fatalf("helper's cgroup %q, %v", cg, err)
	}
	defer r.Register(0, path.Dir(cg), h)()
	w.goAhead(t)
	if ev := within(t, got, 5*time.Second, "ready"); ev != "ready" {
		t.Fatalf("got %q", ev)
	}
	w.finish(t)
}

func cgroup2Mount(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for i, x := range f {
			if x == "-" && i+1 < len(f) && f[i+1] == "cgroup2" && len(f) > 4 {
				return f[4]
			}
		}
	}
	t.Skip("no cgroup2 mount")
	return ""
}

// TestReceiverClose: Close returns once the goroutine is gone, and no
// handler runs afterwards.
func TestReceiverClose(t *testing.T) {
	r, err := Listen(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	closed := false
	late := make(chan struct{}, 1)
	w := startHelper(t, "send", []string{r.Env()}, nil, "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1")
	r.Register(w.cmd.Process.Pid, "", Handler{WatchdogPing: func() {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			late <- struct{}{}
		}
	}})
	w.goAhead(t)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	closed = true
	mu.Unlock()
	select {
	case <-r.done:
	default:
		t.Fatal("Close returned before the goroutine ended")
	}
	// The helper may find the socket gone: its exit status is moot.
	w.stdin.Close()
	w.cmd.Wait()
	select {
	case <-late:
		t.Fatal("handler called after Close")
	default:
	}
}

func TestListenAddr(t *testing.T) {
	a := listen(t, Options{})
	b := listen(t, Options{})
	prefix := fmt.Sprintf("@supd-notify-%d-", os.Getpid())
	if !strings.HasPrefix(a.Addr(), prefix) || a.Addr() == b.Addr() {
		t.Fatalf("addresses %q and %q: want distinct, starting %q", a.Addr(), b.Addr(), prefix)
	}
	if a.Env() != "NOTIFY_SOCKET="+a.Addr() {
		t.Fatalf("Env() = %q", a.Env())
	}
}

// TestReceiveDrops feeds receive datagrams that must be dropped outright:
// neither delivered nor parked.
func TestReceiveDrops(t *testing.T) {
	self := unix.UnixCredentials(&unix.Ucred{Pid: int32(os.Getpid())})
	tests := []struct {
		name  string
		msg   string
		oob   []byte
		flags int
		warn  bool
	}{
		{"no credentials", "READY=1", nil, 0, false},
		{"pid 0: the sender exited", "READY=1", unix.UnixCredentials(&unix.Ucred{Pid: 0}), 0, false},
		{"a pid that does not exist", "READY=1", unix.UnixCredentials(&unix.Ucred{Pid: 1 << 23}), 0, false},
		{"truncated", "READY=1", self, unix.MSG_TRUNC, true},
		{"nothing supd acts on", "RELOADING=1", self, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			log, warns := warnings()
			r := listen(t, Options{Log: log, Hold: time.Hour})
			h, got := recorder()
			defer r.Register(syscall.Getpgrp(), "", h)()
			r.receive([]byte(tc.msg), tc.oob, tc.flags)
			r.mu.Lock()
			n := len(r.pending)
			r.mu.Unlock()
			if n != 0 || len(got) != 0 || (len(warns) > 0) != tc.warn {
				t.Fatalf("parked %d, delivered %d, warned %d; want none (warning: %v)", n, len(got), len(warns), tc.warn)
			}
		})
	}
	// The same path delivers a datagram that passes every check.
	r := listen(t, Options{})
	h, got := recorder()
	defer r.Register(syscall.Getpgrp(), "", h)()
	r.receive([]byte("READY=1"), self, 0)
	if len(got) != 1 {
		t.Fatal("a valid datagram from this process's group was not delivered")
	}
}

// TestHandlerHoldsOnlyItsRegistration runs a handler that blocks: meanwhile
// Register for another worker returns at once, and the blocked
// registration's unregister returns only after the handler did.
func TestHandlerHoldsOnlyItsRegistration(t *testing.T) {
	r := listen(t, Options{})
	entered, release := make(chan struct{}), make(chan struct{})
	unregister := r.Register(syscall.Getpgrp(), "", Handler{WatchdogPing: func() {
		close(entered)
		<-release
	}})
	self := unix.UnixCredentials(&unix.Ucred{Pid: int32(os.Getpid())})
	received := make(chan struct{})
	go func() {
		r.receive([]byte("WATCHDOG=1"), self, 0)
		close(received)
	}()
	within(t, entered, 5*time.Second, "the handler's call")

	registered := make(chan struct{})
	go func() {
		r.Register(1<<23, "/other", Handler{})()
		close(registered)
	}()
	within(t, registered, 5*time.Second, "Register and unregister of another worker while a handler runs")

	unregistered := make(chan struct{})
	go func() {
		unregister()
		close(unregistered)
	}()
	select {
	case <-unregistered:
		t.Fatal("unregister returned while its handler was running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	within(t, unregistered, 5*time.Second, "unregister after the handler returned")
	within(t, received, 5*time.Second, "receive to return")
}
