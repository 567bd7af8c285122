package e2e

import (
	"fmt"
	"path"
	"strings"
)

// specNode is one node of a tree a test generates: what the test needs to
// know of the config to judge supd's events and its final tree.
type specNode struct {
	path     string // "" for the root
	worker   bool
	restart  string // permanent, transient or temporary
	strategy string // supervisors only
	children []*specNode
	yaml     string // the node's fields besides name and children, one "key: value" a line
}

// parent is the path of n's supervisor.
func (n *specNode) parent() string {
	if i := strings.LastIndexByte(n.path, '/'); i >= 0 {
		return n.path[:i]
	}
	return ""
}

// specTree indexes a generated tree by path.
type specTree struct {
	root  *specNode
	nodes map[string]*specNode
}

func newSpecTree(root *specNode) *specTree {
	t := &specTree{root: root, nodes: map[string]*specNode{}}
	var walk func(*specNode)
	walk = func(n *specNode) {
		t.nodes[n.path] = n
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(root)
	return t
}

// workers lists the workers' paths in start order.
func (t *specTree) workers() []string {
	var out []string
	var walk func(*specNode)
	walk = func(n *specNode) {
		if n.worker {
			out = append(out, n.path)
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(t.root)
	return out
}

// supervisors lists the supervisors' paths below the root, in start order.
func (t *specTree) supervisors() []string {
	var out []string
	var walk func(*specNode)
	walk = func(n *specNode) {
		if !n.worker && n.path != "" {
			out = append(out, n.path)
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(t.root)
	return out
}

// yaml renders the tree as a config, with head (version, logs, ...) first.
func (t *specTree) yaml(head string) string {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("root:\n")
	writeFields(&b, t.root.yaml, "  ")
	b.WriteString("  children:\n")
	var write func(n *specNode, indent string)
	write = func(n *specNode, indent string) {
		fmt.Fprintf(&b, "%s- name: %s\n", indent, path.Base(n.path))
		writeFields(&b, n.yaml, indent+"  ")
		if !n.worker {
			fmt.Fprintf(&b, "%s  children:\n", indent)
			for _, c := range n.children {
				write(c, indent+"    ")
			}
		}
	}
	for _, c := range t.root.children {
		write(c, "    ")
	}
	return b.String()
}

func writeFields(b *strings.Builder, fields, indent string) {
	for l := range strings.Lines(fields) {
		b.WriteString(indent + l)
	}
}

// chaosSignals are what the storm sends: most end a testproc (HUP, INT, TERM
// and KILL by the signal, QUIT, ABRT and SEGV by the Go runtime's exit code
// 2), the others it ignores and must survive.
var chaosSignals = []struct {
	sig   string
	fatal bool
}{
	{"KILL", true}, {"TERM", true}, {"INT", true}, {"HUP", true},
	{"QUIT", true}, {"ABRT", true}, {"SEGV", true},
	{"USR1", false}, {"USR2", false}, {"ALRM", false}, {"WINCH", false}, {"CONT", false},
}

// chaosTree is the storm's tree: the root (one_for_one) over four
// supervisors, each over five supervisors of ten workers, 200 workers in
// all, with every strategy at both levels, tight and loose intensities,
// sequential and parallel starts and stops, every restart type, three kinds
// of readiness, and workers whose grandchildren stay in their group, leave
// it or double-fork away from it, some of them ignoring SIGTERM.
func chaosTree() *specTree {
	strategies := []string{"one_for_one", "one_for_all", "rest_for_one"}
	root := &specNode{strategy: "one_for_one", restart: "permanent",
		yaml: "strategy: one_for_one\nmax_restarts: 1000000\nperiod: 1s\nstart: parallel\n"}
	w := 0
	for m := range 4 {
		mid := &specNode{path: fmt.Sprintf("m%d", m), strategy: []string{"one_for_one", "one_for_all", "rest_for_one", "one_for_one"}[m], restart: "permanent"}
		mid.yaml = fmt.Sprintf("strategy: %s\nmax_restarts: 6\nperiod: 2s\nstart: %s\nstop: %s\n",
			mid.strategy, []string{"parallel", "sequential"}[m%2], []string{"sequential", "parallel"}[m/2])
		root.children = append(root.children, mid)
		for l := range 5 {
			leaf := &specNode{path: fmt.Sprintf("%s/l%d", mid.path, l), strategy: strategies[(m+l)%3], restart: "permanent"}
			leaf.yaml = fmt.Sprintf("strategy: %s\nmax_restarts: %d\nperiod: 1s\nstart: %s\nstop: %s\n",
				leaf.strategy, 1+(m+l)%4, []string{"sequential", "parallel"}[l%2], []string{"parallel", "sequential"}[(m+l)%2])
			mid.children = append(mid.children, leaf)
			for i := range 10 {
				leaf.children = append(leaf.children, chaosWorker(fmt.Sprintf("%s/w%d", leaf.path, i), w))
				w++
			}
		}
	}
	return newSpecTree(root)
}

// chaosWorker is worker number i of the storm's tree.
func chaosWorker(p string, i int) *specNode {
	n := &specNode{path: p, worker: true, restart: "permanent"}
	// Each run fills its ring (16 KiB) at once, so that the rings weigh as
	// much before the storm as after it.
	args := []string{"-sleep", "-pidfile", "{{DIR}}/pids/" + strings.ReplaceAll(p, "/", "_"), "-print", "100", "-line-len", "120"}
	switch i % 20 {
	case 0, 5, 10, 15:
		args = append(args, "-children", "2")
	case 1, 6, 11, 16:
		args = append(args, "-children", "1", "-setsid")
	case 2, 7, 12, 17:
		args = append(args, "-children", "1", "-double-fork", "-child-ignore-term")
	case 3:
		args = append(args, "-ignore-term")
	}
	var f strings.Builder
	switch i % 7 {
	case 0:
		args = append(args, "-notify-ready", "20ms")
		f.WriteString("ready: {notify: true}\n")
	case 1:
		f.WriteString("ready: {after: 50ms}\n")
	}
	switch i % 13 {
	case 0:
		n.restart = "temporary"
	case 1:
		n.restart = "transient"
	}
	if n.restart != "permanent" {
		fmt.Fprintf(&f, "restart: %s\n", n.restart)
	}
	if i%11 == 0 {
		f.WriteString("stop_timeout: 0s\n")
	}
	fmt.Fprintf(&f, "command: [\"{{TESTPROC}}\", \"%s\"]\n", strings.Join(args, `", "`))
	n.yaml = f.String()
	return n
}
