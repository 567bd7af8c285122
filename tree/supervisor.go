package tree

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"supd/config"
)

// supervisor is the owner of one supervisor node. Its fields are touched
// only by its own goroutine (run), except box, done and snap.
//
// The owner's work is split by responsibility: this file receives messages
// and keeps the timer; decide.go judges exits and decides restarts;
// act.go and queue.go carry out starts and stops; publish.go records
// state changes, emits their events and publishes snapshots; command.go
// carries out manual operations.
type supervisor struct {
	t        *Tree
	path     string
	spec     *config.Supervisor
	up       parentLink // who keeps this supervisor's record: its parent, or the Tree
	self     *child     // the parent's record of this supervisor; nil for the root
	box      *mailbox
	done     chan struct{}
	snap     atomic.Pointer[Snapshot]
	children []*child
	byName   map[string]*child

	state      State // a mirror of the record up keeps, for this owner's decisions
	since      time.Time
	gen        uint64 // generation of the start the parent asked for
	in         intensity
	stopQ      []*child // children to stop, one after another
	startQ     []*child // children to (re)start, in order
	exitReason Reason   // why a stop of the whole supervisor began
	exitCode   int
	now        time.Time
	answers    []answer // replies to manual operations, sent after publish
	events     []Event  // this step's events, sent after publish
	reports    []func() // this step's reports up, sent after its events
	rolling    []*child // a replica set's instances still to restart, in order
	touched    []*child // children whose snapshot may have changed since publish
	reshaped   bool     // children were added, removed or reordered since publish
	timer      *time.Timer
	timerAt    time.Time
	timed      []*child // every child that may have a deadline armed (see timing)
	ended      bool     // removed by a reload: the loop returns
}

func newSupervisor(t *Tree, up parentLink, self *child, path string, spec *config.Supervisor) *supervisor {
	s := &supervisor{
		t: t, path: path, spec: spec, up: up, self: self,
		box: newMailbox(), done: make(chan struct{}),
		byName: make(map[string]*child, len(spec.Children)),
		state:  Stopped,
	}
	for i, n := range spec.Children {
		s.children = append(s.children, s.newChild(i, n))
	}
	return s
}

