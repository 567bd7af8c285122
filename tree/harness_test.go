package tree_test

import (
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"supd/config"
	"supd/tree"
	"supd/tree/treetest"
)

// worker builds a worker node with the defaults of SPEC §1, but no backoff
// and no jitter unless an option sets them.
func worker(name string, opts ...func(*config.Worker)) config.Node {
	w := &config.Worker{Name: name}
	w.Command = config.Command{Argv: []string{"/bin/true"}}
	w.Restart = config.Permanent
	w.SuccessCodes = config.SuccessCodes{Codes: []int{0}}
	w.Autostart = true
	w.Backoff = config.Backoff{Factor: 2, Max: 30 * time.Second}
	w.Ready = config.Ready{Kind: config.ReadyStarted}
	w.ReadyTimeout = 30 * time.Second
	w.StopSignal = syscall.SIGTERM
	w.StopTimeout = 10 * time.Second
	for _, o := range opts {
		o(w)
	}
	return config.Node{Worker: w}
}

func restart(r config.Restart) func(*config.Worker) {
	return func(w *config.Worker) { w.Restart = r }
}

func significant(w *config.Worker) { w.Significant = true }

func readyNotify(w *config.Worker) { w.Ready = config.Ready{Kind: config.ReadyNotify} }

func backoff(initial time.Duration) func(*config.Worker) {
	return func(w *config.Worker) { w.Backoff.Initial = initial }
}

func supervisor(name string, strategy config.Strategy, children ...config.Node) *config.Supervisor {
	return &config.Supervisor{
		Name: name, Strategy: strategy, MaxRestarts: 3, Period: 5 * time.Second,
		Start: config.Sequential, Restart: config.Permanent, AutoShutdown: config.Never,
		Children: children,
	}
}

func sup(s *config.Supervisor, opts ...func(*config.Supervisor)) config.Node {
	for _, o := range opts {
		o(s)
	}
	return config.Node{Supervisor: s}
}

// harness runs a tree in a synctest bubble.
type harness struct {
	t  *testing.T
	l  *treetest.Launcher
	tr *tree.Tree

	mu     sync.Mutex
	events []tree.Event
}

func run(t *testing.T, root *config.Supervisor, fn func(h *harness)) {
	t.Helper()
	runWith(t, root, func(*harness) {}, fn)
}

// runWith is run with a setup step before the tree starts.
func runWith(t *testing.T, root *config.Supervisor, setup, fn func(h *harness)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		h := &harness{t: t, l: &treetest.Launcher{}}
		h.tr = tree.New(root, tree.Options{Launcher: h.l, Events: h.record, Rand: func() float64 { return 0.5 }})
		setup(h)
		h.tr.Start()
		// Every test ends with the tree gone and no process left, even
		// after a failure.
		defer func() {
			select {
			case <-h.tr.Done():
			default:
				h.tr.Shutdown()
				<-h.tr.Done()
			}
			if live := h.l.Live(); len(live) > 0 {
				t.Errorf("%d processes left after the tree ended, first %s", len(live), live[0].Path)
			}
		}()
		synctest.Wait()
		fn(h)
	})
}

func (h *harness) record(e tree.Event) {
	h.mu.Lock()
	h.events = append(h.events, e)
	h.mu.Unlock()
}

// settle lets every owner finish what it can do now.
func (h *harness) settle() { synctest.Wait() }

// sleep advances the fake clock.
func (h *harness) sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func (h *harness) node(path string) *tree.Snapshot {
	h.t.Helper()
	n := h.tr.Snapshot().Find(path)
	if n == nil {
		h.t.Fatalf("no node %q", path)
	}
	return n
}

func (h *harness) wantState(path string, want tree.State) {
	h.t.Helper()
	if got := h.node(path).State; got != want {
		h.t.Fatalf("%s is %s, want %s", path, got, want)
	}
}

func (h *harness) wantStarts(path string, want int) {
	h.t.Helper()
	if got := h.l.Starts(path); got != want {
		h.t.Fatalf("%s started %d times, want %d", path, got, want)
	}
}

// transitions returns "path:new" for every state event, in order, after
// mark (an index into the event log).
func (h *harness) transitions(mark int) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events[mark:] {
		out = append(out, e.Path+":"+string(e.New))
	}
	return out
}

func (h *harness) mark() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events)
}

// lastEvent returns the newest event of path.
func (h *harness) lastEvent(path string) tree.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.events) - 1; i >= 0; i-- {
		if h.events[i].Path == path {
			return h.events[i]
		}
	}
	h.t.Fatalf("no event for %q", path)
	return tree.Event{}
}

// eventInto returns the last event after mark that took path into state.
func (h *harness) eventInto(mark int, path string, state tree.State) tree.Event {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.events) - 1; i >= mark; i-- {
		if e := h.events[i]; e.Path == path && e.New == state {
			return e
		}
	}
	h.t.Fatalf("no event took %q into %s", path, state)
	return tree.Event{}
}
