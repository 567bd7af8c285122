package tree

import "supd/config"

// advance moves the supervisor's pending work forward: first the stops, one
// after another, each completing before the next; then the starts, in
// order, each waiting for the one before to be ready under `start:
// sequential`; then its own readiness or the end of its stop.
func (s *supervisor) advance() {
	for {
		stopped := s.advanceStops()
		s.sweep()
		if !stopped {
			return
		}
		if s.state == Stopping {
			for _, c := range s.children {
				if c.state.active() {
					return
				}
			}
			s.exit()
			return
		}
		if !s.live() {
			return
		}
		s.advanceRolling()
		changed := s.advanceStarts()
		if s.state == Stopping || len(s.stopQ) > 0 {
			continue // a start failed and gave up, or a strategy stops siblings
		}
		if !changed {
			break
		}
	}
	if s.state == Starting && len(s.startQ) == 0 && !s.anyStarting() {
		s.becameReady()
	}
}

// advanceStops works through the stop queue and reports whether it is
// empty. Under `stop: sequential` each stop completes before the next
// begins (OTP's reverse order); under `stop: parallel` every child in the
// queue gets its stop at once. Either way the queue empties only once all
// of them have stopped, so no start and no exit comes before.
func (s *supervisor) advanceStops() bool {
	if s.spec.Stop == config.Parallel {
		waiting := s.stopQ[:0]
		stopped := 0
		for _, c := range s.stopQ {
			if c.state == Starting || c.state == Running {
				s.stopChild(c, stopOrdered)
				if stopped++; stopped%startBatch == 0 {
					s.flush()
				}
			}
			if c.state == Stopping {
				waiting = append(waiting, c)
			}
		}
		clear(s.stopQ[len(waiting):])
		s.stopQ = waiting
		return len(s.stopQ) == 0
	}
	for len(s.stopQ) > 0 {
		c := s.stopQ[0]
		if c.state == Starting || c.state == Running {
			s.stopChild(c, stopOrdered)
		}
		if c.state == Stopping {
			return false
		}
		s.stopQ = s.stopQ[1:]
	}
	return true
}

// startBatch is how many starts (or stops) of one parallel step go by
// before the owner publishes what it did so far: a step that starts 1000
// workers takes a while, and its readers and event followers should see it
// as it goes, not in one burst at its end.
const startBatch = 64

// advanceStarts starts what the start queue allows now and reports whether
// it changed anything.
func (s *supervisor) advanceStarts() bool {
	changed := false
	if s.spec.Start == config.Parallel {
		// A start that fails may enqueue (a strategy's restart) while the
		// pending list is walked: walk a copy and enqueue what waits.
		pending := s.startQ
		s.startQ = nil
		var batch []*child
		var specs []LaunchSpec
		launch := func() bool {
			if len(batch) > 0 {
				s.launchBatch(batch, specs)
				clear(batch)
				batch, specs = batch[:0], specs[:0]
				s.flush()
			}
			return s.live()
		}
		started := 0
		for _, c := range pending {
			switch {
			case c.held || c.state == Running || c.state == Starting:
				changed = true
				continue
			case c.state == Stopping, c.state == Backoff && s.now.Before(c.notBefore):
				s.enqueueStart(c)
				continue
			}
			changed = true
			if s.t.launches > 1 {
				// Launched together, a batch at a time; what is left of the
				// queue when a failure ends the supervisor is dropped, as
				// below.
				if spec, ok := s.beginStart(c); ok {
					batch, specs = append(batch, c), append(specs, spec)
				}
				if len(batch) == startBatch && !launch() {
					return true
				}
				continue
			}
			s.startChild(c)
			if !s.live() {
				return true
			}
			if started++; started%startBatch == 0 {
				s.flush()
			}
		}
		if !launch() {
			return true
		}
		return changed
	}
	for len(s.startQ) > 0 {
		c := s.startQ[0]
		switch {
		case c.held || c.state == Running:
			s.startQ = s.startQ[1:]
			changed = true
			continue
		case c.state == Starting, c.state == Stopping:
			return changed
		case c.state == Backoff && s.now.Before(c.notBefore):
			return changed
		}
		s.startChild(c)
		changed = true
		if !s.live() || len(s.stopQ) > 0 {
			return true
		}
	}
	return changed
}

func (s *supervisor) anyStarting() bool {
	for _, c := range s.children {
		if c.state == Starting {
			return true
		}
	}
	return false
}
