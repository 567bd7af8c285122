package launch

import (
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/config"
	"supd/internal/notify"
	"supd/osproc"
)

// TestLaunchSpec checks what a worker's process is started with.
func TestLaunchSpec(t *testing.T) {
	tests := []struct {
		name    string
		opts    []func(*config.Worker)
		env     []string // beyond supd's PATH and HOME
		pidEnv  []string
		extraAt int // the readiness fd, 0 for none
	}{
		{name: "plain"},
		{name: "notify", opts: []func(*config.Worker){readyNotify}, env: []string{"NOTIFY_SOCKET=@fake"}},
		{name: "watchdog", opts: []func(*config.Worker){watchdog(time.Minute)},
			env: []string{"NOTIFY_SOCKET=@fake", "WATCHDOG_USEC=60000000"}, pidEnv: []string{"WATCHDOG_PID"}},
		{name: "ready fd 3", opts: []func(*config.Worker){readyFD(3)}, extraAt: 3},
		{name: "ready fd 7", opts: []func(*config.Worker){readyFD(7)}, extraAt: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.launch(t, worker(tt.opts...))
			s := h.os.spec(t)
			if !slices.Equal(s.Argv, []string{"/bin/api", "--port", "80"}) || s.Cgroup != "web_api" || s.OnExit == nil {
				t.Errorf("argv %q, cgroup %q", s.Argv, s.Cgroup)
			}
			if want := append([]string{"PATH=/bin", "HOME=/root"}, tt.env...); !slices.Equal(s.Env, want) {
				t.Errorf("env %q, want %q", s.Env, want)
			}
			if !slices.Equal(s.PidEnv, tt.pidEnv) {
				t.Errorf("PidEnv %q, want %q", s.PidEnv, tt.pidEnv)
			}
			if tt.extraAt == 0 {
				if len(s.ExtraFiles) != 0 {
					t.Errorf("extra files %v", s.ExtraFiles)
				}
				return
			}
			// The pipe at its number, nothing open below it.
			if len(s.ExtraFiles) != tt.extraAt-2 || s.ExtraFiles[tt.extraAt-3] == nil ||
				slices.ContainsFunc(s.ExtraFiles[:tt.extraAt-3], func(f *os.File) bool { return f != nil }) {
				t.Errorf("extra files %v, want the pipe at fd %d alone", s.ExtraFiles, tt.extraAt)
			}
		})
	}
}

// TestStartFailure: a failed start is Launch's error, and leaves nothing
// running (the capture's and ready pipe's goroutines are checked by goleak).
func TestStartFailure(t *testing.T) {
	h := newHarness(t)
	h.os.err = errors.New(`exec "/bin/api": permission denied`)
	_, err := h.l.Launch(treeSpec(worker(readyNotify, readyFD(5), watchdog(time.Minute)), h.mon))
	if err == nil || err.Error() != `exec "/bin/api": permission denied` {
		t.Fatalf("Launch error %v", err)
	}
	if n := h.n.registered(); n != 0 {
		t.Errorf("%d registrations after a failed start", n)
	}
	h.mon.none(t, 50*time.Millisecond)
}

// TestExitBeforeRegister: the worker exits, and its end is handled, before
// Launch has registered it or started its probe: what Launch starts late is
// stopped at once, and the exit is reported once.
func TestExitBeforeRegister(t *testing.T) {
	for name, opts := range map[string][]func(*config.Worker){
		"notify": {readyNotify, watchdog(20 * time.Millisecond)},
		"probe":  {readyProbe},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.os.onStart = func(p *fakeProc) {
				p.exit(osproc.Exit{Code: 3})
				h.mon.waitExited(t) // the run has ended: released
			}
			r := h.launch(t, worker(append(opts, healthProbe)...))
			if got := h.mon.next(t); got != "exited code 3" {
				t.Fatalf("report %q", got)
			}
			if n := h.n.registered(); n != 0 {
				t.Errorf("registered after the end: %d", n)
			}
			// A late Running (the tree acts on an older ready) arms
			// nothing: no watchdog, no health check fires.
			r.Running()
			h.mon.none(t, 100*time.Millisecond)
		})
	}
}

// TestExitDuringRegister: the run ends while Register is running.
func TestExitDuringRegister(t *testing.T) {
	h := newHarness(t)
	var proc *fakeProc
	h.os.onStart = func(p *fakeProc) { proc = p }
	h.n.onRegister = func(notify.Handler) {
		proc.exit(osproc.Exit{Signal: syscall.SIGSEGV})
		h.mon.waitExited(t)
	}
	h.launch(t, worker(readyNotify))
	if got := h.mon.next(t); got != "exited signal SEGV" {
		t.Fatalf("report %q", got)
	}
	if n := h.n.registered(); n != 0 {
		t.Errorf("registered after the end: %d", n)
	}
}

// TestNotifyBeforeRegister: datagrams the worker sent before Launch
// registered it are handed over inside Register on another goroutine, as
// the Receiver replays them, while Launch waits: nothing may be locked
// across Register that a Handler needs.
func TestNotifyBeforeRegister(t *testing.T) {
	h := newHarness(t)
	h.n.onRegister = func(hd notify.Handler) {
		done := make(chan struct{})
		go func() {
			hd.MainPID(4242)
			hd.Status("up")
			hd.Ready()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(deadline):
			t.Fatalf("the handler's calls did not return within %v: Launch holds a lock they need", deadline)
		}
	}
	r := h.launch(t, worker(readyNotify))
	for _, want := range []string{"mainpid 4242", "status up", "ready"} {
		if got := h.mon.next(t); got != want {
			t.Fatalf("report %q, want %q", got, want)
		}
	}
	if r.Pid() != 4242 {
		t.Errorf("Pid() = %d, want the MAINPID 4242", r.Pid())
	}
	r.Signal(syscall.SIGHUP, false)
	r.Signal(syscall.SIGHUP, true)
	if got := r.proc.(*fakeProc).signalled(); got != "HUP pid=4242, HUP group=true" {
		t.Errorf("signals %q: want the main pid's alone, and the group's", got)
	}
}

// TestStopDuringStart: the tree stops a worker that is not ready yet. Its
// exit ends the readiness probe and pipe; a late Running starts nothing.
func TestStopDuringStart(t *testing.T) {
	for name, opts := range map[string][]func(*config.Worker){
		"probe": {readyProbe, healthProbe, watchdog(20 * time.Millisecond)},
		"fd":    {readyFD(4), healthProbe},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			r := h.launch(t, worker(opts...))
			if err := r.Signal(syscall.SIGTERM, true); err != nil {
				t.Fatal(err)
			}
			if got := h.mon.next(t); got != "exited signal TERM" {
				t.Fatalf("report %q", got)
			}
			r.Running()
			h.mon.none(t, 100*time.Millisecond)
			if r.Pid() != r.proc.Pid() {
				t.Errorf("Pid() = %d", r.Pid())
			}
		})
	}
}

// TestRunningArms is the counterpart of the late Running above: once ready,
// a silent watchdog and a failing health check do report.
func TestRunningArms(t *testing.T) {
	h := newHarness(t)
	r := h.launch(t, worker(readyNotify, healthProbe, watchdog(20*time.Millisecond)))
	r.Running()
	got := []string{h.mon.next(t), h.mon.next(t)}
	slices.Sort(got)
	if strings.Join(got, ", ") != "failed unhealthy, failed watchdog" {
		t.Fatalf("reports %q", got)
	}
}
