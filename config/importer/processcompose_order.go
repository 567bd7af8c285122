package importer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// order puts the processes under the root. process-compose starts each
// process once its depends_on conditions hold, the others at once; supd's
// start: sequential starts each child once the one before it is ready. So
// with dependencies the children come in a topological order of depends_on
// (ties in file order) under start: sequential, and a note names every
// wait that order adds; without any, they start in parallel.
func (c *pcImport) order() {
	f := c.f
	root := &Supervisor{}
	f.Root = root
	deps := false
	for _, p := range c.procs {
		kept := p.deps[:0]
		for _, d := range p.deps {
			switch {
			case d.name == p.name:
				c.errorf(d.k, "processes.%s depends on itself", p.name)
			case c.by[d.name] == nil:
				c.warnf(d.k, "processes.%s depends on %q, which is not defined; the dependency is not imported", p.name, d.name)
				p.w.Notes.add("", fmt.Sprintf("depends_on: %s is not a process of this file; process-compose ignores it, and so does this import.", d.name))
			default:
				kept = append(kept, d)
			}
		}
		p.deps = kept
		deps = deps || len(p.deps) > 0
	}
	order := c.topological()
	if order == nil {
		return
	}
	var budgets []childBudget
	significant := false
	for i, p := range order {
		root.Children = append(root.Children, Node{Worker: p.w})
		if p.budget != nil {
			budgets = append(budgets, *p.budget)
		}
		significant = significant || p.w.Significant
		c.conditions(p)
		if !deps {
			continue
		}
		closure := c.closure(p, map[string]bool{})
		var extra []string
		for _, q := range order[:i] {
			if !closure[q.name] {
				extra = append(extra, q.w.Name)
			}
		}
		if len(extra) > 0 {
			p.w.Notes.add("", fmt.Sprintf("start: sequential makes it also wait for %s, which come before it.", andList(extra)))
		}
	}
	switch {
	case deps:
		root.Start = "sequential"
		names := make([]string, len(order))
		for i, p := range order {
			names[i] = p.w.Name
		}
		root.Notes.add("start", fmt.Sprintf("process-compose starts each process once its depends_on conditions hold; supd starts "+
			"each child once the one before it is ready. The children are in an order of depends_on (ties in file order): %s.",
			strings.Join(names, ", ")))
	case len(order) > 1:
		root.Start = "parallel"
		root.Notes.add("start", "process-compose starts every process at once.")
	}
	switch {
	case c.ordered:
		root.Notes.add("", "ordered_shutdown: supd stops the children in reverse order, one after another.")
	case len(order) > 1:
		root.Stop = "parallel"
		root.Notes.add("stop", "process-compose stops every process at once (ordered_shutdown: false).")
	}
	if significant {
		root.AutoShutdown = "any_significant"
		root.Notes.add("auto_shutdown", "availability.exit_on_end: the tree stops when a significant worker ends, and supd exits with its code.")
	} else {
		f.Head = append(f.Head, "process-compose exits once every process has ended; supd keeps running until it is stopped.")
	}
	if b, ok := budgetOf(budgets, 10*time.Second); ok {
		b.apply(root, fmt.Sprintf("process-compose restarts a process without limit unless its max_restarts says; "+
			"supd's supervisor gives up on all its children once they restart more than max_restarts times within period. "+
			"This budget is the sum of what each restarted child may use within %s, so it runs out only when they fail together; "+
			"then supd exits with status 3.", fmtDuration(b.period)))
	}
}

// topological orders the processes so that each comes after its
// dependencies, taking the first ready one in file order each time.
func (c *pcImport) topological() []*pcProc {
	placed := map[string]bool{}
	var order []*pcProc
	for len(order) < len(c.procs) {
		next := -1
		for i, p := range c.procs {
			if !placed[p.name] && !slices.ContainsFunc(p.deps, func(d pcDep) bool { return !placed[d.name] }) {
				next = i
				break
			}
		}
		if next < 0 {
			var stuck []string
			var at *yaml.Node
			for _, p := range c.procs {
				if !placed[p.name] {
					stuck = append(stuck, p.name)
					if at == nil {
						at = p.k
					}
				}
			}
			c.errorf(at, "depends_on forms a cycle among %s", andList(stuck))
			return nil
		}
		placed[c.procs[next].name] = true
		order = append(order, c.procs[next])
	}
	return order
}

