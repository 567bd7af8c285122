package tree

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
)

// ping is a liveness check that passes through every owner's loop, for
// supd's watchdog and health endpoint: a wedged owner stops the answers.
//
// An owner that takes a ping forwards it to each nested supervisor it owns
// and posts the ping back to itself as answered; it counts as answered when
// it takes that second message, one step later, so by then it has also
// published the snapshot of every step before the ping. The round completes
// when every owner it reached has answered.
type ping struct {
	round    *pingRound
	answered bool // the owner's own answer, on its second pass

	// A ping with hold set is the test hook of BlockForTest instead: it
	// travels to the owner at path, which then blocks until hold closes.
	hold    <-chan struct{}
	path    string
	blocked chan<- error // gets nil once the owner blocks, or why it cannot
}

func (ping) isMsg() {}

// pingRound counts the owners of one Ping that have not answered yet.
type pingRound struct {
	pending atomic.Int64
	done    chan struct{}
}

func (r *pingRound) add() { r.pending.Add(1) }

func (r *pingRound) arrive() {
	if r.pending.Add(-1) == 0 {
		close(r.done)
	}
}

// handle runs in the owner's goroutine.
func (m ping) handle(s *supervisor) {
	if m.hold != nil {
		m.holdAt(s)
		return
	}
	if m.answered || s.ended {
		m.round.arrive()
		return
	}
	for _, c := range s.children {
		if c.sup != nil {
			m.round.add()
			s.tell(c, ping{round: m.round}, m.round.arrive) // an owner that has ended is not wedged
		}
	}
	if !s.box.post(ping{round: m.round, answered: true}) {
		m.round.arrive()
	}
}

// drop settles a ping that an ending owner will not handle: it counts as
// answered (an owner that has ended is not wedged).
func (m ping) drop() {
	if m.hold != nil {
		m.blocked <- fmt.Errorf("supervisor %q has ended", m.path)
		return
	}
	m.round.arrive()
}

// holdAt blocks this owner if it is the one at m.path, or passes m on
// toward it.
func (m ping) holdAt(s *supervisor) {
	if m.path == s.path {
		m.blocked <- nil
		<-m.hold
		return
	}
	for _, c := range s.children {
		if c.sup != nil && (m.path == c.path || strings.HasPrefix(m.path, c.path+"/")) {
			path := c.path
			s.tell(c, m, func() { m.blocked <- fmt.Errorf("supervisor %q has ended", path) })
			return
		}
	}
	m.blocked <- fmt.Errorf("no supervisor %q", m.path)
}

// Ping returns nil once every supervisor's owner has taken a ping from its
// mailbox and finished a step after it, so every change an owner made
// before the ping shows in Snapshot by the time Ping returns. It fails when
// ctx ends first (an owner is wedged or overloaded) or when the tree has
// ended.
func (t *Tree) Ping(ctx context.Context) error {
	r := &pingRound{done: make(chan struct{})}
	r.add()
	if !t.root.box.post(ping{round: r}) {
		return fmt.Errorf("ping: the tree has ended: %w", ErrConflict)
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ping: the tree's owners did not all answer: %w", context.Cause(ctx))
	case <-t.root.done:
		return fmt.Errorf("ping: the tree has ended: %w", ErrConflict)
	}
}

// BlockForTest blocks the loop of the supervisor at path ("" for the root)
// until release is called, as a wedged owner would be. It returns once the
// owner is blocked. Tests only: a blocked owner handles nothing, not even a
// shutdown.
func (t *Tree) BlockForTest(path string) (release func(), err error) {
	hold := make(chan struct{})
	blocked := make(chan error, 1)
	if !t.root.box.post(ping{hold: hold, path: strings.Trim(path, "/"), blocked: blocked}) {
		return nil, fmt.Errorf("block %q: the tree has ended", path)
	}
	select {
	case err := <-blocked:
		if err != nil {
			return nil, fmt.Errorf("block %q: %w", path, err)
		}
	case <-t.root.done:
		return nil, fmt.Errorf("block %q: the tree has ended", path)
	}
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			close(hold)
		}
	}, nil
}
