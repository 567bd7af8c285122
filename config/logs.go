package config

import (
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Log defaults of SPEC §1.
const (
	DefaultLogMaxSize  = 10 << 20
	DefaultLogMaxFiles = 5
	DefaultLogRing     = 1 << 20
)

// logsSpec is a `logs:` block as written: the global one, the one under
// `defaults:` or a worker's. A worker's settings are its own block laid over
// the defaults' over the global one, field by field.
type logsSpec struct {
	dir      opt[string] // absolute; "" turns file logging off
	file     opt[string] // absolute; worker blocks only
	maxSize  opt[int64]
	maxFiles opt[int]
	compress opt[bool]
	ring     opt[int64]
	forward  opt[Forward]
}

var logsFields = []string{"dir", "max_size", "max_files", "compress", "ring", "forward"}

// logs decodes a logs block; withFile allows `file:`.
func (d *decoder) logs(n *yaml.Node, l loc, withFile bool) logsSpec {
	var s logsSpec
	entries, ok := d.mapping(n, l)
	if !ok {
		return s
	}
	fs := fieldSet{known: logsFields}
	if withFile {
		fs.known = append([]string{"file"}, logsFields...)
	} else {
		fs.elsewhere = func(key string) string {
			if key == "file" {
				return "file is only for a single worker's logs (a shared file would mix and rotate under several writers)"
			}
			return ""
		}
	}
	for _, e := range d.check(entries, l, fs) {
		fl := l.dot(e.key)
		switch e.key {
		case "dir":
			if v, ok := d.str(e.v, fl); ok {
				s.dir = some(d.abs(v), e.v)
			}
		case "file":
			if v, ok := d.nonEmpty(e.v, fl); ok {
				s.file = some(d.abs(v), e.v)
			}
		case "max_size":
			if v, ok := d.size(e.v, fl); ok {
				if v == 0 {
					d.errorf(e.v, fl, "must be more than 0 bytes")
				} else {
					s.maxSize = some(v, e.v)
				}
			}
		case "max_files":
			if v, ok := d.count(e.v, fl, 0, 1000); ok {
				s.maxFiles = some(v, e.v)
			}
		case "compress":
			if v, ok := d.boolean(e.v, fl); ok {
				s.compress = some(v, e.v)
			}
		case "ring":
			if v, ok := d.size(e.v, fl); ok {
				if v == 0 {
					d.errorf(e.v, fl, "must be more than 0 bytes")
				} else {
					s.ring = some(v, e.v)
				}
			}
		case "forward":
			if v, ok := d.forward(e.v, fl); ok {
				s.forward = some(v, e.v)
			}
		}
	}
	if s.dir.set && s.file.set {
		d.errorAt(s.file.at, l.dot("file"), "set either dir or file, not both")
	}
	return s
}

// forward decodes auto, true or false.
func (d *decoder) forward(n *yaml.Node, l loc) (Forward, bool) {
	s, tag, ok := d.scalar(n, l, "auto, true or false")
	if !ok {
		return 0, false
	}
	switch {
	case s == "auto" && tag != "!!bool":
		return ForwardAuto, true
	case tag == "!!bool" || tag == expanded:
		switch strings.ToLower(s) {
		case "true":
			return ForwardOn, true
		case "false":
			return ForwardOff, true
		}
	}
	d.errorf(n, l, "must be auto, true or false, got %s", quoteAs(s, tag))
	return 0, false
}

// over lays s over base: a field s sets wins; a file or dir in s hides
// the other one from base, since a worker names its log either way.
func (s logsSpec) over(base logsSpec) logsSpec {
	out := logsSpec{
		dir:      s.dir.or(base.dir),
		file:     s.file.or(base.file),
		maxSize:  s.maxSize.or(base.maxSize),
		maxFiles: s.maxFiles.or(base.maxFiles),
		compress: s.compress.or(base.compress),
		ring:     s.ring.or(base.ring),
		forward:  s.forward.or(base.forward),
	}
	if s.file.set {
		out.dir = opt[string]{}
	}
	if s.dir.set {
		out.file = opt[string]{}
	}
	return out
}

// global renders the top-level block with its defaults.
func (s logsSpec) global() Logs {
	return Logs{
		Dir:      s.dir.get(""),
		MaxSize:  s.maxSize.get(DefaultLogMaxSize),
		MaxFiles: s.maxFiles.get(DefaultLogMaxFiles),
		Compress: s.compress.get(false),
		Ring:     s.ring.get(DefaultLogRing),
		Forward:  s.forward.get(ForwardAuto),
	}
}

// resolve renders a worker's merged block for the worker at path.
func (s logsSpec) resolve(path string) WorkerLogs {
	g := s.global()
	w := WorkerLogs{MaxSize: g.MaxSize, MaxFiles: g.MaxFiles, Compress: g.Compress, Ring: g.Ring}
	switch {
	case s.file.set:
		w.File = s.file.v
	case g.Dir != "":
		w.File = filepath.Join(g.Dir, LogName(path)+".log")
	}
	switch g.Forward {
	case ForwardOn:
		w.Forward = true
	case ForwardAuto:
		w.Forward = w.File == ""
	}
	return w
}

// LogName is the file name stem of a worker's log under a log dir: its path
// with each / replaced by _ ("web/api" → "web_api").
func LogName(path string) string {
	return strings.ReplaceAll(path, "/", "_")
}

// abs resolves a path written in the file against the config's folder.
// An empty path stays empty.
func (d *decoder) abs(p string) string {
	switch {
	case p == "":
		return ""
	case filepath.IsAbs(p):
		return filepath.Clean(p)
	}
	return filepath.Join(d.dir, p)
}
