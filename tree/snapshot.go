package tree

import (
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

	sup *supervisor // a nested supervisor's owner, as its parent published it
}

// owner returns the owner of the nested supervisor named name among the
// children of this supervisor's published snapshot, or nil.
func (sn *Snapshot) owner(name string) *supervisor {
	for _, c := range sn.Children {
		if c.Name == name {
			return c.sup
		}
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
// that Tree.Snapshot fills from their own owners. A child's snapshot is
// rebuilt only when it changed, so a step of a supervisor with many
// children allocates little.
func (s *supervisor) publish() {
	snap := &Snapshot{
		Path: s.path, Supervisor: true, State: s.state, Since: s.since,
		Strategy: s.spec.Strategy, Start: s.spec.Start,
		Budget:   Budget{Used: s.in.used(s.now, s.spec.Period), Max: s.spec.MaxRestarts, Period: s.spec.Period},
		Children: make([]*Snapshot, len(s.children)),
	}
	if s.self != nil {
		snap.Name = s.self.name
	}
	for i, c := range s.children {
		snap.Children[i] = c.snapshot()
	}
	s.snap.Store(snap)
	s.t.version.Add(1) // after the store: a reader of Version never gets a newer number with older data
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
