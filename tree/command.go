package tree

import (
	"errors"
	"fmt"
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
	msg := fmt.Sprintf("starting %q: %s", e.path, e.exit.Reason)
	if e.exit.Detail != "" {
		msg += ": " + e.exit.Detail
	} else if e.exit.Reason == ReasonExit || e.exit.Reason == ReasonSignal {
		msg += ": " + e.exit.Exit.String()
	}
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
	live := s.state == Starting || s.state == Running
	switch m.op {
	case opStop:
		c.held = true
		c.holdUntil = time.Time{}
		if m.hold > 0 {
			c.holdUntil = s.now.Add(m.hold)
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
	case opStart, opRestart:
		if !live {
			s.answer(m.reply, fmt.Errorf("%s %q: supervisor %q is %s: %w", opName(m.op), c.path, s.displayPath(), s.state, ErrConflict))
			return
		}
		c.held, c.holdUntil = false, time.Time{}
		if m.op == opStart && (c.state == Running || c.state == Starting) {
			if c.state == Running {
				s.answer(m.reply, nil)
			} else {
				c.waiters = append(c.waiters, waiter{wantRunning, m.reply})
			}
			return
		}
		c.waiters = append(c.waiters, waiter{wantRunning, m.reply})
		switch c.state {
		case Starting, Running:
			// A sequential start waiting on c keeps waiting: c stays in
			// the start queue and is started again once stopped.
			c.restartAfterStop = true
			s.stopChild(c, stopOrdered)
		case Stopping:
			c.restartAfterStop = true
		default:
			c.backoffStep = 0
			c.notBefore = time.Time{}
			s.enqueueStart(c)
		}
	case opSignal:
		if c.sup != nil {
			s.answer(m.reply, fmt.Errorf("signal %q: it is a supervisor; signal its workers: %w", c.path, ErrInvalid))
			return
		}
		if c.proc == nil {
			s.answer(m.reply, fmt.Errorf("signal %q: it is %s: %w", c.path, c.state, ErrConflict))
			return
		}
		if err := c.proc.Signal(m.sig, m.group); err != nil {
			s.answer(m.reply, fmt.Errorf("signal %q: %w", c.path, err))
			return
		}
		s.answer(m.reply, nil)
	}
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
	out := q[:0]
	for _, o := range q {
		if o != c {
			out = append(out, o)
		}
	}
	return out
}
