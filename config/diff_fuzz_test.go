package config

import (
	"reflect"
	"testing"
)

// FuzzDiff diffs two arbitrary configs: Diff never panics, a config
// diffed with itself keeps everything, and the plan, applied to the old
// tree's paths, gives the new tree's, with keeps only where nothing
// changed.
func FuzzDiff(f *testing.F) {
	seeds := []string{
		treeYAML,
		worker1(""),
		worker1("dir: /srv\nstop_timeout: 1s\nenv: {A: b}"),
		"version: 1\nroot:\n  children:\n    - {name: a, children: [{name: w, command: x}]}\n    - {name: b, command: y}\n",
		"version: 1\nroot:\n  strategy: one_for_all\n  children:\n    - {name: a, command: x}\n    - {name: b, children: [{name: a, command: z}]}\n",
	}
	for _, a := range seeds {
		for _, b := range seeds {
			f.Add([]byte(a), []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		old, _, err1 := parse("supd.yaml", a, envOf(""), fakeAccounts{})
		new, _, err2 := parse("supd.yaml", b, envOf(""), fakeAccounts{})
		if err1 != nil || err2 != nil {
			return
		}
		if p := Diff(old, old); !p.Empty() {
			t.Fatalf("a config diffed with itself: %+v", p.Changes)
		}
		p := Diff(old, new)
		paths := nodes(old)
		for _, c := range p.Changes {
			switch c.Action {
			case ActionRemove:
				if _, ok := paths[c.Path]; !ok {
					t.Fatalf("removes %q, which old does not have", c.Path)
				}
				delete(paths, c.Path)
			case ActionAdd:
				if n, ok := paths[c.Path]; ok && (n.Supervisor != nil) == c.Supervisor {
					t.Fatalf("adds %q, which is already there", c.Path)
				}
				n, _ := new.Lookup(c.Path)
				paths[c.Path] = n
			case ActionKeep:
				o, ok1 := old.Lookup(c.Path)
				n, ok2 := new.Lookup(c.Path)
				if !ok1 || !ok2 || !sameNode(o, n) {
					t.Fatalf("keeps %q, which changed", c.Path)
				}
			default:
				if _, ok := paths[c.Path]; !ok {
					t.Fatalf("%s of %q, which old does not have", c.Action, c.Path)
				}
				if len(c.Fields) == 0 {
					t.Fatalf("%s of %q names no field", c.Action, c.Path)
				}
				paths[c.Path], _ = new.Lookup(c.Path)
			}
		}
		want := nodes(new)
		if len(paths) != len(want) {
			t.Fatalf("the plan gives %d nodes, new has %d", len(paths), len(want))
		}
		for path, n := range want {
			if got, ok := paths[path]; !ok || (got.Supervisor != nil) != (n.Supervisor != nil) {
				t.Fatalf("after the plan %q is %+v, want %+v", path, got, n)
			}
		}
	})
}

// nodes maps every path of c, the root's "" included, to its node.
func nodes(c *Config) map[string]Node {
	m := map[string]Node{"": {Supervisor: c.Root}}
	c.Walk(func(path string, n Node) { m[path] = n })
	return m
}

// sameNode compares two nodes without their children.
func sameNode(a, b Node) bool {
	if a.Worker != nil || b.Worker != nil {
		return a.Worker != nil && b.Worker != nil && reflect.DeepEqual(a.Worker, b.Worker)
	}
	x, y := *a.Supervisor, *b.Supervisor
	x.Children, y.Children = nil, nil
	return reflect.DeepEqual(x, y)
}
