package config

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// fieldDoc is what the reference (Reference, docs/supd.yaml.5) says of one
// key of a block. Its def is also the built-in default itself: the decoder
// reads it as if it were written in the file, so the documented default and
// the applied one cannot drift apart.
type fieldDoc struct {
	name string
	typ  string // the value's form: "duration", "list or string"
	def  string // the default, written as in the file; "" when there is none
	note string // shown instead of def: "required", "none", "the config's folder"
	doc  string // what it means, in one line
}

// field is one key of a block that decodes straight into a T: a
// supervisor, the control block, a probe's timing.
type field[T any] struct {
	fieldDoc
	decode func(d *decoder, n *yaml.Node, l loc, dst *T) bool // nil: the block decodes it itself
}

// into makes a field's decode from a value decoder and the place the value
// goes.
func into[T, V any](dec func(*decoder, *yaml.Node, loc) (V, bool), set func(*T, V)) func(*decoder, *yaml.Node, loc, *T) bool {
	return func(d *decoder, n *yaml.Node, l loc, dst *T) bool {
		v, ok := dec(d, n, l)
		if ok {
			set(dst, v)
		}
		return ok
	}
}

func names[T any](fs []field[T]) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.name
	}
	return out
}

func fieldNamed[T any](fs []field[T], name string) *field[T] {
	for i := range fs {
		if fs[i].name == name {
			return &fs[i]
		}
	}
	return nil
}

// decodeFields decodes every entry that has a field in fs into dst and
// reports whether all of them were good. record gets the position of each
// good value.
func decodeFields[T any](d *decoder, entries []entry, l loc, fs []field[T], dst *T, record func(key string, p pos)) bool {
	ok := true
	for _, e := range entries {
		f := fieldNamed(fs, e.key)
		if f == nil || f.decode == nil {
			continue
		}
		if f.decode(d, e.v, l.dot(e.key), dst) {
			record(e.key, posOf(e.v))
		} else {
			ok = false
		}
	}
	return ok
}

// defaultsOf returns dst with the default of every field of fs decoded into
// it, from the text the reference shows.
func defaultsOf[T any](fs []field[T], dst T) T {
	d := literalDecoder("")
	for _, f := range fs {
		if f.def != "" && f.decode != nil && !f.decode(d, literal(f.def), loc{field: f.name}, &dst) {
			panic(fmt.Sprintf("config: the default of %s does not decode: %v", f.name, d.errs))
		}
	}
	return dst
}

// literalDecoder decodes the defaults written in the tables: no ${VAR} is
// set, and relative paths resolve against dir.
func literalDecoder(dir string) *decoder {
	return &decoder{file: "built-in default", dir: dir, env: func(string) (string, bool) { return "", false }, pos: map[string]pos{}}
}

// literal parses a default as written in a table.
func literal(text string) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) != 1 {
		panic(fmt.Sprintf("config: default %q is not YAML: %v", text, err))
	}
	return doc.Content[0]
}

// Value decoders with their rules bound, for the tables.

func durationOf(rule durRule) func(*decoder, *yaml.Node, loc) (time.Duration, bool) {
	return func(d *decoder, n *yaml.Node, l loc) (time.Duration, bool) { return d.duration(n, l, rule) }
}

func countOf(lo, hi int64) func(*decoder, *yaml.Node, loc) (int, bool) {
	return func(d *decoder, n *yaml.Node, l loc) (int, bool) { return d.count(n, l, lo, hi) }
}

func enumOf[T ~string](values ...T) func(*decoder, *yaml.Node, loc) (T, bool) {
	return func(d *decoder, n *yaml.Node, l loc) (T, bool) { return enum(d, n, l, values...) }
}

// rangeOf is a number in [lo, hi].
func rangeOf(lo, hi float64) func(*decoder, *yaml.Node, loc) (float64, bool) {
	return func(d *decoder, n *yaml.Node, l loc) (float64, bool) {
		v, ok := d.number(n, l)
		if ok && (v < lo || v > hi) {
			d.errorf(n, l, "must be between %v and %v, got %v", lo, hi, v)
			return 0, false
		}
		return v, ok
	}
}

// positiveSize is a size of more than 0 bytes.
func positiveSize(d *decoder, n *yaml.Node, l loc) (int64, bool) {
	v, ok := d.size(n, l)
	if ok && v == 0 {
		d.errorf(n, l, "must be more than 0 bytes")
		return 0, false
	}
	return v, ok
}

// absPath is a non-empty path, made absolute against the config's folder.
func absPath(d *decoder, n *yaml.Node, l loc) (string, bool) {
	v, ok := d.nonEmpty(n, l)
	return d.abs(v), ok
}
