package tree

import (
	"math/rand/v2"
	"slices"
	"syscall"
	"time"

	"supd/config"
)

// workerExited judges the end of a worker's run (SPEC §2.5).
func (s *supervisor) workerExited(c *child, m workerExited) {
	c.proc, c.pid = nil, 0
	c.killAt, c.readyBy, c.afterAt = time.Time{}, time.Time{}, time.Time{}
	info := &ExitInfo{Exit: m.exit, Reason: reasonOf(m.exit), Time: s.now, Tail: m.tail}
	switch {
	case c.state == Stopping && c.stop == stopFailure:
		// supd's stops for unhealthy, watchdog and ready_timeout are failures.
		info.Reason, info.Detail = c.failReason, c.failDetail
		s.childEnded(c, info, true)
	case c.state == Stopping:
		// A stop for any other reason is neither normal nor abnormal.
		c.lastExit = info
		s.stopped(c, info)
	case c.state == Starting:
		info.Detail = "exited before ready: " + m.exit.String()
		info.Reason = ReasonStartFailed
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
	if c.state == Stopping || !c.state.active() {
		var info *ExitInfo
		if m.reason != "" {
			info = &ExitInfo{Reason: m.reason, Time: s.now}
			c.lastExit = info
		}
		old := c.state
		s.stopped(c, info)
		if info == nil {
			s.emit(Event{Path: c.path, Old: old, New: Stopped})
		}
		return
	}
	info := &ExitInfo{Reason: m.reason, Time: s.now}
	s.childEnded(c, info, m.reason == ReasonGaveUp)
}

// stopped records that an ordered stop of c completed.
func (s *supervisor) stopped(c *child, info *ExitInfo) {
	c.stop = stopNone
	s.setState(c, Stopped, info, nil)
	if c.restartAfterStop {
		c.restartAfterStop = false
		if !c.held && (s.state == Starting || s.state == Running) {
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
	ended := Exited
	if abnormal {
		ended = Failed
	}
	if !c.isWorker() {
		ended = Stopped
		if info.Reason == ReasonGaveUp {
			ended = Failed
		}
	}
	if s.state != Starting && s.state != Running {
		s.setState(c, ended, info, nil)
		return
	}
	restart := restarts(c.node.RestartType(), abnormal)
	if !c.isWorker() {
		restart = c.node.RestartType() == config.Permanent
	}
	if !restart {
		s.dequeueStart(c)
		s.setState(c, ended, info, nil)
		if c.node.IsSignificant() {
			c.sigDone = true
			s.significantEnded(c)
		}
		return
	}
	c.restarts++
	ri := &RestartInfo{Strategy: s.spec.Strategy, Max: s.spec.MaxRestarts, Period: s.spec.Period}
	if !s.in.allow(s.now) {
		ri.Used, ri.GaveUp = s.in.used(s.now)+1, true
		s.setState(c, ended, info, ri)
		s.stopAll(ReasonGaveUp)
		return
	}
	ri.Used = s.in.used(s.now)
	idx := affected(s.spec.Strategy, len(s.children), c.idx, func(j int) bool {
		o := s.children[j]
		return o.held || o.node.RestartType() == config.Temporary && (o.state == Exited || o.state == Failed)
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
		w := c.node.Worker
		if !c.readyAt.IsZero() && s.now.Sub(c.readyAt) > s.spec.Period {
			c.backoffStep = 0
		}
		ri.Delay = backoffDelay(w.Backoff, c.backoffStep, s.t.rand())
		c.backoffStep++
		c.notBefore = s.now.Add(ri.Delay)
		s.setState(c, Backoff, info, ri)
	} else {
		s.setState(c, ended, info, ri)
	}
	for _, j := range idx {
		s.enqueueStart(s.children[j])
	}
}

// significantEnded applies auto_shutdown (SPEC §2.6).
func (s *supervisor) significantEnded(c *child) {
	switch s.spec.AutoShutdown {
	case config.AnySignificant:
	case config.AllSignificant:
		for _, o := range s.children {
			if o.node.IsSignificant() && !o.sigDone {
				return
			}
		}
	default:
		return
	}
	s.exitCode = c.exitCodeOf()
	s.stopAll(ReasonAutoShutdown)
}

// stopChild begins an ordered stop of c: stop_signal to its group, then
// SIGKILL after stop_timeout (SPEC §2.1).
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
	if c.sup != nil {
		s.setState(c, Stopping, nil, nil)
		c.sup.box.post(stopSelf{})
		return
	}
	w := c.node.Worker
	sig := w.StopSignal
	if kind == stopFailure && c.failReason == ReasonWatchdog {
		sig = syscall.SIGABRT
	}
	s.setState(c, Stopping, nil, nil)
	_ = c.proc.Signal(sig, true)
	switch w.StopTimeout {
	case 0:
		c.proc.Kill()
	case config.Infinity:
	default:
		c.killAt = s.now.Add(w.StopTimeout)
	}
}

// startChild starts one run of c.
func (s *supervisor) startChild(c *child) {
	c.gen++
	c.sigDone = false
	c.status, c.notifyStopping = "", false
	c.startedAt, c.readyAt, c.notBefore = s.now, time.Time{}, time.Time{}
	if c.sup != nil {
		s.setState(c, Starting, nil, nil)
		c.sup.box.post(startSelf{gen: c.gen})
		return
	}
	w := c.node.Worker
	p, err := s.t.launcher.Launch(LaunchSpec{Path: c.path, Gen: c.gen, Worker: w, Monitor: monitor{s.box, c, c.gen}})
	if err != nil {
		s.childEnded(c, &ExitInfo{Reason: ReasonStartFailed, Detail: err.Error(), Time: s.now}, true)
		return
	}
	c.proc, c.pid = p, p.Pid()
	s.setState(c, Starting, nil, nil)
	if w.ReadyTimeout > 0 {
		c.readyBy = s.now.Add(w.ReadyTimeout)
	}
	switch w.Ready.Kind {
	case config.ReadyStarted, "":
		s.markReady(c)
	case config.ReadyAfter:
		c.afterAt = s.now.Add(w.Ready.After)
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
