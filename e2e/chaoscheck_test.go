package e2e

import (
	"fmt"
	"slices"
	"time"

	"supd/control/api"
)

// An event log is judged after the fact. Each path's events come from one
// owner (its supervisor's) and are in order, but events of different owners
// interleave on the bus as their goroutines send them: a supervisor's child
// may be seen stopping just before the supervisor itself is seen stopping.
// The rules below therefore look for a cause within a run (from a start of
// a node to its next start), not just before the event it explains.

// manualRestart is one `supctl restart PATH` the test ran, from when it
// began to when it returned (zero if it never did).
type manualRestart struct {
	path   string
	t0, t1 time.Time
}

// eventStats counts what a log holds.
type eventStats struct {
	events, exits, restarts, giveUps, stops int
}

func (s eventStats) String() string {
	return fmt.Sprintf("%d events: %d exits, %d restarts decided, %d give-ups, %d stops", s.events, s.exits, s.restarts, s.giveUps, s.stops)
}

// logCheck holds one supd run's log and its indexes.
type logCheck struct {
	tree     *specTree
	ev       []api.Event
	manual   []manualRestart
	complete bool // the log runs to the end of the run; false when supd was SIGKILLed

	byPath    map[string][]int // every state event of a path
	starts    map[string][]int // changes into starting
	stoppings map[string][]int // changes into stopping
	restarts  map[string][]int // exits of a supervisor's children that decided a restart
	giveUps   map[string][]int // exits of a supervisor's children that made it give up
	problems  []string
	stats     eventStats
}

// checkEvents judges the event log of one supd run against tree and the
// manual restarts the test made: nothing lost (consecutive sequence
// numbers, each path's changes chained old to new), every stop with a
// cause, and every exit paired with what it caused: the restart it decided
// (each node named is started again), the give-up (its supervisor exits
// with gave_up) or nothing, only where the config or a stopping supervisor
// says so. With complete false (supd was SIGKILLed), effects the log ends
// before are not required.
func checkEvents(tree *specTree, ev []api.Event, manual []manualRestart, complete bool) ([]string, eventStats) {
	c := &logCheck{tree: tree, ev: ev, manual: manual, complete: complete,
		byPath: map[string][]int{}, starts: map[string][]int{}, stoppings: map[string][]int{},
		restarts: map[string][]int{}, giveUps: map[string][]int{}}
	c.index()
	if len(c.problems) == 0 {
		c.judge()
	}
	return c.problems, c.stats
}

func (c *logCheck) fail(i int, format string, args ...any) {
	if len(c.problems) < 20 {
		e := c.ev[i]
		c.problems = append(c.problems, fmt.Sprintf("event seq %d (%q %s→%s): %s", e.Seq, e.Path, e.Old, e.New, fmt.Sprintf(format, args...)))
	}
}

// index checks sequence numbers and chaining, and builds the indexes.
func (c *logCheck) index() {
	cur := map[string]api.State{}
	for i, e := range c.ev {
		c.stats.events++
		if i > 0 && e.Seq != c.ev[i-1].Seq+1 {
			c.fail(i, "follows seq %d: events were lost", c.ev[i-1].Seq)
		}
		switch e.Kind {
		case api.EventLagged:
			c.fail(i, "the follower lagged: %s", e.Message)
		case api.EventState:
		default:
			continue
		}
		n := c.tree.nodes[e.Path]
		if n == nil {
			c.fail(i, "no such node in the config")
			continue
		}
		old, ok := cur[e.Path]
		if !ok {
			old = api.StateStopped
		}
		if e.Old != old {
			c.fail(i, "the path was %s: a change was lost", old)
		}
		cur[e.Path] = e.New
		c.byPath[e.Path] = append(c.byPath[e.Path], i)
		switch e.New {
		case api.StateStarting:
			c.starts[e.Path] = append(c.starts[e.Path], i)
		case api.StateStopping:
			c.stoppings[e.Path] = append(c.stoppings[e.Path], i)
			c.stats.stops++
		}
		if e.Exit != nil {
			c.stats.exits++
		}
		if e.Exit != nil && e.Restart != nil && e.Path != "" {
			if e.Restart.GaveUp {
				c.giveUps[n.parent()] = append(c.giveUps[n.parent()], i)
				c.stats.giveUps++
			} else {
				c.restarts[n.parent()] = append(c.restarts[n.parent()], i)
				c.stats.restarts++
			}
		}
	}
	if c.complete {
		for p, st := range cur {
			if st != api.StateStopped && st != api.StateExited && st != api.StateFailed {
				c.fail(c.byPath[p][len(c.byPath[p])-1], "the log ends with %q %s", p, st)
			}
		}
	}
}

// before is the last index in list below i, or -1; after is the first above
// i, or len(ev).
func before(list []int, i int) int {
	j, _ := slices.BinarySearch(list, i)
	if j == 0 {
		return -1
	}
	return list[j-1]
}

func (c *logCheck) after(list []int, i int) int {
	j, found := slices.BinarySearch(list, i)
	if found {
		j++
	}
	if j == len(list) {
		return len(c.ev)
	}
	return list[j]
}

// anyIn reports whether list has an index in (lo, hi) that ok accepts.
func anyIn(list []int, lo, hi int, ok func(int) bool) bool {
	for _, x := range list {
		if x > lo && x < hi && (ok == nil || ok(x)) {
			return true
		}
	}
	return false
}

// run is the run of path around index i: from its last start before i to
// its next start after i.
func (c *logCheck) run(path string, i int) (lo, hi int) {
	return before(c.starts[path], i), c.after(c.starts[path], i)
}