// newChild makes the record of a child, with an owner of its own for a
// nested supervisor (not yet running).
func (s *supervisor) newChild(idx int, n config.Node) *child {
	c := &child{idx: idx, name: n.Name(), path: join(s.path, n.Name()), node: n, state: Stopped}
	if n.Worker != nil {
		c.held = !n.Worker.Autostart
		c.autoHeld = c.held
	} else {
		c.sup = newSupervisor(s.t, nil, c, c.path, n.Supervisor)
		c.sup.up = childLink{from: c.sup, box: s.box, c: c}
	}
	s.byName[c.name] = c
	return c
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// run is the owner's loop. It returns when ctx ends, which the Tree does only
// once the root has stopped every child.
func (s *supervisor) run(ctx context.Context) {
	defer close(s.done)
	s.timer = time.NewTimer(time.Hour)
	s.timer.Stop()
	defer s.timer.Stop()
	s.now = time.Now()
	s.publish()
	for {
		select {
		case <-ctx.Done():
			s.close()
			return
		case <-s.box.wake:
		case <-s.timer.C:
			s.timerAt = time.Time{}
		}
		s.now = time.Now()
		for _, m := range s.box.take() {
			s.handle(m)
		}
		s.expire()
		s.advance()
		s.arm()
		s.flush()
		s.sendReports()
		s.sendAnswers()
		if s.ended {
			s.close()
			return
		}
	}
}

// close ends the mailbox as the owner returns, settling the pings it will
// not handle.
func (s *supervisor) close() {
	for _, m := range s.box.close() {
		if p, ok := m.(ping); ok {
			p.drop()
		}
	}
}

// handle dispatches one message, dropping results of older generations.
func (s *supervisor) handle(m msg) {
	switch m := m.(type) {
	case workerExited:
		if m.gen == m.c.gen && m.c.proc != nil {
			s.workerExited(m.c, m)
		}
	case workerReady:
		if m.gen == m.c.gen && m.c.state == Starting {
			s.markReady(m.c)
		}
	case workerFailed:
		c := m.c
		if m.gen == c.gen && (c.state == Starting || c.state == Running) {
			c.failReason, c.failDetail = m.reason, m.detail
			s.stopChild(c, stopFailure)
		}
	case workerNotice:
		if m.gen == m.c.gen && m.c.proc != nil {
			s.notice(m.c, m.n)
		}
	case supReady:
		if m.gen == m.c.gen && m.c.state == Starting {
			s.markReady(m.c)
		}
	case supStopping:
		if m.gen == m.c.gen && (m.c.state == Starting || m.c.state == Running) {
			s.setState(m.c, Stopping, nil, nil)
		}
	case supExited:
		if m.gen == m.c.gen {
			s.supExited(m)
		}
	case startSelf:
		s.startSelf(m.gen)
	case stopSelf:
		if s.state == Starting || s.state == Running {
			s.stopAll("")
		}
	case command:
		s.command(m)
	case applyPlan:
		s.apply(m)
	case scaleTo:
		s.scale(m)
	case endSelf:
		s.end()
	case ping:
		m.handle(s)
	}
}

// notice records sd_notify's STATUS=, STOPPING=1 and MAINPID=.
func (s *supervisor) notice(c *child, n Notice) {
	s.touch(c)
	if n.Status != nil {
		c.status = *n.Status
	}
	if n.Stopping {
		c.notifyStopping = true
	}
	if n.MainPID > 0 {
		c.pid = n.MainPID
	}
}

// timing notes that c has a deadline armed: arm and expire look only at
// the children so noted, not at every child at every step. Every
// assignment of a deadline (killAt, readyBy, afterAt, holdUntil, a
// backoff's notBefore) is followed by it.
func (s *supervisor) timing(c *child) {
	if !c.timed {
		c.timed = true
		s.timed = append(s.timed, c)
	}
}

// arm sets the one timer to the earliest deadline of any child, and lets go
// of the children that have none left or have left the tree.
func (s *supervisor) arm() {
	var next time.Time
	kept := s.timed[:0]
	for _, c := range s.timed {
		t := c.next(s.now)
		if t.IsZero() || !s.holds(c) {
			c.timed = false
			continue
		}
		kept = append(kept, c)
		next = earlier(next, t)
	}
	clear(s.timed[len(kept):])
	s.timed = kept
	if next.Equal(s.timerAt) {
		return
	}
	s.timer.Stop()
	s.timerAt = next
	if !next.IsZero() {
		s.timer.Reset(next.Sub(s.now))
	}
}

// holds reports whether c is still one of the supervisor's children.
func (s *supervisor) holds(c *child) bool {
	return c.idx < len(s.children) && s.children[c.idx] == c
}

// expire acts on the deadlines that have passed, in the children's order.
func (s *supervisor) expire() {
	if len(s.timed) == 0 {
		return
	}
	timed := slices.Clone(s.timed) // acting may arm more
	slices.SortFunc(timed, func(a, b *child) int { return a.idx - b.idx })
	for _, c := range timed {
		if !s.holds(c) {
			continue
		}
		if due(c.killAt, s.now) {
			c.killAt = time.Time{}
			if c.proc != nil {
				c.proc.Kill()
			}
		}
		if due(c.afterAt, s.now) {
			c.afterAt = time.Time{}
			if c.state == Starting {
				s.markReady(c)
			}
		}
		if due(c.readyBy, s.now) {
			c.readyBy = time.Time{}
			if c.state == Starting {
				c.failReason = ReasonStartFailed
				c.failDetail = "not ready within " + c.node.Worker.ReadyTimeout.String()
				s.stopChild(c, stopFailure)
			}
		}
		if due(c.holdUntil, s.now) {
			s.touch(c)
			c.holdUntil = time.Time{}
			c.held = false
			if s.live() {
				s.enqueueStart(c)
			}
		}
	}
}

func due(t, now time.Time) bool { return !t.IsZero() && !now.Before(t) }

// live reports whether the supervisor runs its children: it is starting or
// running, not stopping or stopped.
func (s *supervisor) live() bool { return s.state == Starting || s.state == Running }
