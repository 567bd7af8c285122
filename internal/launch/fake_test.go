package launch

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"supd/config"
	"supd/internal/logcap"
	"supd/internal/notify"
	"supd/osproc"
	"supd/tree"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// deadline bounds every wait of these tests.
const deadline = 5 * time.Second

// monitor is a tree.Monitor that records a run's reports as lines.
type monitor struct {
	ch     chan string
	exited chan struct{} // closed at the first Exited

	mu    sync.Mutex
	exits int
}

func newMonitor() *monitor {
	return &monitor{ch: make(chan string, 100), exited: make(chan struct{})}
}

func (m *monitor) Ready() { m.ch <- "ready" }
func (m *monitor) Exited(e osproc.Exit, tail []string) {
	m.ch <- "exited " + e.String()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.exits++; m.exits == 1 {
		close(m.exited)
	}
}

// waitExited waits for the run's end to be reported.
func (m *monitor) waitExited(t *testing.T) {
	t.Helper()
	select {
	case <-m.exited:
	case <-time.After(deadline):
		t.Fatalf("no Exited within %v", deadline)
	}
}
func (m *monitor) Failed(r tree.Reason, detail string) { m.ch <- "failed " + string(r) }
func (m *monitor) Status(n tree.Notice) {
	switch {
	case n.Status != nil:
		m.ch <- "status " + *n.Status
	case n.MainPID != 0:
		m.ch <- fmt.Sprint("mainpid ", n.MainPID)
	case n.Stopping:
		m.ch <- "stopping"
	}
}

// next returns the next report, failing the test without one by the deadline.
func (m *monitor) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-m.ch:
		return s
	case <-time.After(deadline):
		t.Fatalf("no report within %v", deadline)
		return ""
	}
}

// none checks that nothing more is reported for a while: for what must not
// happen, such as a watchdog armed after the run's end firing.
func (m *monitor) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case s := <-m.ch:
		t.Fatalf("unexpected report %q", s)
	case <-time.After(d):
	}
}

// fakeNotify is the sd_notify socket: it records registrations, and its
// onRegister runs inside Register, as the Receiver replays parked datagrams.
type fakeNotify struct {
	mu         sync.Mutex
	live       map[string]notify.Handler // by pgid and cgroup
	onRegister func(h notify.Handler)
}

func newFakeNotify() *fakeNotify { return &fakeNotify{live: map[string]notify.Handler{}} }

func (n *fakeNotify) Env() string { return "NOTIFY_SOCKET=@fake" }

func (n *fakeNotify) Register(pgid int, cgroup string, h notify.Handler) func() {
	key := fmt.Sprint(pgid, " ", cgroup)
	n.mu.Lock()
	n.live[key] = h
	hook := n.onRegister
	n.mu.Unlock()
	if hook != nil {
		hook(h)
	}
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.live, key)
	}
}

// keys lists the live registrations as "pgid cgroup".
func (n *fakeNotify) keys() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(maps.Keys(n.live))
}

func (n *fakeNotify) registered() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.live)
}

// fakeOS starts fake processes. A process ends when signalled with
// anything but SIGHUP, or killed, as the reaper would report it: OnExit on
// another goroutine, with the child's ends of its pipes closed first.
type fakeOS struct {
	mu    sync.Mutex
	next  int
	specs []osproc.Spec
	// onStart runs inside Start, after the process "exists".
	onStart func(p *fakeProc)
	err     error
}

func (o *fakeOS) start(s osproc.Spec) (process, error) {
	o.mu.Lock()
	o.specs = append(o.specs, s)
	o.next++
	pid, err, hook := 1000+o.next, o.err, o.onStart
	o.mu.Unlock()
	if err != nil {
		return nil, err
	}
	p := &fakeProc{pid: pid, spec: s}
	if hook != nil {
		hook(p)
	}
	return p, nil
}

func (o *fakeOS) spec(t *testing.T) osproc.Spec {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.specs) != 1 {
		t.Fatalf("%d starts, want 1", len(o.specs))
	}
	return o.specs[0]
}

type fakeProc struct {
	pid  int
	spec osproc.Spec

	mu      sync.Mutex
	signals []string
	ended   bool
}

