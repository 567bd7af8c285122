package config

import (
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// logsFields are the fields of a `logs:` block: the global one, the one
// under `defaults:` and a worker's own. A worker's settings are its own
// block laid over the defaults' over the global one, field by field; a file
// or dir in a nearer layer hides the other from the layers below, since a
// worker names its log either way.
var logsFields = []workerField{
	{fieldDoc: fieldDoc{"dir", "path", "", "none", "if set, each worker also writes `<dir>/<path with / as _>.log`; `\"\"` turns file logging off"},
		hides: "file", instance: true,
		decode: func(d *decoder, n *yaml.Node, l loc) (any, bool) {
			v, ok := d.str(n, l)
			return d.abs(v), ok
		}},
	{fieldDoc: fieldDoc{"file", "path", "", "none", "an explicit log file for a single worker, instead of the one under dir"},
		hides: "dir", either: true, instance: true,
		ownOnly: "is only for a single worker's logs (a shared file would mix and rotate under several writers)",
		decode:  func(d *decoder, n *yaml.Node, l loc) (any, bool) { return absPath(d, n, l) }},
	wf(fieldDoc{"max_size", "size", "10MiB", "", "rotate a log file at this size"},
		positiveSize, func(w *Worker, v int64) { w.Logs.MaxSize = v }),
	wf(fieldDoc{"max_files", "integer", "5", "", "rotated files kept: `<name>.log.1` (newest) … `<name>.log.N`"},
		countOf(0, 1000), func(w *Worker, v int) { w.Logs.MaxFiles = v }),
	wf(fieldDoc{"compress", "boolean", "false", "", "gzip rotated files (`<name>.log.1.gz` …)"},
		(*decoder).boolean, func(w *Worker, v bool) { w.Logs.Compress = v }),
	wf(fieldDoc{"ring", "size", "1MiB", "", "the in-memory tail of each worker that `supctl logs` serves"},
		positiveSize, func(w *Worker, v int64) { w.Logs.Ring = v }),
	wf[Forward](fieldDoc{"forward", "auto, true or false", "auto", "", "also copy each line, prefixed with the worker's path, to supd's stdout; `auto`: only for a worker without a log file"},
		(*decoder).forward, nil),
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

// globalLogs renders the top-level block, laid over the built-in defaults.
func globalLogs(s spec) Logs {
	return Logs{
		Dir:      get[string](s, "logs.dir"),
		MaxSize:  get[int64](s, "logs.max_size"),
		MaxFiles: get[int](s, "logs.max_files"),
		Compress: get[bool](s, "logs.compress"),
		Ring:     get[int64](s, "logs.ring"),
		Forward:  get[Forward](s, "logs.forward"),
	}
}

// resolveLogs completes a worker's log settings from its merged spec: the
// file (explicit, or under dir by logPath) and whether lines are forwarded.
func resolveLogs(s spec, logPath string, w WorkerLogs) WorkerLogs {
	switch file, dir := get[string](s, "logs.file"), get[string](s, "logs.dir"); {
	case file != "":
		w.File = file
	case dir != "":
		w.File = filepath.Join(dir, LogName(logPath)+".log")
	}
	switch get[Forward](s, "logs.forward") {
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