// closure is every process p waits for, directly or through others.
func (c *pcImport) closure(p *pcProc, seen map[string]bool) map[string]bool {
	for _, d := range p.deps {
		if !seen[d.name] {
			seen[d.name] = true
			c.closure(c.by[d.name], seen)
		}
	}
	return seen
}

// conditions notes where supd's wait for a dependency differs from the one
// its depends_on condition asks for.
func (c *pcImport) conditions(p *pcProc) {
	for _, d := range p.deps {
		dep := c.by[d.name]
		name := dep.w.Name
		var note string
		switch d.cond {
		case "process_started":
			if dep.ready {
				note = fmt.Sprintf("process-compose waited only for %s to start (process_started); supd waits until it is ready, "+
					"which its readiness probe says.", name)
			}
		case "process_healthy":
			if !dep.ready {
				note = fmt.Sprintf("process_healthy: %s has no readiness probe, so supd counts it ready once started.", name)
			}
		case "process_completed", "process_completed_successfully":
			note = fmt.Sprintf("%s: process-compose waited for %s to exit; supd cannot wait for an exit, and starts this "+
				"once %s is ready (started), so the two may run at the same time. To wait, run both in one command: "+
				"sh -c 'first && exec second'.", d.cond, name, name)
		case "process_log_ready":
			note = fmt.Sprintf("process_log_ready: supd has no readiness from a line of output; it waits until %s is ready "+
				"(started, or its readiness probe).", name)
		}
		if note != "" {
			p.w.Notes.add("", note)
		}
	}
}

// extends resolves process-level extends: a process inherits the settings
// of the one it names, its own winning; lists are appended, environment
// and mappings merged by key, as process-compose merges them.
func (c *pcImport) extends() {
	state := map[string]int{} // 1: resolving, 2: done
	var resolve func(p *pcProc) bool
	resolve = func(p *pcProc) bool {
		switch state[p.name] {
		case 1:
			c.errorf(p.k, "processes.%s: extends forms a cycle", p.name)
			return false
		case 2:
			return true
		}
		e, ok := find(p.entries, "extends")
		if !ok {
			state[p.name] = 2
			return true
		}
		name, _ := c.scalar(e.v, "extends")
		parent := c.by[name]
		switch {
		case name == p.name:
			c.errorf(e.v, "processes.%s cannot extend itself", p.name)
			return false
		case parent == nil:
			c.errorf(e.v, "processes.%s extends unknown process %q", p.name, name)
			return false
		}
		state[p.name] = 1
		if !resolve(parent) {
			return false
		}
		p.entries = c.merge(parent.entries, p.entries)
		p.entries = slices.DeleteFunc(p.entries, func(e pcEntry) bool { return e.key == "extends" })
		state[p.name] = 2
		return true
	}
	for _, p := range c.procs {
		resolve(p)
	}
}

func (c *pcImport) merge(base, own []pcEntry) []pcEntry {
	var out []pcEntry
	for _, b := range base {
		if o, ok := find(own, b.key); ok {
			out = append(out, pcEntry{key: b.key, k: o.k, v: c.mergeNode(b.key, b.v, o.v)})
		} else {
			out = append(out, b)
		}
	}
	for _, o := range own {
		if !hasKey(base, o.key) {
			out = append(out, o)
		}
	}
	return out
}

func (c *pcImport) mergeNode(key string, base, own *yaml.Node) *yaml.Node {
	b, o := deref(base), deref(own)
	switch {
	case b == nil || o == nil || b.Kind != o.Kind:
		return own
	case o.Kind == yaml.MappingNode:
		merged := c.merge(c.entries(b, key), c.entries(o, key))
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: o.Line, Column: o.Column}
		for _, e := range merged {
			n.Content = append(n.Content, e.k, e.v)
		}
		return n
	case o.Kind == yaml.SequenceNode && key == "environment":
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: o.Line, Column: o.Column}
		names := map[string]int{}
		for _, item := range append(slices.Clone(b.Content), o.Content...) {
			name, _, _ := strings.Cut(deref(item).Value, "=")
			if i, ok := names[name]; ok {
				n.Content[i] = item
				continue
			}
			names[name] = len(n.Content)
			n.Content = append(n.Content, item)
		}
		return n
	case o.Kind == yaml.SequenceNode:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: o.Line, Column: o.Column}
		n.Content = append(slices.Clone(b.Content), o.Content...)
		return n
	}
	return own
}