// stopping reports whether the supervisor sup, the parent of the node at
// path, was stopping when it stopped path or judged its exit at index i:
// sup's change into stopping comes after its last start before i, before
// path starts again, and no later than i in time. (When sup's own parent
// stops it, that parent decides first, so its event is no later; when sup
// gives up by itself, the give-up explains what follows.)
func (c *logCheck) stopping(sup, path string, i int) bool {
	lo := before(c.starts[sup], i)
	hi := c.after(c.starts[path], i)
	return anyIn(c.stoppings[sup], lo, hi, func(x int) bool { return !c.ev[x].Time.After(c.ev[i].Time) }) ||
		anyIn(c.giveUps[sup], lo, i, nil) || c.cut(i, cutCause)
}

// cut reports whether the log was cut by a SIGKILL less than within after
// index i, so that what the event at i explains or causes may be missing
// from it.
func (c *logCheck) cut(i int, within time.Duration) bool {
	return !c.complete && c.ev[len(c.ev)-1].Time.Sub(c.ev[i].Time) < within
}

// Within how long of a cut the log may lack what explains an event (the
// events of another owner, sent a moment later), and what an event causes:
// a restart or a give-up may wait for a supervisor's sequential stop of
// all its children, each with its stop_timeout.
const (
	cutCause  = time.Second
	cutEffect = 10 * time.Second
)

func (c *logCheck) judge() {
	for i, e := range c.ev {
		if e.Kind != api.EventState {
			continue
		}
		if e.New == api.StateStopping {
			c.judgeStop(i)
		}
		if e.Exit != nil {
			c.judgeExit(i)
		}
	}
}

// judgeStop finds the cause of a stop: a restart its supervisor decided
// that names it, its supervisor giving up or stopping, its own children
// making it give up, or a manual restart of it.
func (c *logCheck) judgeStop(i int) {
	e := c.ev[i]
	if e.Path == "" {
		if !slices.ContainsFunc(c.ev, func(x api.Event) bool { return x.Kind == api.EventShutdown }) && len(c.giveUps[""]) == 0 {
			c.fail(i, "the root stopped without a shutdown or a give-up")
		}
		return
	}
	n := c.tree.nodes[e.Path]
	sup := n.parent()
	ls := before(c.starts[e.Path], i)
	switch {
	case anyIn(c.restarts[sup], ls, i, func(x int) bool { return slices.Contains(c.ev[x].Restart.Nodes, e.Path) }):
	case c.stopping(sup, e.Path, i):
	case !n.worker && anyIn(c.giveUps[e.Path], ls, c.after(c.starts[e.Path], i), nil):
	case slices.ContainsFunc(c.manual, func(m manualRestart) bool {
		return m.path == e.Path && !e.Time.Before(m.t0) && (m.t1.IsZero() || !e.Time.After(m.t1))
	}):
	default:
		c.fail(i, "a stop without a cause")
	}
}

// judgeExit pairs an exit with what it caused.
func (c *logCheck) judgeExit(i int) {
	e := c.ev[i]
	n := c.tree.nodes[e.Path]
	sup := n.parent()
	switch {
	case e.Path == "":
		if e.Exit.Reason == api.ReasonGaveUp {
			c.fail(i, "the root gave up")
		}
	case e.Restart != nil && e.Restart.GaveUp:
		lo, hi := c.run(sup, i)
		if !anyIn(c.byPath[sup], lo, hi, func(x int) bool { return c.ev[x].Exit != nil && c.ev[x].Exit.Reason == api.ReasonGaveUp }) &&
			!c.cut(i, cutEffect) {
			c.fail(i, "%q gave up, but it never exited with gave_up", displayPath(sup))
		}
	case e.Restart != nil:
		if !n.worker && e.Exit.Reason != api.ReasonGaveUp {
			c.fail(i, "a supervisor restarted after %s", e.Exit.Reason)
		}
		for _, m := range e.Restart.Nodes {
			if c.tree.nodes[m] == nil || c.tree.nodes[m].parent() != sup {
				c.fail(i, "the restart names %q, not a child of %q", m, displayPath(sup))
				continue
			}
			// A node still running is stopped first; one that never
			// starts again after the restart was left out of it, unless
			// it ended by itself before its turn and is not to be
			// restarted (a temporary worker).
			if c.after(c.starts[m], i) == len(c.ev) && !c.cut(i, cutEffect) && !c.endedAfter(m, i) {
				c.fail(i, "the restart names %q, which never started again", m)
			}
		}
	case e.New == api.StateStopped:
		if e.Old != api.StateStopping {
			c.fail(i, "an exit into stopped that was no stop")
		}
	case e.New == api.StateExited || e.New == api.StateFailed:
		switch {
		case n.worker && n.restart == "temporary":
		case n.worker && n.restart == "transient" && e.New == api.StateExited:
		case !n.worker && n.restart != "permanent":
		case c.stopping(sup, e.Path, i):
		default:
			c.fail(i, "a %s %s exit (%s) that caused no restart", n.restart, map[bool]string{true: "worker", false: "supervisor"}[n.worker], e.Exit.Reason)
		}
	default:
		c.fail(i, "an exit into %s without a restart", e.New)
	}
	if !n.worker && e.Exit.Reason == api.ReasonGaveUp {
		if lo, hi := c.run(e.Path, i); !anyIn(c.giveUps[e.Path], lo, hi, nil) {
			c.fail(i, "a supervisor exited with gave_up, but no child of it gave it up")
		}
	}
}

// endedAfter reports whether path ended after index i with an exit that
// caused no restart.
func (c *logCheck) endedAfter(path string, i int) bool {
	return anyIn(c.byPath[path], i, len(c.ev), func(x int) bool {
		e := c.ev[x]
		return e.Exit != nil && e.Restart == nil && (e.New == api.StateExited || e.New == api.StateFailed)
	})
}

func displayPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
