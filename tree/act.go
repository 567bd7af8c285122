package tree

import (
	"math/rand/v2"
	"slices"
	"syscall"
	"time"

	"supd/config"
)

// startSelf starts this supervisor, as its parent (or the Tree) asked: an
// empty restart history, as a new OTP process has, and every child that is
// not held, in order.
func (s *supervisor) startSelf(gen uint64) {
	if s.state.active() {
		return
	}
	s.gen = gen
	s.in.reset()
	s.exitReason, s.exitCode = "", 0
	s.state, s.since = Starting, s.now
	s.startQ = s.startQ[:0]
	for _, c := range s.children {
		c.backoffStep, c.significantEnded = 0, false
		if !c.held && !c.removing {
			s.startQ = append(s.startQ, c)
		}
	}
}

// stopAll stops every child in reverse order; once all are gone the
// supervisor exits with reason ("" for a stop its parent asked for).
func (s *supervisor) stopAll(reason Reason) {
	s.exitReason = reason
	s.state, s.since = Stopping, s.now
	s.up.stopping(s.gen)
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

// exit ends a stop of the whole supervisor and reports it up.
func (s *supervisor) exit() {
	s.state, s.since = Stopped, s.now
	if s.exitReason == ReasonGaveUp {
		s.state = Failed
	}
	s.up.exited(s.gen, s.exitReason, s.exitCode)
}

// becameReady reports that every child has started (SPEC §2.2).
func (s *supervisor) becameReady() {
	s.state, s.since = Running, s.now
	s.up.ready(s.gen)
}

// stopChild begins an ordered stop of c: stop_signal to its group, then
// SIGKILL after stop_timeout; a stop_timeout of 0 is SIGKILL at once, with
// no signal before it (OTP's brutal_kill; SPEC §1, §2.1).
func (s *supervisor) stopChild(c *child, kind stopKind) {
	switch {
	case c.state == Backoff:
		s.setState(c, Stopped, nil, nil)
		return
	case c.state != Starting && c.state != Running:
		return
	}
	c.stop = kind
	c.readyBy, c.afterAt = time.Time{}, time.Time{}
	s.setState(c, Stopping, nil, nil)
	if c.sup != nil {
		s.tell(c, stopSelf{}, nil)
		return
	}
	w := c.node.Worker
	switch w.StopTimeout {
	case 0:
		c.proc.Kill()
		return
	case config.Infinity:
	default:
		c.killAt = s.now.Add(w.StopTimeout)
		s.timing(c)
	}
	sig := w.StopSignal
	if kind == stopFailure && c.failReason == ReasonWatchdog {
		sig = syscall.SIGABRT
	}
	_ = c.proc.Signal(sig, true)
}

// startChild starts one run of c.
func (s *supervisor) startChild(c *child) {
	spec, ok := s.beginStart(c)
	if !ok {
		return
	}
	p, err := s.t.launcher.Launch(spec)
	if err != nil {
		s.startFailed(c, err)
		return
	}
	s.launched(c, p)
}

// beginStart opens a new generation of c. A nested supervisor is told to
// start; for a worker it returns what to launch, and the start completes
// with launched or startFailed.
func (s *supervisor) beginStart(c *child) (LaunchSpec, bool) {
	c.gen++
	c.significantEnded = false
	c.status, c.notifyStopping = "", false
	c.startedAt, c.readyAt, c.notBefore = s.now, time.Time{}, time.Time{}
	if c.sup != nil {
		s.setState(c, Starting, nil, nil)
		s.tell(c, startSelf{gen: c.gen}, nil)
		return LaunchSpec{}, false
	}
	c.ran = c.node.Worker
	return LaunchSpec{Path: c.path, Gen: c.gen, Worker: c.ran, Monitor: monitor{s.box, c, c.gen}}, true
}

// startFailed ends a start whose launch failed.
func (s *supervisor) startFailed(c *child, err error) {
	s.childEnded(c, &ExitInfo{Reason: ReasonStartFailed, Detail: err.Error(), Time: s.now}, true)
}

// launched records the process of a worker's start.
func (s *supervisor) launched(c *child, p Process) {
	w := c.ran
	c.proc, c.pid = p, p.Pid()
	s.setState(c, Starting, nil, nil)
	if w.ReadyTimeout > 0 {
		c.readyBy = s.now.Add(w.ReadyTimeout)
		s.timing(c)
	}
	switch w.Ready.Kind {
	case config.ReadyStarted, "":
		s.markReady(c)
	case config.ReadyAfter:
		c.afterAt = s.now.Add(w.Ready.After)
		s.timing(c)
	}
}

func (s *supervisor) markReady(c *child) {
	c.readyAt = s.now
	c.readyBy, c.afterAt = time.Time{}, time.Time{}
	s.setState(c, Running, nil, nil)
	if c.proc != nil {
		c.proc.Running()
	}
}

// enqueueStart adds c to the start queue, keeping the queue in child order.
func (s *supervisor) enqueueStart(c *child) {
	if slices.Contains(s.startQ, c) {
		return
	}
	i, _ := slices.BinarySearchFunc(s.startQ, c.idx, func(o *child, idx int) int { return o.idx - idx })
	s.startQ = slices.Insert(s.startQ, i, c)
}

func (s *supervisor) dequeueStart(c *child) {
	s.startQ = slices.DeleteFunc(s.startQ, func(o *child) bool { return o == c })
}

// defaultRand is the jitter source.
func defaultRand() float64 { return rand.Float64() }
