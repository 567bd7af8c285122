package tree

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"supd/config"
)

// Options are a Tree's collaborators.
type Options struct {
	Launcher Launcher
	// Events receives every event, in order per supervisor. It is called
	// from owner goroutines and must not block.
	Events func(Event)
	// Rand returns uniform numbers in [0,1) for backoff jitter; nil uses
	// math/rand/v2.
	Rand func() float64
	// Launches is how many workers a supervisor's parallel start launches
	// at once, each Launch on a goroutine of its own (the Launcher must
	// allow concurrent calls); 0 or 1 launches them one after another on
	// the owner's goroutine.
	Launches int
}

// Result is how a tree ended.
type Result struct {
	// Reason is "" after a shutdown, ReasonGaveUp when the root gave up, or
	// ReasonAutoShutdown when its significant children ended.
	Reason Reason
	// Code is the exit code of the last significant worker that ended, for
	// ReasonAutoShutdown.
	Code int
}

// Tree is a running supervision tree.
type Tree struct {
	launcher Launcher
	events   func(Event)
	rand     func() float64
	launches int
	root     *supervisor

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	owners  atomic.Int64  // owner goroutines running
	version atomic.Uint64 // counts the snapshots owners published

	rootState State // the root's record, kept by rootLink on the root's goroutine
	ready     chan struct{}
	done      chan struct{}
	result    Result
}

// New builds the tree of owners for root. Nothing runs until Start.
func New(root *config.Supervisor, opts Options) *Tree {
	t := &Tree{
		launcher: opts.Launcher,
		events:   opts.Events,
		rand:     opts.Rand,
		launches: opts.Launches,
		ready:    make(chan struct{}),
		done:     make(chan struct{}),
	}
	if t.events == nil {
		t.events = func(Event) {}
	}
	if t.rand == nil {
		t.rand = defaultRand
	}
	t.root = newSupervisor(t, rootLink{t}, nil, "", root)
	return t
}

// Start runs every owner and starts the root's children.
func (t *Tree) Start() {
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.spawn(t.root)
	t.rootState = Starting
	t.events(Event{Time: time.Now(), Kind: EventState, Path: "", Old: Stopped, New: Starting})
	t.root.box.post(startSelf{gen: 1})
}

// Shutdown asks the root to stop its children in reverse order. Done closes
// once they are all gone.
func (t *Tree) Shutdown() { t.root.box.post(stopSelf{}) }

// Ready is closed once the root has started every child (SPEC §2.2: a
// supervisor is ready once all its children are).
func (t *Tree) Ready() <-chan struct{} { return t.ready }

// Done is closed when the tree has ended; Result then says how.
func (t *Tree) Done() <-chan struct{} { return t.done }

// Result is valid once Done is closed.
func (t *Tree) Result() Result { return t.result }

// rootLink keeps the root's record: the Tree is the root's parent.
type rootLink struct{ t *Tree }

func (l rootLink) ready(uint64) {
	t := l.t
	t.rootChange(Running, nil)
	t.root.report(func() {
		select {
		case <-t.ready:
		default:
			close(t.ready)
		}
	})
}

func (l rootLink) stopping(uint64) { l.t.rootChange(Stopping, nil) }

// exited ends the tree once the root has stopped everything.
func (l rootLink) exited(_ uint64, reason Reason, code int) {
	t := l.t
	final, info := Stopped, (*ExitInfo)(nil)
	if reason != "" {
		info = &ExitInfo{Reason: reason, Time: t.root.now}
	}
	if reason == ReasonGaveUp {
		final = Failed
	}
	t.rootChange(final, info)
	t.root.report(func() {
		t.result = Result{Reason: reason, Code: code}
		t.cancel()
		go func() {
			t.wg.Wait()
			close(t.done)
		}()
	})
}

func (t *Tree) rootChange(st State, exit *ExitInfo) {
	old := t.rootState
	t.rootState = st
	t.root.emitChange("", old, st, exit, nil)
}

// spawn runs the owners of s and of every supervisor below it. It is called
// by Start, and by an owner whose reload added s, before anything is posted
// to them.
func (t *Tree) spawn(s *supervisor) {
	t.wg.Add(1)
	t.owners.Add(1)
	go func() {
		defer t.wg.Done()
		defer t.owners.Add(-1)
		s.run(t.ctx)
	}()
	for _, c := range s.children {
		if c.sup != nil {
			t.spawn(c.sup)
		}
	}
}

// route finds the owner of the node at path and the node's name there. It
// reads only what owners published, so it may run while a reload changes
// the tree's shape; the owner itself answers for a name it no longer has.
func (t *Tree) route(path string) (*supervisor, string, error) {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil, "", fmt.Errorf("the root: %w: use shutdown or reload", ErrInvalid)
	}
	s := t.root
	names := strings.Split(path, "/")
	for _, name := range names[:len(names)-1] {
		next := s.snap.Load().owner(name)
		if next == nil {
			return nil, "", fmt.Errorf("%q: %w", path, ErrNotFound)
		}
		s = next
	}
	return s, names[len(names)-1], nil
}

// do posts a manual operation and waits for its outcome or ctx.
func (t *Tree) do(ctx context.Context, path string, cmd command) error {
	s, name, err := t.route(path)
	if err != nil {
		return err
	}
	cmd.name = name
	cmd.reply = make(chan error, 1)
	if !s.box.post(cmd) {
		return fmt.Errorf("%q: the tree has stopped: %w", path, ErrConflict)
	}
	select {
	case err := <-cmd.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return fmt.Errorf("%q: the tree has stopped: %w", path, ErrConflict)
	}
}

// StartNode starts a held or ended node and waits until it is ready or its
// start failed.
func (t *Tree) StartNode(ctx context.Context, path string) error {
	return t.do(ctx, path, command{op: opStart})
}

// StopNode stops a node and holds it stopped, for hold or (0) until a start.
func (t *Tree) StopNode(ctx context.Context, path string, hold time.Duration) error {
	return t.do(ctx, path, command{op: opStop, hold: hold})
}

// RestartNode stops a node and starts it again, counting toward nothing.
func (t *Tree) RestartNode(ctx context.Context, path string) error {
	return t.do(ctx, path, command{op: opRestart})
}

// SignalNode sends sig to a worker's process, or with group to its group.
func (t *Tree) SignalNode(ctx context.Context, path string, sig syscall.Signal, group bool) error {
	return t.do(ctx, path, command{op: opSignal, sig: sig, group: group})
}

// Apply reloads the running tree to root, the root of a new config, as
// plan (config.Diff from the running config to the new one) says. It
// returns once every supervisor has taken its step: the removed nodes are
// stopping, the restarted workers are restarting and the added nodes are
// starting; it does not wait for processes. While supd is shutting down it
// changes nothing and fails with ErrConflict.
func (t *Tree) Apply(ctx context.Context, root *config.Supervisor, plan config.Plan) error {
	var done sync.WaitGroup
	var refused atomic.Pointer[error]
	done.Add(1)
	if !t.root.box.post(applyPlan{spec: root, actions: plan.Actions(), done: &done, refused: &refused}) {
		return fmt.Errorf("reload: the tree has stopped: %w", ErrConflict)
	}
	applied := make(chan struct{})
	go func() {
		done.Wait()
		close(applied)
	}()
	select {
	case <-applied:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := refused.Load(); err != nil {
		return *err
	}
	return nil
}
