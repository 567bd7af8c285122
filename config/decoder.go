package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits that keep a hostile or broken file from costing more than a big
// real one: aliases can make a small file describe an exponential tree, and
// an anchor can contain an alias to itself.
const (
	maxErrors    = 200
	maxNodes     = 1 << 18 // mapping and sequence entries visited, aliases followed
	maxDepth     = 64      // nested supervisors
	maxMergeHops = 16      // chained `<<` merge keys
)

// pos is a 1-based line and column in the file.
type pos struct{ line, col int }

func posOf(n *yaml.Node) pos {
	p := pos{n.Line, n.Column}
	if p.line < 1 {
		p.line = 1
	}
	if p.col < 1 {
		p.col = 1
	}
	return p
}

// loc is where a value sits, as errors and warnings name it: the node it
// belongs to (`root.children[1] "web/api"`, or "root"), then the field path
// inside it (`backoff.factor`). Outside the tree node is "" and field is the
// whole dotted path (`logs.max_size`).
type loc struct {
	node  string
	field string
}

func (l loc) String() string {
	switch {
	case l.node == "":
		return l.field
	case l.field == "":
		return l.node
	}
	return l.node + ": " + l.field
}

// dot names a field below l.
func (l loc) dot(f string) loc {
	if l.field != "" {
		f = l.field + "." + f
	}
	return loc{l.node, f}
}

// index names a list item below l.
func (l loc) index(i int) loc {
	return loc{l.node, fmt.Sprintf("%s[%d]", l.field, i)}
}

// nodeLoc renders a tree node for messages: its place in the YAML, then its
// path in quotes (`root.children[0].children[1] "web/api"`), so that both a
// reader of the file and a user of supctl recognise it.
func nodeLoc(yamlPath, path string) string {
	if path == "" {
		return yamlPath
	}
	return fmt.Sprintf("%s %q", yamlPath, path)
}

// opt is a value as written: set says whether the file gave it, at where.
type opt[T any] struct {
	set bool
	v   T
	at  pos
}

// decoder walks the yaml.Node tree of one file, collecting every error.
type decoder struct {
	file   string // as given, for messages
	dir    string // absolute folder relative paths resolve against
	env    func(string) (string, bool)
	acct   accounts
	errs   ErrorList
	full   bool           // maxErrors reached
	nodes  int            // budget used, see maxNodes
	pos    map[string]pos // loc → position of its value, kept for Lint
	halted bool           // maxNodes or maxErrors reached: stop walking

	defaults  spec     // the built-in defaults, once decoded
	inst      instMode // what ${SUPD_INSTANCE} does in the worker being decoded
	instField bool     // the value being decoded is one where ${SUPD_INSTANCE} may stand
	markAt    pos      // where the value being decoded first has ${SUPD_INSTANCE}
}

// add records an error made elsewhere (ReplicaSet.Instance).
func (d *decoder) add(e *Error) {
	d.errorAt(pos{e.Line, e.Col}, loc{field: e.Path}, "%s", e.Msg)
}

// errorAt records an error. After maxErrors the walk stops: a file that
// bad is better fixed from its first errors.
func (d *decoder) errorAt(p pos, l loc, format string, args ...any) {
	if d.full {
		return
	}
	if len(d.errs) == maxErrors {
		d.full, d.halted = true, true
		return
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: p.line, Col: p.col, Path: l.String(), Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorf(n *yaml.Node, l loc, format string, args ...any) {
	d.errorAt(posOf(n), l, format, args...)
}

// spend takes k nodes from the budget and reports whether walking may go on.
func (d *decoder) spend(n *yaml.Node, k int) bool {
	if d.halted {
		return false
	}
	d.nodes += k
	if d.nodes > maxNodes {
		d.halted = true
		p := posOf(n)
		d.errs = append(d.errs, &Error{File: d.file, Line: p.line, Col: p.col,
			Msg: fmt.Sprintf("config too large (more than %d nodes once aliases and replicas are expanded)", maxNodes)})
		return false
	}
	return true
}

// record keeps the position of a value for Lint.
func (d *decoder) record(l loc, p pos) {
	d.pos[l.String()] = p
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 1000; i++ {
		n = n.Alias
	}
	return n
}

// describe names a node's kind in "must be X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean " + n.Value
		case "!!int", "!!float":
			return "a number " + n.Value
		}
		return fmt.Sprintf("%q", clip(n.Value))
	}
	return "an unexpected node"
}

