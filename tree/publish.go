package tree

import (
	"fmt"
	"time"
)

// Events have one rule: an event is emitted when the record of a node's
// state changes, by whoever keeps that record — a supervisor for its
// children (setState), the Tree for the root (rootLink) — for every change
// of state and for every exit, even one that leaves the state as it was. A
// nested supervisor keeps only a mirror of its own state and reports its
// changes up (parentLink), so its exit event is emitted by its parent with
// the restart the parent decided.

// setState changes a child's record, emits the event and answers waiters.
func (s *supervisor) setState(c *child, st State, exit *ExitInfo, ri *RestartInfo) {
	old := c.state
	c.state, c.since = st, s.now
	s.touch(c)
	s.emitChange(c.path, old, st, exit, ri)
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

// emitChange queues the event of a record's change from old to st. Events
// go out after the step's snapshot is published (sendEvents), so whoever
// sees an event reads a snapshot that already shows it.
func (s *supervisor) emitChange(path string, old, st State, exit *ExitInfo, ri *RestartInfo) {
	if old == st && exit == nil {
		return
	}
	s.events = append(s.events, Event{Time: s.now, Kind: EventState, Path: path, Old: old, New: st, Exit: exit, Restart: ri})
}

// flush publishes the snapshot and then sends the events of the step so
// far. The step's clock moves on: what comes after happened later.
func (s *supervisor) flush() {
	s.publish()
	s.sendEvents()
	s.now = time.Now()
}

func (s *supervisor) sendEvents() {
	for _, e := range s.events {
		s.t.events(e)
	}
	clear(s.events)
	s.events = s.events[:0]
}

// report queues a report of this supervisor's own change to whoever keeps
// its record. Reports go out after the step's snapshot and events, so a
// parent that acts on one (answering a manual restart, say) never shows an
// older tree than the one the report is about.
func (s *supervisor) report(fn func()) { s.reports = append(s.reports, fn) }

// tell queues m for the nested supervisor of c. Messages down go out with
// the reports, after the step's snapshot and events, so a nested
// supervisor never emits an event of what its parent asked before the
// parent's own events of that step (b stopped, inner stopping) are out.
// Every message down takes this one queue, pings included, so they keep
// their order. failed runs if the nested owner has ended.
func (s *supervisor) tell(c *child, m msg, failed func()) {
	box := c.sup.box
	s.report(func() {
		if !box.post(m) && failed != nil {
			failed()
		}
	})
}

func (s *supervisor) sendReports() {
	for _, fn := range s.reports {
		fn()
	}
	clear(s.reports)
	s.reports = s.reports[:0]
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
