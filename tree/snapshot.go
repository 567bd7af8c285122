package tree

import (
	"slices"
	"time"

	"supd/config"
)

// Snapshot is an immutable view of a node, published by its owner after
// every step. Readers must not modify it.
type Snapshot struct {
	Path       string
	Name       string
	Supervisor bool
	State      State
	Since      time.Time // when State began
	Pid        int
	StartedAt  time.Time // start of the current run
	Restarts   int
	LastExit   *ExitInfo
	Status     string // sd_notify STATUS=
	Stopping   bool   // sd_notify STOPPING=1
	Held       bool
	HeldUntil  time.Time

	// Supervisors only.
	Strategy config.Strategy
	Start    config.StartMode
	Budget   Budget
	Children []*Snapshot
	// Replicas is a replica set's number of instances; -1 for any other
	// supervisor.
	Replicas int

	sup *supervisor // a nested supervisor's owner, as its parent published it
}

// child returns the snapshot of the child named name, or nil.
func (sn *Snapshot) child(name string) *Snapshot {
	for _, c := range sn.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// owner returns the owner of the nested supervisor named name among the
// children of this supervisor's published snapshot, or nil.
func (sn *Snapshot) owner(name string) *supervisor {
	if c := sn.child(name); c != nil {
		return c.sup
	}
	return nil
}

// Budget is how much of a supervisor's restart intensity is used.
type Budget struct {
	Used   int
	Max    int
	Period time.Duration
}

// publish stores this owner's snapshot. Nested supervisors appear as stubs
// that Tree.Snapshot fills from their own owners. Only the children touched
// since the last publish are looked at again (and a child's snapshot is
// rebuilt only when it changed), so a step of a supervisor with 10,000
// children costs what it changed, not the size of the supervisor.
func (s *supervisor) publish() {
	snap := &Snapshot{
		Path: s.path, Supervisor: true, State: s.state, Since: s.since,
		Strategy: s.spec.Strategy, Start: s.spec.Start,
		Budget:   Budget{Used: s.in.used(s.now, s.spec.Period), Max: s.spec.MaxRestarts, Period: s.spec.Period},
		Replicas: -1,
	}
	if s.spec.Replicas != nil {
		snap.Replicas = len(s.instances())
	}
	if s.self != nil {
		snap.Name = s.self.name
	}
	prev := s.snap.Load()
	switch {
	case prev == nil || s.reshaped:
		snap.Children = make([]*Snapshot, len(s.children))
		for i, c := range s.children {
			snap.Children[i] = c.snapshot()
		}
	case len(s.touched) == 0:
		snap.Children = prev.Children // published slices are never written
	default:
		snap.Children = slices.Clone(prev.Children)
		for _, c := range s.touched {
			snap.Children[c.idx] = c.snapshot()
		}
	}
	for _, c := range s.touched {
		c.touched = false
	}
	clear(s.touched)
	s.touched, s.reshaped = s.touched[:0], false
	s.snap.Store(snap)
	s.t.version.Add(1) // after the store: a reader of Version never gets a newer number with older data
}

// touch marks c as changed since the last publish: its snapshot is looked
// at again. Everything that changes what a child's snapshot shows touches
// it (setState does for every change of state).
func (s *supervisor) touch(c *child) {
	if !c.touched {
		c.touched = true
		s.touched = append(s.touched, c)
	}
}

// snapshot returns the child's snapshot, reusing the last one when nothing
// it shows has changed.
func (c *child) snapshot() *Snapshot {
	state := c.state
	if c.held && !state.active() {
		state = Stopped
	}
	if o := c.snap; o != nil && o.State == state && o.Since.Equal(c.since) && o.Pid == c.pid &&
		o.StartedAt.Equal(c.startedAt) && o.Restarts == c.restarts && o.LastExit == c.lastExit &&
		o.Status == c.status && o.Stopping == c.notifyStopping && o.Held == c.held && o.HeldUntil.Equal(c.holdUntil) {
		return o
	}
	c.snap = &Snapshot{
		Path: c.path, Name: c.name, Supervisor: c.sup != nil, State: state, Since: c.since,
		Pid: c.pid, StartedAt: c.startedAt, Restarts: c.restarts, LastExit: c.lastExit,
		Status: c.status, Stopping: c.notifyStopping, Held: c.held, HeldUntil: c.holdUntil,
		sup: c.sup,
	}
	return c.snap
}

// Snapshot returns the whole tree as it is now.
func (t *Tree) Snapshot() *Snapshot { return t.assemble(t.root, nil) }

// Version changes whenever an owner publishes a snapshot. A reader that
// reads Version and then Snapshot may keep what it made of the snapshot
// for as long as Version stays the same.
func (t *Tree) Version() uint64 { return t.version.Load() }

func (t *Tree) assemble(s *supervisor, rec *Snapshot) *Snapshot {
	own := s.snap.Load()
	if own == nil {
		own = &Snapshot{Path: s.path, Supervisor: true, State: Stopped}
	}
	out := *own
	if rec != nil {
		out.Name, out.Restarts, out.LastExit = rec.Name, rec.Restarts, rec.LastExit
		out.Held, out.HeldUntil, out.StartedAt = rec.Held, rec.HeldUntil, rec.StartedAt
	}
	out.Children = make([]*Snapshot, len(own.Children))
	for i, cs := range own.Children {
		if cs.sup != nil {
			out.Children[i] = t.assemble(cs.sup, cs)
		} else {
			out.Children[i] = cs
		}
	}
	return &out
}

// Find returns the snapshot of the node at path ("" for the root), or nil.
func (sn *Snapshot) Find(path string) *Snapshot {
	if path == "" || path == sn.Path {
		return sn
	}
	for _, c := range sn.Children {
		if c.Path == path {
			return c
		}
		if c.Supervisor && len(path) > len(c.Path) && path[:len(c.Path)+1] == c.Path+"/" {
			return c.Find(path)
		}
	}
	return nil
}
