package tree

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Errors of manual operations, to be mapped to a status at the boundary.
var (
	ErrNotFound = errors.New("no such node")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid request")
)

// startError is the answer to a start or restart whose run ended before it
// was ready.
type startError struct {
	path  string
	exit  *ExitInfo
	retry bool
}

func (e *startError) Error() string {
	msg := fmt.Sprintf("starting %q: %s", e.path, e.exit)
	if e.retry {
		msg += " (retrying)"
	}
	return msg
}

func (e *startError) Unwrap() error { return ErrConflict }

// command carries out a manual operation on a child. Manual operations are
// no failures and count toward nothing (SPEC §2.5).
func (s *supervisor) command(m command) {
	c := s.byName[m.name]
	if c == nil {
		s.answer(m.reply, fmt.Errorf("%q: %w", join(s.path, m.name), ErrNotFound))
		return
	}
	switch m.op {
	case opStop:
		s.manualStop(c, m)
	case opStart, opRestart:
		s.manualStart(c, m)
	case opSignal:
		s.answer(m.reply, s.signal(c, m))
	}
}

// manualStop stops c and holds it stopped (for m.hold, or until a start).
func (s *supervisor) manualStop(c *child, m command) {
	s.touch(c)
	c.held, c.autoHeld = true, false
	c.holdUntil = time.Time{}
	if m.hold > 0 {
		c.holdUntil = s.now.Add(m.hold)
		s.timing(c)
	}
	c.restartAfterStop = false
	s.dequeueStart(c)
	s.stopQ = deleteChild(s.stopQ, c)
	switch {
	case c.state == Backoff:
		s.setState(c, Stopped, nil, nil)
	case c.state.active():
		c.waiters = append(c.waiters, waiter{wantStopped, m.reply})
		s.stopChild(c, stopOrdered)
		return
	}
	s.answer(m.reply, nil)
}

// manualStart ends any hold on c and starts it, or with opRestart stops it
// first; the reply waits until it is ready or its start failed.
func (s *supervisor) manualStart(c *child, m command) {
	if !s.live() {
		s.answer(m.reply, fmt.Errorf("%s %q: supervisor %q is %s: %w", opName(m.op), c.path, s.displayPath(), s.state, ErrConflict))
		return
	}
	s.touch(c)
	c.held, c.autoHeld, c.holdUntil = false, false, time.Time{}
	if m.op == opStart && c.state == Running {
		s.answer(m.reply, nil)
		return
	}
	c.waiters = append(c.waiters, waiter{wantRunning, m.reply})
	switch {
	case m.op == opStart && c.state == Starting:
	case c.state == Starting, c.state == Running:
		// A sequential start waiting on c keeps waiting: c stays in
		// the start queue and is started again once stopped.
		c.restartAfterStop = true
		s.stopChild(c, stopOrdered)
	case c.state == Stopping:
		c.restartAfterStop = true
	default:
		c.backoffStep = 0
		c.notBefore = time.Time{}
		s.enqueueStart(c)
	}
}

// signal sends a `supctl signal` to a worker: it is no stop, so the exit
// it may cause is judged as any other (SPEC §2.5).
func (s *supervisor) signal(c *child, m command) error {
	switch {
	case c.sup != nil:
		return fmt.Errorf("signal %q: it is a supervisor; signal its workers: %w", c.path, ErrInvalid)
	case c.proc == nil:
		return fmt.Errorf("signal %q: it is %s: %w", c.path, c.state, ErrConflict)
	}
	if err := c.proc.Signal(m.sig, m.group); err != nil {
		return fmt.Errorf("signal %q: %w", c.path, err)
	}
	return nil
}

func opName(o op) string {
	return [...]string{"start", "stop", "restart", "signal"}[o]
}

func (s *supervisor) displayPath() string {
	if s.path == "" {
		return "/"
	}
	return s.path
}

func deleteChild(q []*child, c *child) []*child {
	return slices.DeleteFunc(q, func(o *child) bool { return o == c })
}
