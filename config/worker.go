package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"
)

// workerField is one key of a worker, or of its backoff: or logs: block.
// The table below is the one place that names a worker's fields: their
// decoding, where they may be written, where their value goes, their
// defaults and what the reference says of them.
//
// A worker is resolved in layers: its own fields, then those of defaults:,
// then the global logs:, then the built-in defaults (each field's def).
// Decoded values are therefore kept as written, in a spec, by key: a
// field's name, "backoff.initial" for a field of a block that merges field
// by field, "env.NAME" for a variable.
type workerField struct {
	fieldDoc
	ownOnly  string        // set: only a worker's own block may hold it, and this says why anywhere else
	instance bool          // ${SUPD_INSTANCE} may stand in its value
	hides    string        // writing it hides this sibling in the layers below
	either   bool          // writing it and the field it hides in one block is an error
	block    []workerField // its value is a mapping of these, merged one by one
	each     bool          // its value is a mapping whose entries merge one by one (env)
	decode   func(d *decoder, n *yaml.Node, l loc) (any, bool)
	apply    func(w *Worker, v any) // nil: combined with other fields by decoder.worker
}

// wf makes a worker field whose value, decoded by dec, goes into the worker
// by apply (nil when decoder.worker combines it with others).
func wf[V any](doc fieldDoc, dec func(*decoder, *yaml.Node, loc) (V, bool), apply func(*Worker, V)) workerField {
	f := workerField{fieldDoc: doc}
	if dec != nil {
		f.decode = func(d *decoder, n *yaml.Node, l loc) (any, bool) { return dec(d, n, l) }
	}
	if apply != nil {
		f.apply = func(w *Worker, v any) { apply(w, v.(V)) }
	}
	return f
}

func (f workerField) own(why string) workerField { f.ownOnly = why; return f }
func (f workerField) perInstance() workerField   { f.instance = true; return f }
func (f workerField) entries() workerField       { f.each = true; return f }

const cannotDefault = "cannot have a default"

var workerFields = []workerField{
	wf[string](fieldDoc{"name", "name", "", "required", "`[A-Za-z0-9_.-]+`, unique among siblings"}, nil, nil).own(cannotDefault),
	wf(fieldDoc{"command", "list or string", "", "required", "a list is the argv, run directly (looked up in `PATH`); a string is run by `/bin/sh -c`"},
		func(d *decoder, n *yaml.Node, l loc) (Command, bool) {
			argv, shell, ok := d.argv(n, l)
			return Command{Argv: argv, Shell: shell}, ok
		},
		func(w *Worker, v Command) { w.Command = v }).own(cannotDefault).perInstance(),
	wf(fieldDoc{"dir", "path", ".", "the config's folder", "working directory"},
		absPath, func(w *Worker, v string) { w.Dir = v }).perInstance(),
	wf[string](fieldDoc{"env", "mapping", "{}", "", "variables added to supd's environment (values may be any scalar, taken as text)"},
		(*decoder).envValue, nil).entries().perInstance(),
	wf(fieldDoc{"clear_env", "boolean", "false", "", "start from an empty environment instead of supd's"},
		(*decoder).boolean, func(w *Worker, v bool) { w.ClearEnv = v }),
	wf(fieldDoc{"user", "name or number", "", "supd's", "run as this user (needs root); alone, it also takes the user's primary and supplementary groups and sets `HOME`, `USER`, `LOGNAME` and `SHELL` unless `env` sets them"},
		(*decoder).user, nil),
	wf(fieldDoc{"group", "name or number", "", "supd's", "run with this primary group (needs root)"},
		(*decoder).group, nil),
	wf(fieldDoc{"restart", "permanent, transient or temporary", "permanent", "", "`permanent`: always restarted; `transient`: restarted only after an abnormal exit; `temporary`: never restarted"},
		(*decoder).restart, func(w *Worker, v Restart) { w.Restart = v }),
	wf(fieldDoc{"success_codes", "list of exit codes and signal names", "[0]", "", "exits that count as normal, e.g. `[0, 3, TERM]`; the list replaces the default"},
		(*decoder).successCodes, func(w *Worker, v SuccessCodes) { w.SuccessCodes = v }),
	wf(fieldDoc{"autostart", "boolean", "true", "", "`false`: defined but left stopped until `supctl start`"},
		(*decoder).boolean, func(w *Worker, v bool) { w.Autostart = v }),
	{fieldDoc: fieldDoc{"backoff", "mapping, see backoff", "", "", "the delay before each restart of this worker"},
		block: backoffFields},
	wf(fieldDoc{"ready", "mapping, see ready", "{started: true}", "", "when the worker counts as started"},
		(*decoder).ready, func(w *Worker, v readyVal) { w.Ready = v.r }),
	wf(fieldDoc{"ready_timeout", "duration", "30s", "", "not ready by then: a start failure"},
		durationOf(positive), func(w *Worker, v time.Duration) { w.ReadyTimeout = v }),
	wf(fieldDoc{"health", "mapping, see health", "", "none", "a liveness probe; an unhealthy worker is stopped, and its exit is abnormal"},
		(*decoder).health, func(w *Worker, v healthVal) { w.Health = v.h }),
	wf(fieldDoc{"watchdog", "duration", "", "none", "the worker must send `WATCHDOG=1` over sd_notify at least this often, or it is stopped with SIGABRT"},
		durationOf(positive), func(w *Worker, v time.Duration) { w.Watchdog = v }),
	wf(fieldDoc{"stop_signal", "signal", "TERM", "", "first signal of a stop (a name with or without `SIG`, or a number)"},
		(*decoder).signal, func(w *Worker, v syscall.Signal) { w.StopSignal = v }),
	wf(fieldDoc{"stop_timeout", "duration or infinity", "10s", "", "then SIGKILL; `0s` means SIGKILL at once (OTP's brutal_kill); `infinity` waits forever"},
		durationOf(orInfinity), func(w *Worker, v time.Duration) { w.StopTimeout = v }),
	wf(fieldDoc{"significant", "boolean", "false", "", "its exit without a restart may end its supervisor (see auto_shutdown)"},
		(*decoder).boolean, func(w *Worker, v bool) { w.Significant = v }),
	wf(fieldDoc{"replicas", "integer", "", "none", "N (0 or more): run N identical instances `0` … `N-1` of this worker under a supervisor of its name"},
		countOf(0, MaxReplicas), nil).own(cannotDefault),
	{fieldDoc: fieldDoc{"logs", "mapping, see logs", "", "the global logs", "this worker's own log settings, laid over the global `logs:`"},
		block: logsFields},
}

