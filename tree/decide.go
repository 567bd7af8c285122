package tree

import (
	"slices"
	"time"

	"supd/config"
)

// workerExited judges the end of a worker's run (SPEC §2.5).
func (s *supervisor) workerExited(c *child, m workerExited) {
	c.proc, c.pid = nil, 0
	c.killAt, c.readyBy, c.afterAt = time.Time{}, time.Time{}, time.Time{}
	status := m.exit
	info := &ExitInfo{Status: &status, Reason: reasonOf(m.exit), Time: s.now, Tail: m.tail}
	switch {
	case c.state == Stopping && c.stop == stopFailure:
		// supd's stops for unhealthy, watchdog and ready_timeout are failures.
		info.Reason, info.Detail = c.failReason, c.failDetail
		s.childEnded(c, info, true)
	case c.state == Stopping:
		// A stop for any other reason is neither normal nor abnormal.
		s.stopCompleted(c, info)
	case c.state == Starting:
		info.Reason, info.Detail = ReasonStartFailed, "exited before it was ready"
		s.childEnded(c, info, true)
	default:
		s.childEnded(c, info, !normal(c.node.Worker.SuccessCodes, m.exit))
	}
}

// supExited judges the end of a nested supervisor. Giving up is OTP's
// `shutdown` exit: only a permanent supervisor is restarted after it.
func (s *supervisor) supExited(m supExited) {
	c := m.c
	c.exitCode = m.code
	var info *ExitInfo
	if m.reason != "" {
		info = &ExitInfo{Reason: m.reason, Time: s.now}
	}
	if c.state == Stopping && c.stop != stopNone || !c.state.active() {
		s.stopCompleted(c, info)
		return
	}
	s.childEnded(c, info, m.reason == ReasonGaveUp)
}

// stopCompleted records that a stop of c that its supervisor began has
// completed: it triggers nothing (SPEC §2.5), except the start that a
// manual restart asked for.
func (s *supervisor) stopCompleted(c *child, info *ExitInfo) {
	if info != nil {
		c.lastExit = info
	}
	c.stop = stopNone
	s.setState(c, Stopped, info, nil)
	if c.restartAfterStop {
		c.restartAfterStop = false
		if !c.held && s.live() {
			c.backoffStep = 0
			s.enqueueStart(c)
		}
	}
}

// childEnded decides what an exit (or a failed start) of c causes: nothing,
// a restart by the strategy, or giving up.
func (s *supervisor) childEnded(c *child, info *ExitInfo, abnormal bool) {
	c.lastExit = info
	c.stop = stopNone
	c.restartAfterStop = false // the exit is judged as any other
	if c.removing {
		s.setState(c, endState(c, info, abnormal), info, nil)
		return
	}
	ended := endState(c, info, abnormal)
	if !s.live() {
		s.setState(c, ended, info, nil)
		return
	}
	restarted := restartedAfter(c.node.RestartType(), abnormal)
	if !c.isWorker() {
		restarted = supervisorRestarted(c.node.RestartType())
	}
	if !restarted {
		s.dequeueStart(c)
		s.setState(c, ended, info, nil)
		if c.node.IsSignificant() {
			c.significantEnded = true
			s.autoShutdown(c)
		}
		return
	}
	s.restart(c, info, ended)
}

// endState is the state a child is left in by an exit that is not
// followed by a restart.
func endState(c *child, info *ExitInfo, abnormal bool) State {
	switch {
	case !c.isWorker() && info != nil && info.Reason == ReasonGaveUp:
		return Failed
	case !c.isWorker():
		return Stopped
	case abnormal:
		return Failed
	}
	return Exited
}

// restart applies the strategy to an exit of c that is to be followed by a
// restart, or gives up when intensity is exceeded (SPEC §2.5). It counts
// once, however many children it touches.
func (s *supervisor) restart(c *child, info *ExitInfo, ended State) {
	c.restarts++
	ri := &RestartInfo{Strategy: s.spec.Strategy, Max: s.spec.MaxRestarts, Period: s.spec.Period}
	if !s.in.allow(s.now, s.spec.MaxRestarts, s.spec.Period) {
		ri.Used, ri.GaveUp = s.in.used(s.now, s.spec.Period)+1, true
		s.setState(c, ended, info, ri)
		s.stopAll(ReasonGaveUp)
		return
	}
	ri.Used = s.in.used(s.now, s.spec.Period)
	idx := affected(s.spec.Strategy, len(s.children), c.idx, func(j int) bool {
		o := s.children[j]
		return o.held || o.removing || o.node.RestartType() == config.Temporary && (o.state == Exited || o.state == Failed)
	})
	for _, j := range idx {
		ri.Nodes = append(ri.Nodes, s.children[j].path)
	}
	// Stop the others it touches, in reverse order, before any start.
	for _, j := range slices.Backward(idx) {
		if o := s.children[j]; o != c && o.state.active() && !slices.Contains(s.stopQ, o) {
			s.stopQ = append(s.stopQ, o)
		}
	}
	if c.isWorker() {
		if !c.readyAt.IsZero() && s.now.Sub(c.readyAt) > s.spec.Period {
			c.backoffStep = 0
		}
		ri.Delay = backoffDelay(c.node.Worker.Backoff, c.backoffStep, s.t.rand())
		c.backoffStep++
		c.notBefore = s.now.Add(ri.Delay)
		s.timing(c)
		s.setState(c, Backoff, info, ri)
	} else {
		s.setState(c, ended, info, ri)
	}
	for _, j := range idx {
		s.enqueueStart(s.children[j])
	}
}

// autoShutdown applies auto_shutdown after the significant child c ended
// without a restart (SPEC §2.6).
func (s *supervisor) autoShutdown(c *child) {
	switch s.spec.AutoShutdown {
	case config.AnySignificant:
	case config.AllSignificant:
		for _, o := range s.children {
			if o.node.IsSignificant() && !o.significantEnded && !o.removing {
				return
			}
		}
	default:
		return
	}
	s.exitCode = c.shutdownCode()
	s.stopAll(ReasonAutoShutdown)
}
