package daemon

import (
	"fmt"
	"strings"

	"supd/config"
	"supd/control/api"
	"supd/tree"
)

// initialStartDone reports whether the tree's initial start has finished
// (SPEC §2.9): every worker was started once and became ready or failed that
// start. A node that takes no part counts as done: one held stopped
// (autostart: false), and, under `start: sequential`, those waiting behind
// a sibling whose first start failed — they start only once it is ready,
// which may be never, and supd has finished starting what it can.
func initialStartDone(root *tree.Snapshot) bool {
	done, _ := firstStart(root)
	return done
}

// firstStart reports whether n's first start is over and whether it ended
// ready.
func firstStart(n *tree.Snapshot) (done, ready bool) {
	switch {
	case n.Held && n.State == tree.Stopped:
		return true, true // not started; its siblings do not wait for it
	case n.State == tree.Running:
		return true, true
	case n.LastExit != nil || n.Restarts > 0,
		n.State == tree.Exited, n.State == tree.Failed, n.State == tree.Stopping:
		return true, false
	case !n.Supervisor || n.State != tree.Starting:
		return false, false // not started yet, or starting for the first time
	}
	ready = true
	for _, c := range n.Children {
		d, r := firstStart(c)
		if !d {
			return false, false
		}
		if !r {
			ready = false
			if n.Start == config.Sequential {
				return true, false // the children after c wait for it
			}
		}
	}
	return true, ready
}

// notReady lists, in tree order, the nodes that keep supd from being ready
// (SPEC §4): the significant nodes — or every node if none is significant —
// that are not running and have not ended normally for good (a worker in
// `exited`, a supervisor stopped by its auto_shutdown). Nodes held stopped
// by `supctl stop` or `autostart: false`, and what is below them, are left
// out: they are stopped on purpose.
func notReady(cfg *config.Config, root *tree.Snapshot) []api.NotReady {
	significant := map[string]bool{}
	for path, n := range cfg.All() {
		if n.IsSignificant() {
			significant[path] = true
		}
	}
	var out []api.NotReady
	var walk func(*tree.Snapshot)
	walk = func(s *tree.Snapshot) {
		for _, c := range s.Children {
			if c.Held && !activeState(c.State) {
				continue
			}
			if (len(significant) == 0 || significant[c.Path]) && !endedWell(c) {
				out = append(out, api.NotReady{Path: c.Path, State: api.State(c.State)})
			}
			if c.Supervisor {
				walk(c)
			}
		}
	}
	walk(root)
	return out
}

func activeState(s tree.State) bool {
	return s == tree.Starting || s == tree.Running || s == tree.Stopping
}

// endedWell: running, or ended normally and not to be restarted.
func endedWell(n *tree.Snapshot) bool {
	switch {
	case n.State == tree.Running:
		return true
	case !n.Supervisor:
		return n.State == tree.Exited
	default:
		return n.State == tree.Stopped && n.LastExit != nil && n.LastExit.Reason == tree.ReasonAutoShutdown
	}
}

// statusLine sums up the workers' states for systemd's STATUS=, e.g.
// "12 running, 1 backoff, 0 failed": running and failed always, the other
// states when some worker is in them.
func statusLine(root *tree.Snapshot) string {
	counts := map[tree.State]int{}
	var walk func(*tree.Snapshot)
	walk = func(s *tree.Snapshot) {
		for _, c := range s.Children {
			if c.Supervisor {
				walk(c)
			} else {
				counts[c.State]++
			}
		}
	}
	walk(root)
	var parts []string
	for _, st := range []tree.State{tree.Running, tree.Starting, tree.Backoff, tree.Stopping, tree.Stopped, tree.Exited, tree.Failed} {
		if n := counts[st]; n > 0 || st == tree.Running || st == tree.Failed {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	line := strings.Join(parts, ", ")
	if root.State == tree.Stopping {
		line = "shutting down: " + line
	}
	return line
}
