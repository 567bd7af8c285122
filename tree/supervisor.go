package tree

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"supd/config"
)

// supervisor is the owner of one supervisor node. Its fields are touched
// only by its own goroutine (run), except box, done and snap.
type supervisor struct {
	t        *Tree
	path     string
	spec     *config.Supervisor
	parent   *supervisor // nil for the root
	self     *child      // the parent's record of this supervisor; nil for the root
	box      *mailbox
	done     chan struct{}
	snap     atomic.Pointer[Snapshot]
	children []*child
	byName   map[string]*child

	state      State
	since      time.Time
	gen        uint64 // generation of the start the parent asked for
	in         intensity
	stopQ      []*child // children to stop, one after another
	startQ     []*child // children to (re)start, in order
	exitReason Reason   // why a stop of the whole supervisor began
	exitCode   int
	now        time.Time
	answers    []answer // replies to manual operations, sent after publish
	timer      *time.Timer
	timerAt    time.Time
}

func newSupervisor(t *Tree, parent *supervisor, self *child, path string, spec *config.Supervisor) *supervisor {
	s := &supervisor{
		t: t, path: path, spec: spec, parent: parent, self: self,
		box: newMailbox(), done: make(chan struct{}),
		byName: make(map[string]*child, len(spec.Children)),
		state:  Stopped,
		in:     intensity{max: spec.MaxRestarts, period: spec.Period},
	}
	for i, n := range spec.Children {
		c := &child{idx: i, name: n.Name(), path: join(path, n.Name()), node: n, state: Stopped}
		if n.Worker != nil {
			c.held = !n.Worker.Autostart
		} else {
			c.sup = newSupervisor(t, s, c, c.path, n.Supervisor)
		}
		s.children = append(s.children, c)
		s.byName[c.name] = c
	}
	return s
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
			s.box.close()
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
		s.publish()
		s.sendAnswers()
	}
}

// answer is a reply to a manual operation.
type answer struct {
	reply chan error
	err   error
}

// answer queues a reply. Replies go out after the step's snapshot is
// published, so whoever was waiting reads the node as the operation left it.
func (s *supervisor) answer(reply chan error, err error) {
	s.answers = append(s.answers, answer{reply, err})
}

func (s *supervisor) sendAnswers() {
	for _, a := range s.answers {
		a.reply <- a.err // buffered: one reply per operation
	}
	clear(s.answers)
	s.answers = s.answers[:0]
}

// arm sets the one timer to the earliest deadline of any child.
func (s *supervisor) arm() {
	var next time.Time
	for _, c := range s.children {
		c.deadlines(func(t time.Time) {
			if next.IsZero() || t.Before(next) {
				next = t
			}
		})
	}
	if next.Equal(s.timerAt) {
		return
	}
	s.timer.Stop()
	s.timerAt = next
	if !next.IsZero() {
		s.timer.Reset(next.Sub(s.now))
	}
}

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
		s.notice(m)
	case supReady:
		if m.gen == m.c.gen && m.c.state == Starting {
			s.markReady(m.c)
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
	case ping:
		m.handle(s)
	}
}

func (s *supervisor) notice(m workerNotice) {
	c := m.c
	if m.gen != c.gen || c.proc == nil {
		return
	}
	if m.n.Status != nil {
		c.status = *m.n.Status
	}
	if m.n.Stopping {
		c.notifyStopping = true
	}
	if m.n.MainPID > 0 {
		c.pid = m.n.MainPID
	}
}

// expire acts on the deadlines that have passed.
func (s *supervisor) expire() {
	for _, c := range s.children {
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
			c.holdUntil = time.Time{}
			c.held = false
			if s.state == Starting || s.state == Running {
				s.enqueueStart(c)
			}
		}
	}
}

func due(t, now time.Time) bool { return !t.IsZero() && !now.Before(t) }

// startSelf starts this supervisor, as its parent (or the Tree) asked: an
// empty restart history, as a new OTP process has, and every child that is
// not held, in order.
func (s *supervisor) startSelf(gen uint64) {
	if s.state == Starting || s.state == Running || s.state == Stopping {
		return
	}
	s.gen = gen
	s.in.reset()
	s.exitReason, s.exitCode = "", 0
	s.setSelf(Starting, true)
	s.startQ = s.startQ[:0]
	for _, c := range s.children {
		c.backoffStep, c.sigDone = 0, false
		if !c.held {
			s.startQ = append(s.startQ, c)
		}
	}
}

// stopAll stops every child in reverse order; once all are gone the
// supervisor ends with reason ("" for a requested stop).
func (s *supervisor) stopAll(reason Reason) {
	s.exitReason = reason
	s.setSelf(Stopping, true)
	s.startQ = nil
	s.stopQ = s.stopQ[:0]
	for i := len(s.children) - 1; i >= 0; i-- {
		c := s.children[i]
		switch {
		case c.state.active():
			s.stopQ = append(s.stopQ, c)
		case c.state == Backoff:
			s.setState(c, Stopped, nil, nil)
		}
	}
}

// finish ends a stop of the whole supervisor and tells the parent.
func (s *supervisor) finish() {
	final := Stopped
	if s.exitReason == ReasonGaveUp {
		final = Failed
	}
	old := s.state
	s.setSelf(final, false)
	if s.parent == nil {
		s.emit(Event{Path: s.path, Old: old, New: final, Exit: s.exitInfo()})
		s.t.finish(Result{Reason: s.exitReason, Code: s.exitCode})
		return
	}
	s.parent.box.post(supExited{c: s.self, gen: s.gen, reason: s.exitReason, code: s.exitCode})
}

func (s *supervisor) exitInfo() *ExitInfo {
	if s.exitReason == "" {
		return nil
	}
	return &ExitInfo{Reason: s.exitReason, Time: s.now}
}

// setSelf changes this supervisor's own state. The final change of a stop
// is emitted by the parent, which adds the restart it decided.
func (s *supervisor) setSelf(st State, emit bool) {
	if st == s.state {
		return
	}
	old := s.state
	s.state, s.since = st, s.now
	if emit {
		s.emit(Event{Path: s.path, Old: old, New: st})
	}
}

// setState changes a child's state, emits the event and answers waiters.
func (s *supervisor) setState(c *child, st State, exit *ExitInfo, ri *RestartInfo) {
	old := c.state
	c.state, c.since = st, s.now
	if c.isWorker() || exit != nil || ri != nil {
		if old != st || exit != nil {
			s.emit(Event{Path: c.path, Old: old, New: st, Exit: exit, Restart: ri})
		}
	}
	switch st {
	case Stopped:
		c.resolve(s, wantStopped, nil)
		if !c.restartAfterStop {
			c.resolve(s, wantRunning, fmt.Errorf("starting %q: stopped before it was ready: %w", c.path, ErrConflict))
		}
	case Running:
		c.resolve(s, wantRunning, nil)
	case Exited, Failed, Backoff:
		if exit != nil {
			c.resolve(s, wantRunning, &startError{path: c.path, exit: exit, retry: st == Backoff})
		}
		c.resolve(s, wantStopped, nil)
	}
}

func (s *supervisor) emit(e Event) {
	e.Time = s.now
	if e.Kind == "" {
		e.Kind = EventState
	}
	s.t.emit(e)
}
