package tree

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"supd/config"
)

// A replica set (SPEC §2.10) is a supervisor whose spec has Replicas: its
// children are the instances 0 … N-1 of one worker, which config builds
// (ReplicaSet.Instance). Its owner adds and removes instances at run time
// (scale), and a reload that changes the instances' process restarts them
// one after another (rolling), never all at once.

// EventScale is a replica set's change of count; Message says "4 → 8".
const EventScale EventKind = "scale"

// scaleTo asks a replica set's owner for n instances.
type scaleTo struct {
	n     int
	reply chan error
}

func (scaleTo) isMsg() {}

// Scale sets the number of instances of the replica set at path. New
// instances start after the existing ones; a scale down stops the
// highest-numbered first, as the set's stop order says, and removes them;
// the others are untouched. It returns once the set's owner applied it,
// and counts toward nothing.
func (t *Tree) Scale(ctx context.Context, path string, n int) error {
	if n < 0 || n > config.MaxReplicas {
		return fmt.Errorf("scale %q: replicas must be between 0 and %d, not %d: %w", path, config.MaxReplicas, n, ErrInvalid)
	}
	if strings.Trim(path, "/") == "" {
		return fmt.Errorf("scale %q: the root is not a replica set: %w", "/", ErrConflict)
	}
	parent, name, err := t.route(path)
	if err != nil {
		return err
	}
	owner := parent.snap.Load().owner(name)
	if owner == nil {
		if parent.snap.Load().child(name) == nil {
			return fmt.Errorf("%q: %w", path, ErrNotFound)
		}
		return fmt.Errorf("scale %q: it is a worker, not a replica set: %w", path, ErrConflict)
	}
	m := scaleTo{n: n, reply: make(chan error, 1)}
	if !owner.box.post(m) {
		return fmt.Errorf("%q: the tree has stopped: %w", path, ErrConflict)
	}
	select {
	case err := <-m.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-owner.done:
		return fmt.Errorf("%q: it was removed: %w", path, ErrNotFound)
	}
}

// instances are the replica set's instances that are not being removed,
// in order.
func (s *supervisor) instances() []*child {
	var out []*child
	for _, c := range s.children {
		if !c.removing {
			out = append(out, c)
		}
	}
	return out
}

// scale carries out a scaleTo.
func (s *supervisor) scale(m scaleTo) {
	if s.spec.Replicas == nil {
		s.answer(m.reply, fmt.Errorf("scale %q: it is not a replica set: %w", s.displayPath(), ErrConflict))
		return
	}
	before := len(s.instances())
	s.answer(m.reply, s.scaleTo(m.n))
	if after := len(s.instances()); after != before {
		s.events = append(s.events, Event{Time: s.now, Kind: EventScale, Path: s.path,
			Message: strconv.Itoa(before) + " → " + strconv.Itoa(after)})
	}
}

// scaleTo adds instances up to n or removes the highest-numbered down to
// n. An instance that config cannot build (its probe address does not
// work for that number) stops the scale up there, with the error.
func (s *supervisor) scaleTo(n int) error {
	live := s.instances()
	for i := len(live) - 1; i >= n; i-- {
		s.remove(live[i])
	}
	for i := len(live); i < n; i++ {
		w, err := s.spec.Replicas.Instance(i, n)
		if err != nil {
			return fmt.Errorf("scale %q: instance %d: %w: %w", s.displayPath(), i, err, ErrInvalid)
		}
		s.insert(s.add(i, config.Node{Worker: w}))
	}
	return nil
}

// insert puts an added child among the children in its index's place,
// before any being removed.
func (s *supervisor) insert(c *child) {
	at := len(s.instances())
	s.children = append(s.children, nil)
	copy(s.children[at+1:], s.children[at:])
	s.children[at] = c
	for i, o := range s.children {
		o.idx = i
	}
	s.reshaped = true
}

// applyReplicas is a replica set's step of a reload: a changed count
// scales it, an unchanged one keeps the count a scale set; each kept
// instance takes its new spec in place, and those whose process changed
// are restarted one after another (rolling).
func (s *supervisor) applyReplicas(m applyPlan) {
	count := len(s.instances())
	if m.spec.Replicas.Count != s.spec.Replicas.Count {
		count = m.spec.Replicas.Count
	}
	s.spec = m.spec
	live := s.instances()
	for _, c := range live[:min(len(live), count)] {
		// At the count it runs with: a count that changes scales the set
		// and leaves the others untouched.
		n, err := strconv.Atoi(c.node.Worker.Env[config.ReplicasVar])
		if err != nil || n <= c.idx {
			n = max(count, len(live))
		}
		w, err := s.spec.Replicas.Instance(c.idx, n)
		if err != nil {
			continue // it keeps its spec; a scale up would say why
		}
		c.node = config.Node{Worker: w}
		if c.proc != nil {
			c.proc.Tune(w)
		}
	}
	_ = s.scaleTo(count)
	s.rolling = s.rolling[:0]
	for _, c := range s.instances() {
		if c.ran != nil {
			if a, _ := config.DiffWorker(c.ran, c.node.Worker); a == config.ActionRestart {
				s.rolling = append(s.rolling, c)
			}
		}
	}
}

// advanceRolling restarts the instances of a rolling restart in order: the
// next stops only once the one before runs again with its new spec. An
// instance that is not running takes its new spec at its next start; one
// whose new run does not come up holds the rest back, so a bad version
// stops at the first instance.
func (s *supervisor) advanceRolling() {
	for len(s.rolling) > 0 {
		c := s.rolling[0]
		switch {
		case c.removing || c.held || !c.state.active() && c.state != Backoff:
		case c.rollGen == 0 && (c.state == Starting || c.state == Running):
			c.rollGen = c.gen
			c.restartAfterStop = true
			s.stopChild(c, stopOrdered)
			return
		case c.rollGen == 0:
		case c.gen > c.rollGen && c.state == Running:
		default:
			return // its new run is on its way
		}
		c.rollGen = 0
		s.rolling = s.rolling[1:]
	}
}
