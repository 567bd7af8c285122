package config

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// supervisorFields is the one place that names a supervisor's fields.
var supervisorFields = []field[Supervisor]{
	{fieldDoc: fieldDoc{"name", "name", "", "required (not on root)", "`[A-Za-z0-9_.-]+`, unique among siblings"}},
	{fieldDoc{"strategy", "one_for_one, one_for_all or rest_for_one", "one_for_one", "", "which children a restart of one of them restarts: itself, all, or itself and those after it"},
		into(enumOf(OneForOne, OneForAll, RestForOne), func(s *Supervisor, v Strategy) { s.Strategy = v })},
	{fieldDoc{"max_restarts", "integer", "3", "", "restart intensity: more than this many restarts within `period` and the supervisor gives up"},
		into(countOf(0, 1<<20), func(s *Supervisor, v int) { s.MaxRestarts = v })},
	{fieldDoc{"period", "duration", "5s", "", "the sliding window for `max_restarts`"},
		into(durationOf(positive), func(s *Supervisor, v time.Duration) { s.Period = v })},
	{fieldDoc{"start", "sequential or parallel", "sequential", "", "`sequential`: each child must be ready before the next starts; `parallel`: all start at once (order still defines rest_for_one and stop order)"},
		into(enumOf(Sequential, Parallel), func(s *Supervisor, v StartMode) { s.Start = v })},
	{fieldDoc{"stop", "sequential or parallel", "sequential", "", "`sequential`: children stop in reverse order, each stop completing before the next (OTP); `parallel`: every child to be stopped gets its stop at once, each with its own `stop_signal` and `stop_timeout`"},
		into(enumOf[StopMode](Sequential, Parallel), func(s *Supervisor, v StopMode) { s.Stop = v })},
	{fieldDoc{"restart", "permanent, transient or temporary", "permanent", "", "as for workers: how its parent treats this supervisor's exit"},
		into((*decoder).restart, func(s *Supervisor, v Restart) { s.Restart = v })},
	{fieldDoc{"auto_shutdown", "never, any_significant or all_significant", "never", "", "`any_significant`: stop every child and exit normally once a significant child exited without a restart; `all_significant`: once every significant child did"},
		into(enumOf(Never, AnySignificant, AllSignificant), func(s *Supervisor, v AutoShutdown) { s.AutoShutdown = v })},
	{fieldDoc{"significant", "boolean", "false", "", "as for workers"},
		into((*decoder).boolean, func(s *Supervisor, v bool) { s.Significant = v })},
	{fieldDoc: fieldDoc{"children", "list of nodes", "", "required", "ordered list of nodes; order is start order"}},
}

var supervisorDefaults = sync.OnceValue(func() Supervisor { return defaultsOf(supervisorFields, Supervisor{}) })

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// validName reports whether s may name a node. "." and ".." match the
// pattern but would read as path steps in URLs and in `supctl` arguments.
func validName(s string) bool {
	return nameRE.MatchString(s) && s != "." && s != ".."
}

// JoinPath is the path of the child name of the node at parent ("" for the
// root).
func JoinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// tree holds what decoding the nodes shares: the inherited settings and the
// log files already taken.
type tree struct {
	defaults spec // defaults:
	global   spec // the global logs:
	logFiles map[string]logOwner
}

// logOwner is the worker writing a log file, and the replica set it is an
// instance of ("" for none).
type logOwner struct{ path, set string }

// root decodes the root supervisor.
func (d *decoder) root(n *yaml.Node, t *tree) *Supervisor {
	l := loc{node: "root"}
	entries, ok := d.mapping(n, l)
	if !ok {
		return nil
	}
	d.record(l, posOf(n))
	if _, ok := find(entries, "children"); !ok {
		d.errorf(n, l.dot("children"), "required: the root supervisor needs a list of children")
	}
	return d.supervisor(entries, l, "root", "", "", 0, t)
}

// supervisor decodes a supervisor node's fields and children.
func (d *decoder) supervisor(entries []entry, l loc, yamlPath, name, path string, depth int, t *tree) *Supervisor {
	isRoot := yamlPath == "root"
	s := supervisorDefaults()
	s.Name, s.Children = name, []Node{}
	fs := fieldSet{known: names(supervisorFields), elsewhere: func(key string) string {
		switch {
		case isRoot && key == "name":
			return "the root supervisor has no name"
		case slices.Contains(workerNames, key) && isRoot:
			return fmt.Sprintf("%s is a worker field, and the root is a supervisor", key)
		case slices.Contains(workerNames, key):
			return fmt.Sprintf("%s is a worker field, and this node is a supervisor (it has children)", key)
		}
		return ""
	}}
	if isRoot {
		fs.known = slices.DeleteFunc(fs.known, func(k string) bool { return k == "name" })
	}
	entries = d.check(entries, l, fs)
	decodeFields(d, entries, l, supervisorFields, &s, func(k string, p pos) { d.record(l.dot(k), p) })
	if e, ok := find(entries, "children"); ok {
		s.Children = d.children(e.v, l.dot("children"), yamlPath, path, depth, t)
		d.record(l.dot("children"), posOf(e.v))
	}
	// A replica set restarts as often as its parent allows (SPEC §2.10).
	for _, c := range s.Children {
		if c.Supervisor != nil && c.Supervisor.Replicas != nil {
			c.Supervisor.MaxRestarts, c.Supervisor.Period = s.MaxRestarts, s.Period
		}
	}
	return &s
}

