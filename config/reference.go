package config

import (
	"fmt"
	"slices"
	"strings"
)

// Section is one block of the config file, as the reference describes it.
type Section struct {
	Name   string   // "worker", "logs"…
	Intro  []string // paragraphs: where the block is written and how it behaves
	Fields []Field
}

// Field is one key of a block.
type Field struct {
	Name    string
	Type    string // the value's form: "duration", "list or string"…
	Default string // written as in the file ("10s"), or what applies instead ("required", "none")
	Literal bool   // Default is a value as written in the file
	Meaning string // one line; `code` is quoted in backticks
}

// Reference describes every field of the file from the tables the decoder
// reads, with the defaults it applies. Text in backticks is code.
func Reference() []Section {
	probe := Field{Name: "exec, http, tcp", Type: "probe, see probe", Meaning: "a probe: ready on its first success"}
	health := probe
	health.Meaning = "the probe"
	return []Section{
		{Name: "top level", Intro: fileIntro, Fields: docs(topFields)},
		{Name: "control", Intro: []string{"The control socket that `supctl` talks to."}, Fields: docs(controlFields)},
		{Name: "logs", Intro: logsIntro, Fields: workerDocs(logsFields)},
		{Name: "defaults", Intro: defaultsIntro()},
		{Name: "supervisor", Intro: supervisorIntro, Fields: docs(supervisorFields)},
		{Name: "worker", Intro: workerIntro, Fields: workerDocs(workerFields)},
		{Name: "ready", Intro: []string{"When a worker counts as started: exactly one of the ways below. A supervisor is ready once all its children are."},
			Fields: slices.Concat(docs(readyKinds), []Field{probe}, docs(readyTiming))},
		{Name: "probe", Intro: []string{"A check that `ready:` and `health:` run. It has exactly one of exec, http and tcp, in which `${SUPD_INSTANCE}` may stand."},
			Fields: docs(probeFields)},
		{Name: "health", Intro: []string{"A liveness probe. An unhealthy worker is stopped, and its exit is abnormal with reason `unhealthy`."},
			Fields: slices.Concat([]Field{health}, docs(healthFields))},
		{Name: "backoff", Intro: []string{"The delay before each restart of a worker: `initial`, then each time `factor` times longer up to `max`, spread by ±`jitter`; it starts again from `initial` once the worker has been ready for longer than its supervisor's `period`."},
			Fields: workerDocs(backoffFields)},
	}
}

var fileIntro = []string{
	"The file is found at `--config FILE`, else `$SUPD_CONFIG`, else `./supd.yaml`, else `/etc/supd/supd.yaml`. Relative paths in it resolve against the config file's folder.",
	"`${VAR}` and `${VAR:-default}` in any string are expanded from supd's environment; `$$` is a literal `$`, and a `$` followed by anything but `{` or `$` is left as it is, so `sh -c 'echo $HOME'` works. An unset variable without a default is an error. `${SUPD_INSTANCE}` is not taken from the environment (see worker).",
	"Durations are Go duration strings with a unit (`250ms`, `5s`, `1m30s`); sizes are bytes, or take `KiB`, `MiB` or `GiB`. Unknown fields, wrong types, duplicate keys or sibling names, bad durations, sizes, signals, users and enums are errors. Every error names the file, line and column and the field path, and all errors of a file are reported at once; `supd check` also warns about settings that are valid but cannot work as written.",
}

var logsIntro = []string{
	"At the top level, the log settings of every worker; under `defaults:` or in a worker, its own. A worker's settings are its own block laid over those of `defaults:` over the global one, field by field; a `file` or `dir` in a nearer block hides the other one from the blocks below.",
	"supd never follows a symlink at a log file's path; it creates log files 0640 and refuses an existing log file that is not a regular file of its own uid, and a log folder that another user may write unless it is sticky. A log destination that cannot be written is an error at start.",
}

var supervisorIntro = []string{
	"A node with `children` is a supervisor, one with `command` a worker; both or neither is an error. `root:` is a supervisor without a name.",
}

var workerIntro = []string{
	"A supervised OS process.",
	"With `replicas: N` the node is a supervisor of the worker's name with N identical workers named `0` … `N-1` (paths `web/api/0`, `web/api/1`, …): strategy `one_for_one`, `start: parallel`, `stop: parallel`, `restart: permanent`, the `max_restarts` and `period` of its parent, and the worker's `significant`; every other field applies to each instance. Each instance has `SUPD_INSTANCE` (its number) and `SUPD_REPLICAS` (N) in its environment, and `${SUPD_INSTANCE}` expands to its number in `command`, `env`, `dir`, `logs` (`dir`, `file`) and probe targets (`exec`, `http`, `tcp`); anywhere else, and in a worker without replicas, it is an error. Per-instance log files under a log dir are `<dir>/<path with / as _>.log` (`web_api_0.log`).",
}

// defaultsIntro names the worker fields defaults: may not set from the
// table.
func defaultsIntro() []string {
	var own []string
	for _, f := range workerFields {
		if f.ownOnly != "" {
			own = append(own, "`"+f.name+"`")
		}
	}
	return []string{fmt.Sprintf("Any worker field but %s, applied to every worker that leaves it unset; "+
		"`backoff`, `env` and `logs` merge field by field, `ready` and `health` as whole blocks. Defaults apply to workers only, never to supervisors.",
		strings.Join(own[:len(own)-1], ", ")+" and "+own[len(own)-1])}
}

func docs[T any](fs []field[T]) []Field {
	out := make([]Field, len(fs))
	for i, f := range fs {
		out[i] = f.reference()
	}
	return out
}

func workerDocs(fs []workerField) []Field {
	out := make([]Field, len(fs))
	for i, f := range fs {
		out[i] = f.reference()
		if f.block != nil && f.def == "" && f.note == "" {
			// A block's default is that of its fields.
			var parts []string
			for _, sub := range f.block {
				parts = append(parts, sub.name+": "+sub.def)
			}
			out[i].Default, out[i].Literal = "{"+strings.Join(parts, ", ")+"}", true
		}
	}
	return out
}

func (f fieldDoc) reference() Field {
	r := Field{Name: f.name, Type: f.typ, Meaning: f.doc}
	switch {
	case f.note != "":
		r.Default = f.note
	case f.def != "":
		r.Default, r.Literal = f.def, true
	}
	return r
}