var backoffFields = []workerField{
	wf(fieldDoc{"initial", "duration", "100ms", "", "the first delay; `0s` restarts at once"},
		durationOf(nonNegative), func(w *Worker, v time.Duration) { w.Backoff.Initial = v }),
	wf(fieldDoc{"max", "duration", "30s", "", "the longest delay"},
		durationOf(nonNegative), func(w *Worker, v time.Duration) { w.Backoff.Max = v }),
	wf(fieldDoc{"factor", "number, 1 to 1000", "2", "", "each delay is the previous one times this"},
		rangeOf(1, 1000), func(w *Worker, v float64) { w.Backoff.Factor = v }),
	wf(fieldDoc{"jitter", "number, 0 to 1", "0.1", "", "each delay is spread by ±this share, so that siblings do not restart in lockstep"},
		rangeOf(0, 1), func(w *Worker, v float64) { w.Backoff.Jitter = v }),
}

// workerIndex finds a field of workerFields by its key in a spec, and
// workerNames are the names of a worker's own fields.
var (
	workerIndex = map[string]*workerField{}
	workerNames []string
)

func init() {
	for _, f := range workerFields {
		workerNames = append(workerNames, f.name)
	}
	var index func(fs []workerField, prefix string)
	index = func(fs []workerField, prefix string) {
		for i := range fs {
			workerIndex[prefix+fs[i].name] = &fs[i]
			index(fs[i].block, prefix+fs[i].name+".")
		}
	}
	index(workerFields, "")
}

// setting is one decoded value of a spec: where it was written (zero for a
// built-in default), and where its first ${SUPD_INSTANCE} stands, if it has
// one.
type setting struct {
	v    any
	at   pos
	mark pos
}

// spec is a worker's fields as written, or those of defaults: or of the
// global logs:, by key (see workerField).
type spec map[string]setting

// get returns the value at key, or V's zero value.
func get[V any](s spec, key string) V {
	v, _ := s[key].v.(V)
	return v
}

// optIn returns the setting at key as an opt.
func optIn[V any](s spec, key string) opt[V] {
	st, ok := s[key]
	v, _ := st.v.(V)
	return opt[V]{set: ok, v: v, at: st.at}
}

// over lays s over base, field by field.
func (s spec) over(base spec) spec {
	out := maps.Clone(base)
	if out == nil {
		out = spec{}
	}
	for k, v := range s {
		if f := workerIndex[k]; f != nil && f.hides != "" {
			delete(out, k[:strings.LastIndexByte(k, '.')+1]+f.hides)
		}
		out[k] = v
	}
	return out
}

// workerBlock returns the fieldSet of a worker block: fields that only a
// worker's own block may hold are refused, with their reason, elsewhere.
func workerBlock(fs []workerField, own bool, elsewhere func(string) string) fieldSet {
	set := fieldSet{elsewhere: elsewhere}
	var refused []*workerField
	for i, f := range fs {
		if own || f.ownOnly == "" {
			set.known = append(set.known, f.name)
		} else {
			refused = append(refused, &fs[i])
		}
	}
	if len(refused) > 0 {
		set.elsewhere = func(key string) string {
			for _, f := range refused {
				if f.name == key {
					return key + " " + f.ownOnly
				}
			}
			if elsewhere != nil {
				return elsewhere(key)
			}
			return ""
		}
	}
	return set
}

