package config

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// Supervisor defaults of SPEC §1.
const (
	DefaultMaxRestarts = 3
	DefaultPeriod      = 5 * time.Second
)

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
	defaults workerSpec
	global   logsSpec
	logFiles map[string]string // file → path of the worker writing it
}

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
	s := &Supervisor{
		Name:         name,
		Strategy:     OneForOne,
		MaxRestarts:  DefaultMaxRestarts,
		Period:       DefaultPeriod,
		Start:        Sequential,
		Restart:      Permanent,
		AutoShutdown: Never,
		Children:     []Node{},
	}
	fs := fieldSet{known: supervisorFields, elsewhere: func(key string) string {
		switch {
		case isRoot && key == "name":
			return "the root supervisor has no name"
		case slices.Contains(workerFields, key) && isRoot:
			return fmt.Sprintf("%s is a worker field, and the root is a supervisor", key)
		case slices.Contains(workerFields, key):
			return fmt.Sprintf("%s is a worker field, and this node is a supervisor (it has children)", key)
		}
		return ""
	}}
	if isRoot {
		fs.known = supervisorFields[1:]
	}
	for _, e := range d.check(entries, l, fs) {
		fl := l.dot(e.key)
		good := false
		switch e.key {
		case "name":
			continue
		case "strategy":
			s.Strategy, good = enum(d, e.v, fl, OneForOne, OneForAll, RestForOne)
		case "max_restarts":
			s.MaxRestarts, good = d.count(e.v, fl, 0, 1<<20)
		case "period":
			s.Period, good = d.duration(e.v, fl, positive)
		case "start":
			s.Start, good = enum(d, e.v, fl, Sequential, Parallel)
		case "restart":
			s.Restart, good = d.restart(e.v, fl)
		case "auto_shutdown":
			s.AutoShutdown, good = enum(d, e.v, fl, Never, AnySignificant, AllSignificant)
		case "significant":
			s.Significant, good = d.boolean(e.v, fl)
		case "children":
			s.Children = d.children(e.v, fl, yamlPath, path, depth, t)
			good = true
		}
		if good {
			d.record(fl, posOf(e.v))
		}
	}
	return s
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
		d.check(entries, l, fieldSet{known: slices.Concat(workerFields, supervisorFields)})
		return Node{}, name, nameNode
	case isSupervisor:
		return Node{Supervisor: d.supervisor(entries, l, yamlPath, name, path, depth, t)}, name, nameNode
	}
	spec := d.workerSpec(entries, l, false)
	w := d.worker(name, path, spec.over(t.defaults), t.global, l)
	if f := w.Logs.File; f != "" && nameNode != nil {
		if other, taken := t.logFiles[f]; taken {
			p, ok := d.pos[l.dot("logs.file").String()]
			if !ok {
				p = posOf(n)
			}
			d.errorAt(p, l.dot("logs"), "log file %s is also written by %q", f, other)
		} else {
			t.logFiles[f] = path
		}
	}
	return Node{Worker: w}, name, nameNode
}

// peekName returns a node's name as written, for messages about its keys,
// which are checked before the name itself; "?" when it has none.
func (d *decoder) peekName(n *yaml.Node) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := deref(n.Content[i]), deref(n.Content[i+1]); k != nil && v != nil &&
			k.Kind == yaml.ScalarNode && k.Value == "name" && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
			if s, _, err := expand(v.Value, d.env); err == nil && s != "" {
				return s
			}
		}
	}
	return "?"
}