// entry is one key of a mapping.
type entry struct {
	key  string
	k, v *yaml.Node
}

// mapping returns the entries of a mapping, with `<<` merge keys flattened
// (the mapping's own keys win, then earlier merged mappings). Null counts as
// an empty mapping, so `control:` alone is allowed. Duplicate and non-string
// keys are errors.
func (d *decoder) mapping(n *yaml.Node, l loc) ([]entry, bool) {
	n = deref(n)
	if n == nil {
		return nil, false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, l, "must be a mapping, got %s", describe(n))
		return nil, false
	}
	return d.entries(n, l, 0), true
}

func (d *decoder) entries(n *yaml.Node, l loc, hops int) []entry {
	if !d.spend(n, len(n.Content)/2+1) {
		return nil
	}
	var own []entry
	var merges []*yaml.Node
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		kk := deref(k)
		if kk == nil || kk.Kind != yaml.ScalarNode || kk.ShortTag() == "!!null" {
			d.errorf(k, l, "a field name must be a string, got %s", describeOrNil(kk))
			continue
		}
		if first, dup := seen[kk.Value]; dup {
			d.errorf(k, l.dot(kk.Value), "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[kk.Value] = k
		own = append(own, entry{kk.Value, k, v})
	}
	out := own
	for _, m := range merges {
		for _, src := range d.mergeSources(m, l, hops) {
			for _, e := range src {
				if _, ok := seen[e.key]; ok {
					continue
				}
				seen[e.key] = e.k
				out = append(out, e)
			}
		}
	}
	return out
}

func describeOrNil(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	return describe(n)
}

// mergeSources returns the entries of each mapping a `<<` value names.
func (d *decoder) mergeSources(m *yaml.Node, l loc, hops int) [][]entry {
	if hops >= maxMergeHops {
		d.errorf(m, l.dot("<<"), "merge keys nested more than %d deep (does an anchor merge itself?)", maxMergeHops)
		return nil
	}
	var srcs []*yaml.Node
	switch mm := deref(m); {
	case mm == nil:
	case mm.Kind == yaml.MappingNode:
		srcs = []*yaml.Node{mm}
	case mm.Kind == yaml.SequenceNode:
		srcs = mm.Content
	}
	if len(srcs) == 0 {
		d.errorf(m, l.dot("<<"), "a merge key needs a mapping or a list of mappings")
		return nil
	}
	var out [][]entry
	for _, s := range srcs {
		ss := deref(s)
		if ss == nil || ss.Kind != yaml.MappingNode {
			d.errorf(s, l.dot("<<"), "a merge key needs a mapping or a list of mappings, got %s", describeOrNil(ss))
			continue
		}
		out = append(out, d.entries(ss, l, hops+1))
	}
	return out
}

// fieldSet says which keys a mapping may have.
type fieldSet struct {
	known []string
	// elsewhere explains a key that is valid in another kind of block.
	elsewhere func(key string) string
}

// check reports every entry whose key is not known.
func (d *decoder) check(entries []entry, l loc, fs fieldSet) []entry {
	var ok []entry
	for _, e := range entries {
		if slices.Contains(fs.known, e.key) {
			ok = append(ok, e)
			continue
		}
		if fs.elsewhere != nil {
			if why := fs.elsewhere(e.key); why != "" {
				d.errorf(e.k, l.dot(e.key), "%s", why)
				continue
			}
		}
		msg := fmt.Sprintf("unknown field %q", e.key)
		if s := suggest(e.key, fs.known); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		d.errorf(e.k, l, "%s", msg)
	}
	return ok
}

// find returns the entry named key.
func find(entries []entry, key string) (entry, bool) {
	for _, e := range entries {
		if e.key == key {
			return e, true
		}
	}
	return entry{}, false
}

// suggest returns the known name closest to a misspelt one, if any is close.
func suggest(key string, known []string) string {
	best, bestD := "", 3
	if len(key) <= 3 {
		bestD = 2
	}
	for _, k := range known {
		if dd := editDistance(strings.ToLower(key), k); dd < bestD {
			best, bestD = k, dd
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	const limit = 40
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
