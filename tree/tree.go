package tree

import (
	"context"
	"fmt"
	"strings"
	"sync"
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
	root     *supervisor
	owners   map[string]*supervisor // by path, "" for the root

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

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
		owners:   make(map[string]*supervisor),
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
	t.index(t.root)
	return t
}

func (t *Tree) index(s *supervisor) {
	t.owners[s.path] = s
	for _, c := range s.children {
		if c.sup != nil {
			t.index(c.sup)
		}
	}
}

// Start runs every owner and starts the root's children.
func (t *Tree) Start() {
	t.ctx, t.cancel = context.WithCancel(context.Background())
	for _, s := range t.owners {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			s.run(t.ctx)
		}()
	}
	t.rootState = Starting
	t.emitChange(time.Now(), "", Stopped, Starting, nil, nil)
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
	select {
	case <-t.ready:
	default:
		close(t.ready)
	}
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
	t.result = Result{Reason: reason, Code: code}
	t.cancel()
	go func() {
		t.wg.Wait()
		close(t.done)
	}()
}

func (t *Tree) rootChange(st State, exit *ExitInfo) {
	old := t.rootState
	t.rootState = st
	t.emitChange(t.root.now, "", old, st, exit, nil)
}

// route finds the owner of the node at path and the node's name there.
func (t *Tree) route(path string) (*supervisor, string, error) {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil, "", fmt.Errorf("the root: %w: use shutdown or reload", ErrInvalid)
	}
	parent, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		parent, name = path[:i], path[i+1:]
	}
	s := t.owners[parent]
	if s == nil || s.byName[name] == nil {
		return nil, "", fmt.Errorf("%q: %w", path, ErrNotFound)
	}
	return s, name, nil
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
