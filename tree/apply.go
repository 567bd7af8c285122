package tree

import (
	"fmt"
	"slices"

	"supd/config"
)

// apply takes this supervisor's step of a reload (SPEC §2.8): children are
// matched by name to the new spec's; kept and updated ones take their new
// node (a nested supervisor gets its own step), a process-defining change
// restarts a worker alone, added ones are created in their place and
// started in order, removed ones are stopped as the supervisor's stop order
// says and then dropped. Holds, restart counts, backoff and the restart
// history survive; nothing here counts toward intensity.
func (s *supervisor) apply(m applyPlan) {
	defer m.done.Done()
	if s.self == nil && !s.live() {
		err := fmt.Errorf("reload: supd is %s: %w", s.state, ErrConflict)
		m.refused.Store(&err)
		return
	}
	if s.spec.Replicas != nil && m.spec.Replicas != nil {
		s.applyReplicas(m)
		return
	}
	old := s.byName
	s.byName = make(map[string]*child, len(m.spec.Children))
	kids := make([]*child, 0, len(m.spec.Children))
	var removed []*child
	for i, n := range m.spec.Children {
		c := old[n.Name()]
		delete(old, n.Name())
		act := m.actions[join(s.path, n.Name())]
		if c != nil && (act == config.ActionAdd || (c.sup != nil) != (n.Supervisor != nil)) {
			// A node that changed kind goes, and a new one comes.
			removed = append(removed, c)
			c = nil
		}
		if c == nil {
			c = s.add(i, n)
		} else {
			c.idx = i
			s.byName[c.name] = c
			s.update(c, n, act, m)
		}
		kids = append(kids, c)
	}
	var leaving []*child // removed by an earlier reload, still stopping
	for _, c := range s.children {
		switch {
		case c.removing:
			leaving = append(leaving, c)
		case old[c.name] == c:
			removed = append(removed, c)
		}
	}
	slices.SortFunc(removed, func(a, b *child) int { return a.idx - b.idx })
	s.reshaped = true
	s.spec = m.spec
	s.children = append(append(kids, removed...), leaving...)
	for i, c := range s.children[len(kids):] {
		c.idx = len(kids) + i
	}
	for _, c := range slices.Backward(removed) {
		s.remove(c)
	}
}

// add creates the record of an added child and starts it in its place when
// the supervisor runs its children.
func (s *supervisor) add(idx int, n config.Node) *child {
	c := s.newChild(idx, n)
	if c.sup != nil {
		s.t.spawn(c.sup)
	}
	if s.live() && !c.held {
		s.enqueueStart(c)
	}
	return c
}

// update gives a kept child its new node and applies the change.
func (s *supervisor) update(c *child, n config.Node, act config.Action, m applyPlan) {
	c.node = n
	s.touch(c)
	if c.sup != nil {
		m.done.Add(1)
		s.tell(c, applyPlan{spec: n.Supervisor, actions: m.actions, done: m.done, refused: m.refused}, nil)
		return
	}
	w := n.Worker
	if c.autoHeld && w.Autostart {
		// Held only by autostart: false, which the new spec lifts.
		c.held, c.autoHeld = false, false
		if s.live() {
			s.enqueueStart(c)
		}
	}
	switch act {
	case config.ActionRestart:
		// Alone, as a manual restart: no strategy, no intensity. A worker
		// that is not running takes the new spec at its next start.
		if c.state == Starting || c.state == Running {
			c.restartAfterStop = true
			s.stopChild(c, stopOrdered)
		} else if c.state == Stopping {
			c.restartAfterStop = true
		}
	case config.ActionUpdate:
		if c.proc != nil {
			c.proc.Tune(w)
		}
	}
}

// remove stops a child that a reload removed; sweep drops it once it is
// stopped.
func (s *supervisor) remove(c *child) {
	c.removing = true
	c.restartAfterStop = false
	s.dequeueStart(c)
	switch {
	case c.state.active():
		if !slices.Contains(s.stopQ, c) {
			s.stopQ = append(s.stopQ, c)
		}
	case c.state == Backoff:
		s.setState(c, Stopped, nil, nil)
	}
}

// sweep drops the removed children that have stopped: a worker's launcher
// forgets it, a nested supervisor's owner ends.
func (s *supervisor) sweep() {
	if !slices.ContainsFunc(s.children, gone) {
		return
	}
	kept := make([]*child, 0, len(s.children))
	for _, c := range s.children {
		if !gone(c) {
			c.idx = len(kept)
			kept = append(kept, c)
			continue
		}
		c.resolve(s, wantStopped, nil)
		s.retire(c)
	}
	s.children = kept
	s.reshaped = true
}

func gone(c *child) bool { return c.removing && !c.state.active() }

// retire lets go of a child that left the tree.
func (s *supervisor) retire(c *child) {
	if c.sup != nil {
		s.tell(c, endSelf{}, nil)
	} else {
		s.t.launcher.Retire(c.path)
	}
}

// end is a removed supervisor's last step: its children have stopped.
func (s *supervisor) end() {
	for _, c := range s.children {
		s.retire(c)
	}
	s.ended = true
}