// workerSpec decodes the fields of a worker node (own), or of `defaults:`.
func (d *decoder) workerSpec(entries []entry, l loc, own bool) spec {
	elsewhere := func(key string) string {
		if slices.Contains(names(supervisorFields), key) {
			if !own {
				return fmt.Sprintf("defaults apply to workers only; %s is a supervisor field", key)
			}
			return fmt.Sprintf("%s is a supervisor field, and this node is a worker (it has command)", key)
		}
		return ""
	}
	s := spec{}
	for _, e := range d.check(entries, l, workerBlock(workerFields, own, elsewhere)) {
		d.put(workerIndex[e.key], e.v, l.dot(e.key), e.key, s, own)
	}
	return s
}

// put decodes the value n of field f into s under key.
func (d *decoder) put(f *workerField, n *yaml.Node, l loc, key string, s spec, own bool) {
	switch {
	case f.block != nil:
		entries, ok := d.mapping(n, l)
		if !ok {
			return
		}
		for _, e := range d.check(entries, l, workerBlock(f.block, own, nil)) {
			d.put(workerIndex[key+"."+e.key], e.v, l.dot(e.key), key+"."+e.key, s, own)
		}
		for _, sub := range f.block {
			k := key + "." + sub.name
			_, this := s[k]
			if _, other := s[key+"."+sub.hides]; sub.either && this && other {
				d.errorAt(s[k].at, l.dot(sub.name), "set either %s or %s, not both", sub.hides, sub.name)
			}
		}
	case f.each:
		entries, ok := d.mapping(n, l)
		if !ok {
			return
		}
		for _, e := range entries {
			d.putValue(f, e.v, l.dot(e.key), key+"."+e.key, s, e.k)
		}
	case f.decode != nil:
		d.putValue(f, n, l, key, s, nil)
	}
}

// putValue decodes one value of f. k is its key's node when the key itself
// is checked by the decoder (a variable's name).
func (d *decoder) putValue(f *workerField, n *yaml.Node, l loc, key string, s spec, k *yaml.Node) {
	if k != nil {
		name := key[strings.IndexByte(key, '.')+1:]
		if name == "" || strings.ContainsAny(name, "=\x00") {
			d.errorf(k, l, "%q is not a variable name", name)
			return
		}
	}
	d.instField = f.instance
	v, ok := f.decode(d, n, l)
	d.instField = false
	mark := d.markAt
	d.markAt = pos{}
	if ok {
		s[key] = setting{v: v, at: posOf(n), mark: mark}
	}
}

// builtin is the spec of the built-in defaults, decoded from the tables.
func (d *decoder) builtin() spec {
	if d.defaults != nil {
		return d.defaults
	}
	ld := literalDecoder(d.dir)
	s := spec{}
	var walk func(fs []workerField, prefix string)
	walk = func(fs []workerField, prefix string) {
		for i, f := range fs {
			if f.def != "" {
				ld.put(&fs[i], literal(f.def), loc{field: prefix + f.name}, prefix+f.name, s, true)
			}
			walk(f.block, prefix+f.name+".")
		}
	}
	walk(workerFields, "")
	if len(ld.errs) > 0 {
		panic(fmt.Sprintf("config: a worker default does not decode: %v", ld.errs))
	}
	for k, v := range s {
		v.at = pos{}
		s[k] = v
	}
	d.defaults = s
	return s
}

// positioned is a value that keeps the positions of its own fields (ready:
// and health:), so that they travel with it when it is inherited.
type positioned interface{ positions() map[string]pos }

// worker resolves a merged spec into the worker named name, recording the
// position of every field that was written (here or under defaults:).
// logPath names its log file under a log dir.
func (d *decoder) worker(name, logPath string, s spec, l loc) *Worker {
	w := &Worker{Name: name, Process: Process{Env: map[string]string{}}}
	for _, key := range slices.Sorted(maps.Keys(s)) {
		st := s[key]
		if st.at != (pos{}) {
			d.record(l.dot(key), st.at)
			if p, ok := st.v.(positioned); ok {
				for field, at := range p.positions() {
					d.record(l.dot(key).dot(field), at)
				}
			}
		}
		if name, ok := strings.CutPrefix(key, "env."); ok {
			w.Env[name] = st.v.(string)
		} else if f := workerIndex[key]; f != nil && f.apply != nil {
			f.apply(w, st.v)
		}
	}
	user := optIn[userRef](s, "user")
	cred, err := credential(user, optIn[groupRef](s, "group"), d.acct.self())
	if err != nil {
		d.errorAt(user.at, l.dot("user"), "%v", err)
	}
	w.User = cred
	w.Logs = resolveLogs(s, logPath, w.Logs)
	return w
}