// children decodes a supervisor's list of nodes.
func (d *decoder) children(n *yaml.Node, l loc, yamlPath, path string, depth int, t *tree) []Node {
	nn := deref(n)
	if nn == nil {
		return []Node{}
	}
	if nn.Kind != yaml.SequenceNode {
		d.errorf(n, l, "must be a list of nodes, got %s", describe(nn))
		return []Node{}
	}
	if depth >= maxDepth {
		d.errorf(n, l, "supervisors nested more than %d deep", maxDepth)
		return []Node{}
	}
	if !d.spend(nn, len(nn.Content)) {
		return []Node{}
	}
	type first struct {
		yamlPath string
		line     int
	}
	seen := map[string]first{}
	nodes := make([]Node, 0, len(nn.Content))
	for i, c := range nn.Content {
		if d.halted {
			break
		}
		cy := fmt.Sprintf("%s.children[%d]", yamlPath, i)
		node, name, nameNode := d.child(c, cy, path, depth+1, t)
		if nameNode != nil {
			if f, dup := seen[name]; dup {
				d.errorf(nameNode, loc{nodeLoc(cy, JoinPath(path, name)), "name"},
					"duplicate name %q (also %s, line %d)", name, f.yamlPath, f.line)
			} else {
				seen[name] = first{cy, nameNode.Line}
			}
		}
		if node.Worker != nil || node.Supervisor != nil {
			nodes = append(nodes, node)
		}
	}
	return nodes
}

// child decodes one node of a children list. It returns the node (zero when
// it is not even a mapping) and its name with the name's YAML node, nil when
// the name is missing or invalid.
func (d *decoder) child(n *yaml.Node, yamlPath, parent string, depth int, t *tree) (Node, string, *yaml.Node) {
	bare := loc{node: yamlPath}
	nn := deref(n)
	if nn == nil || nn.Kind != yaml.MappingNode {
		if nn != nil {
			d.errorf(n, bare, "must be a mapping (a worker with command, or a supervisor with children), got %s", describe(nn))
		}
		return Node{}, "", nil
	}
	// The name comes first: every other message about the node names it,
	// even those about its keys.
	entries, _ := d.mapping(n, loc{node: nodeLoc(yamlPath, JoinPath(parent, d.peekName(nn)))})
	name, path := "", JoinPath(parent, "?")
	var nameNode *yaml.Node
	if e, ok := find(entries, "name"); !ok {
		d.errorf(n, bare.dot("name"), "required")
	} else if s, ok := d.nonEmpty(e.v, bare.dot("name")); ok {
		path = JoinPath(parent, s)
		if validName(s) {
			name, nameNode = s, e.v
		} else {
			d.errorf(e.v, loc{nodeLoc(yamlPath, path), "name"}, "%q is not a valid name (letters, digits, _ . and -, not . or ..)", s)
		}
	}
	l := loc{node: nodeLoc(yamlPath, path)}
	d.record(l, posOf(n))

	_, isWorker := find(entries, "command")
	_, isSupervisor := find(entries, "children")
	switch {
	case isWorker && isSupervisor:
		d.errorf(n, l, "has both command (a worker) and children (a supervisor)")
		return Node{}, name, nameNode
	case !isWorker && !isSupervisor:
		d.errorf(n, l, "needs command (a worker) or children (a supervisor)")
		// A misspelt command or children is the likely cause: say so.
		d.check(entries, l, fieldSet{known: slices.Concat(workerNames, names(supervisorFields))})
		return Node{}, name, nameNode
	case isSupervisor:
		return Node{Supervisor: d.supervisor(entries, l, yamlPath, name, path, depth, t)}, name, nameNode
	}
	return d.workerNode(entries, n, l, yamlPath, name, path, nameNode != nil, t), name, nameNode
}

// workerNode decodes a worker node: a worker, or with replicas the
// supervisor of its instances. named says whether its name is valid (only
// then does it take its log file).
func (d *decoder) workerNode(entries []entry, n *yaml.Node, l loc, yamlPath, name, path string, named bool, t *tree) Node {
	_, replicated := find(entries, "replicas")
	d.inst = instNeedsReplicas
	if replicated {
		d.inst = instExpands
	}
	own := d.workerSpec(entries, l, true)
	d.inst = instNowhere
	s := own.over(t.defaults).over(t.global).over(d.builtin())
	if replicated {
		return Node{Supervisor: d.replicaSet(s, n, l, yamlPath, name, path, named, t)}
	}
	d.unexpanded(s, l)
	w := d.worker(name, path, s, l)
	if named {
		d.claimLog(w.Logs.File, path, "", n, l, t)
	}
	return Node{Worker: w}
}

// claimLog takes a log file for the worker at path, or reports the worker
// that already writes it. The instances of the replica set at set may
// share one (Lint warns about that).
func (d *decoder) claimLog(file, path, set string, n *yaml.Node, l loc, t *tree) {
	if file == "" {
		return
	}
	other, taken := t.logFiles[file]
	switch {
	case !taken:
		t.logFiles[file] = logOwner{path, set}
	case set == "" || other.set != set:
		p, ok := d.pos[l.dot("logs.file").String()]
		if !ok {
			p = posOf(n)
		}
		d.errorAt(p, l.dot("logs"), "log file %s is also written by %q", file, other.path)
	}
}

// peekName returns a node's name as written, for messages about its keys,
// which are checked before the name itself; "?" when it has none.
func (d *decoder) peekName(n *yaml.Node) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := deref(n.Content[i]), deref(n.Content[i+1]); k != nil && v != nil &&
			k.Kind == yaml.ScalarNode && k.Value == "name" && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
			if s, _, err := expand(v.Value, d.env, noInstance); err == nil && s != "" {
				return s
			}
		}
	}
	return "?"
}