func (p *fakeProc) Pid() int           { return p.pid }
func (p *fakeProc) CgroupPath() string { return "/supd.1.1/" + p.spec.Cgroup + ".1" }

func (p *fakeProc) Signal(sig syscall.Signal, group bool) error {
	p.mu.Lock()
	p.signals = append(p.signals, fmt.Sprint(osproc.SignalName(sig), " group=", group))
	p.mu.Unlock()
	if sig != syscall.SIGHUP {
		p.exit(osproc.Exit{Signal: sig})
	}
	return nil
}

func (p *fakeProc) SignalPid(pid int, sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signals = append(p.signals, fmt.Sprint(osproc.SignalName(sig), " pid=", pid))
	return nil
}

func (p *fakeProc) Kill() { p.exit(osproc.Exit{Signal: syscall.SIGKILL}) }

// exit ends the process once: its output pipes close, then OnExit runs.
func (p *fakeProc) exit(e osproc.Exit) {
	p.mu.Lock()
	done := p.ended
	p.ended = true
	p.mu.Unlock()
	if done {
		return
	}
	p.spec.Stdout.Close()
	p.spec.Stderr.Close()
	p.spec.OnExit(e)
}

func (p *fakeProc) signalled() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.signals, ", ")
}

// harness is a Launcher on fakes, with one worker to launch.
type harness struct {
	l   *Launcher
	os  *fakeOS
	n   *fakeNotify
	mon *monitor
}

func newHarness(t *testing.T) *harness {
	h := &harness{os: &fakeOS{}, n: newFakeNotify(), mon: newMonitor()}
	h.l = &Launcher{
		o:        Options{Hub: logcap.NewHub(), Log: slog.New(slog.DiscardHandler), Env: []string{"PATH=/bin", "HOME=/root"}},
		notify:   h.n,
		start:    h.os.start,
		starting: make(chan struct{}, 1),
	}
	t.Cleanup(func() {
		if lg := h.l.o.Hub.Remove("web/api"); lg != nil {
			lg.Close()
		}
	})
	return h
}

// launch launches w; the test's end kills the run and checks that it
// ended once, with nothing left registered.
func (h *harness) launch(t *testing.T, w *config.Worker) *run {
	t.Helper()
	p, err := h.l.Launch(treeSpec(w, h.mon))
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	t.Cleanup(func() {
		p.Kill()
		h.mon.waitExited(t)
		h.mon.mu.Lock()
		exits := h.mon.exits
		h.mon.mu.Unlock()
		if exits != 1 {
			t.Errorf("Exited reported %d times", exits)
		}
		if n := h.n.registered(); n != 0 {
			t.Errorf("%d sd_notify registrations left after the run's end", n)
		}
	})
	return p.(*run)
}

// worker returns a worker spec for the fakes, changed by opts.
func worker(opts ...func(*config.Worker)) *config.Worker {
	w := &config.Worker{Name: "api"}
	w.Command.Argv = []string{"/bin/api", "--port", "80"}
	w.Logs = config.WorkerLogs{Ring: 1 << 16}
	for _, o := range opts {
		o(w)
	}
	return w
}

func readyNotify(w *config.Worker) { w.Ready.Kind = config.ReadyNotify }

// a probe that never succeeds: nothing listens on port 1.
var failingProbe = config.Probe{TCP: "127.0.0.1:1", Interval: 10 * time.Millisecond, Timeout: 10 * time.Millisecond}

func readyProbe(w *config.Worker) {
	p := failingProbe
	w.Ready = config.Ready{Kind: config.ReadyProbe, Probe: &p}
}

func healthProbe(w *config.Worker) {
	w.Health = &config.Health{Probe: failingProbe, Failures: 1}
}

func watchdog(d time.Duration) func(*config.Worker) {
	return func(w *config.Worker) { w.Watchdog = d }
}

func readyFD(fd int) func(*config.Worker) {
	return func(w *config.Worker) { w.Ready = config.Ready{Kind: config.ReadyFD, FD: fd} }
}

func treeSpec(w *config.Worker, m *monitor) tree.LaunchSpec {
	return tree.LaunchSpec{Path: "web/api", Gen: 1, Worker: w, Monitor: m}
}
