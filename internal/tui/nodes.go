package tui

import (
	"strings"
	"time"

	"supd/control/api"
)

// node is one node of the tree as top knows it: the API's node without
// its children, linked to its parent and children.
type node struct {
	api.Node
	parent *node
	kids   []*node
	// window holds when each restart still counted in a supervisor's
	// budget happened, oldest first: the budget drops as they leave the
	// period, without asking supd. Restarts counted before top saw them
	// are taken as happening when their count was read.
	window []time.Time
}

// tree is the nodes by path.
type tree struct {
	root   *node
	byPath map[string]*node
}

func newTree(t api.Tree, now time.Time) *tree {
	tr := &tree{byPath: map[string]*node{}}
	tr.root = tr.add(&t.Root, nil, now)
	return tr
}

func (t *tree) add(a *api.Node, parent *node, now time.Time) *node {
	n := &node{parent: parent}
	n.set(a, now)
	t.byPath[n.Path] = n
	for i := range a.Children {
		n.kids = append(n.kids, t.add(&a.Children[i], n, now))
	}
	return n
}

// set takes a's fields (not its children).
func (n *node) set(a *api.Node, now time.Time) {
	window := n.window
	n.Node = *a
	n.Children = nil
	if a.Budget == nil {
		n.window = nil
		return
	}
	n.window = fitWindow(window, a.Budget.Used, time.Duration(a.Budget.Period), now)
}

// fitWindow keeps the newest of the known restart times still within
// period, used of them, adding now for those it does not know.
func fitWindow(known []time.Time, used int, period time.Duration, now time.Time) []time.Time {
	var in []time.Time
	for _, t := range known {
		if now.Sub(t) < period {
			in = append(in, t)
		}
	}
	if len(in) > used {
		in = in[len(in)-used:]
	}
	for len(in) < used {
		in = append(in, now)
	}
	return in
}

// update takes a fetched node and its subtree. It reports false when the
// subtree's shape differs from the one known: then the tree must be read
// again.
func (t *tree) update(a *api.Node, now time.Time) bool {
	n := t.byPath[a.Path]
	if n == nil || len(n.kids) != len(a.Children) {
		return false
	}
	n.set(a, now)
	for i := range a.Children {
		if n.kids[i].Path != a.Children[i].Path || !t.update(&a.Children[i], now) {
			return false
		}
	}
	return true
}

// budgetUsed is how many restarts of a supervisor's budget are within its
// period at now.
func (n *node) budgetUsed(now time.Time) int {
	if n.Budget == nil {
		return 0
	}
	used := 0
	for _, t := range n.window {
		if now.Sub(t) < time.Duration(n.Budget.Period) {
			used++
		}
	}
	return used
}

// apply sets what a state event says of its node: its state, when it
// began, the exit and the restart it caused (counted for the node, and in
// its supervisor's budget).
func (t *tree) apply(n *node, e api.Event) {
	n.State, n.Since = e.New, e.Time
	switch e.New {
	case api.StateStarting:
		at := e.Time
		n.StartedAt = &at
	case api.StateStopped, api.StateExited, api.StateFailed, api.StateBackoff:
		n.StartedAt, n.PID = nil, 0
	}
	if e.Exit != nil {
		x := *e.Exit
		n.LastExit = &x
	}
	if r := e.Restart; r != nil {
		n.Restarts++
		if p := n.parent; p != nil && p.Budget != nil {
			p.Budget.Max, p.Budget.Period = r.Max, r.Period
			p.window = fitWindow(append(p.window, e.Time), r.Used, time.Duration(r.Period), e.Time)
		}
	}
}

// below counts the nodes under n.
func (n *node) below() int {
	c := 0
	for _, k := range n.kids {
		c += 1 + k.below()
	}
	return c
}

// row is one line of the tree as drawn: a node and the box drawing before
// its name.
type row struct {
	n      *node
	prefix string
	hidden int // collapsed: how many nodes are hidden below it
}

// rows flattens the tree as drawn: depth first in start order, without the
// subtrees of collapsed supervisors, and with a filter only the nodes whose
// path contains it (ignoring case) and their ancestors.
func (t *tree) rows(filter string, collapsed map[string]bool) []row {
	var keep map[*node]bool
	if filter != "" {
		keep = map[*node]bool{}
		f := strings.ToLower(filter)
		var mark func(n *node) bool
		mark = func(n *node) bool {
			k := strings.Contains(strings.ToLower(n.Path), f)
			for _, c := range n.kids {
				if mark(c) {
					k = true
				}
			}
			if k {
				keep[n] = true
			}
			return k
		}
		mark(t.root)
		if len(keep) == 0 {
			return nil
		}
	}
	var out []row
	var walk func(n *node, prefix, indent string)
	walk = func(n *node, prefix, indent string) {
		r := row{n: n, prefix: prefix}
		out = append(out, r)
		if filter == "" && collapsed[n.Path] && len(n.kids) > 0 {
			out[len(out)-1].hidden = n.below()
			return
		}
		var kids []*node
		for _, c := range n.kids {
			if keep == nil || keep[c] {
				kids = append(kids, c)
			}
		}
		for i, c := range kids {
			branch, next := "├── ", "│   "
			if i == len(kids)-1 {
				branch, next = "└── ", "    "
			}
			walk(c, indent+branch, indent+next)
		}
	}
	walk(t.root, "", "")
	return out
}

// counts is how many workers are in each state.
func (t *tree) counts() (workers int, by map[api.State]int) {
	by = map[api.State]int{}
	for _, n := range t.byPath {
		if n.Kind == api.KindWorker {
			workers++
			by[n.State]++
		}
	}
	return workers, by
}
