package config

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"
)

// Worker defaults of SPEC §1.
const (
	DefaultReadyTimeout   = 30 * time.Second
	DefaultStopTimeout    = 10 * time.Second
	DefaultStopSignal     = syscall.SIGTERM
	DefaultBackoffInitial = 100 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
	DefaultBackoffFactor  = 2.0
	DefaultBackoffJitter  = 0.1
)

// workerSpec is a worker's fields as written, or those of `defaults:`. A
// worker is resolved from its own spec laid over the defaults', field by
// field (backoff's, env's and logs' fields one by one), then over the
// built-in defaults.
type workerSpec struct {
	command      opt[Command]
	dir          opt[string] // absolute
	env          map[string]opt[string]
	clearEnv     opt[bool]
	user         opt[userRef]
	group        opt[groupRef]
	restart      opt[Restart]
	successCodes opt[SuccessCodes]
	autostart    opt[bool]
	backoff      backoffSpec
	ready        opt[readyVal]
	readyTimeout opt[time.Duration]
	health       opt[healthVal]
	watchdog     opt[time.Duration]
	stopSignal   opt[syscall.Signal]
	stopTimeout  opt[time.Duration]
	significant  opt[bool]
	logs         logsSpec
}

type backoffSpec struct {
	initial, max   opt[time.Duration]
	factor, jitter opt[float64]
}

var (
	workerFields = []string{
		"name", "command", "dir", "env", "clear_env", "user", "group", "restart",
		"success_codes", "autostart", "backoff", "ready", "ready_timeout", "health",
		"watchdog", "stop_signal", "stop_timeout", "significant", "logs",
	}
	supervisorFields = []string{
		"name", "strategy", "max_restarts", "period", "start", "restart",
		"auto_shutdown", "significant", "children",
	}
	backoffFields = []string{"initial", "max", "factor", "jitter"}
)

// workerSpec decodes the fields of a worker node, or of `defaults:`.
func (d *decoder) workerSpec(entries []entry, l loc, inDefaults bool) workerSpec {
	var w workerSpec
	fs := fieldSet{known: workerFields, elsewhere: func(key string) string {
		if slices.Contains(supervisorFields, key) {
			if inDefaults {
				return fmt.Sprintf("defaults apply to workers only; %s is a supervisor field", key)
			}
			return fmt.Sprintf("%s is a supervisor field, and this node is a worker (it has command)", key)
		}
		return ""
	}}
	if inDefaults {
		fs.known = workerFields[2:]
		inner := fs.elsewhere
		fs.elsewhere = func(key string) string {
			if key == "name" || key == "command" {
				return fmt.Sprintf("%s cannot have a default", key)
			}
			return inner(key)
		}
	}
	for _, e := range d.check(entries, l, fs) {
		fl := l.dot(e.key)
		switch e.key {
		case "name": // decoded by the caller
		case "command":
			if argv, shell, ok := d.argv(e.v, fl); ok {
				w.command = some(Command{Argv: argv, Shell: shell}, e.v)
			}
		case "dir":
			if v, ok := d.nonEmpty(e.v, fl); ok {
				w.dir = some(d.abs(v), e.v)
			}
		case "env":
			w.env = d.envMap(e.v, fl)
		case "clear_env":
			if v, ok := d.boolean(e.v, fl); ok {
				w.clearEnv = some(v, e.v)
			}
		case "user":
			if v, ok := d.nonEmpty(e.v, fl); ok {
				a, err := d.acct.user(v)
				if err != nil {
					d.errorf(e.v, fl, "%v", err)
				} else {
					w.user = some(userRef{v, a}, e.v)
				}
			}
		case "group":
			if v, ok := d.nonEmpty(e.v, fl); ok {
				gid, err := d.acct.group(v)
				if err != nil {
					d.errorf(e.v, fl, "%v", err)
				} else {
					w.group = some(groupRef{v, gid}, e.v)
				}
			}
		case "restart":
			if v, ok := d.restart(e.v, fl); ok {
				w.restart = some(v, e.v)
			}
		case "success_codes":
			if v, ok := d.successCodes(e.v, fl); ok {
				w.successCodes = some(v, e.v)
			}
		case "autostart":
			if v, ok := d.boolean(e.v, fl); ok {
				w.autostart = some(v, e.v)
			}
		case "backoff":
			w.backoff = d.backoff(e.v, fl)
		case "ready":
			if v, ok := d.ready(e.v, fl); ok {
				w.ready = some(v, e.v)
			}
		case "ready_timeout":
			if v, ok := d.duration(e.v, fl, positive); ok {
				w.readyTimeout = some(v, e.v)
			}
		case "health":
			if v, ok := d.health(e.v, fl); ok {
				w.health = some(v, e.v)
			}
		case "watchdog":
			if v, ok := d.duration(e.v, fl, positive); ok {
				w.watchdog = some(v, e.v)
			}
		case "stop_signal":
			if v, ok := d.signal(e.v, fl); ok {
				w.stopSignal = some(v, e.v)
			}
		case "stop_timeout":
			if v, ok := d.duration(e.v, fl, orInfinity); ok {
				w.stopTimeout = some(v, e.v)
			}
		case "significant":
			if v, ok := d.boolean(e.v, fl); ok {
				w.significant = some(v, e.v)
			}
		case "logs":
			w.logs = d.logs(e.v, fl, !inDefaults)
		}
	}
	return w
}

// argv decodes a command: a list is the argv, a string runs under /bin/sh -c.
func (d *decoder) argv(n *yaml.Node, l loc) (argv []string, shell bool, ok bool) {
	nn := deref(n)
	if nn != nil && nn.Kind == yaml.SequenceNode {
		if !d.spend(nn, len(nn.Content)) {
			return nil, false, false
		}
		if len(nn.Content) == 0 {
			d.errorf(n, l, "must not be empty")
			return nil, false, false
		}
		ok = true
		for i, item := range nn.Content {
			s, good := d.str(item, l.index(i))
			if good && i == 0 && strings.TrimSpace(s) == "" {
				d.errorf(item, l.index(i), "the program name must not be empty")
				good = false
			}
			argv = append(argv, s)
			ok = ok && good
		}
		if !ok {
			return nil, false, false
		}
		return argv, false, true
	}
	s, good := d.scalarOrList(n, l)
	if !good {
		return nil, false, false
	}
	if strings.TrimSpace(s) == "" {
		d.errorf(n, l, "must not be empty")
		return nil, false, false
	}
	return []string{"/bin/sh", "-c", s}, true, true
}

// scalarOrList is str with a message that names both accepted forms.
func (d *decoder) scalarOrList(n *yaml.Node, l loc) (string, bool) {
	s, _, ok := d.scalar(n, l, "a list (the argv) or a string (run by /bin/sh -c)")
	return s, ok
}

// envMap decodes `env:`. Values may be any scalar (`PORT: 8080`) and are
// taken as text; a null value is refused rather than guessed.
func (d *decoder) envMap(n *yaml.Node, l loc) map[string]opt[string] {
	entries, ok := d.mapping(n, l)
	if !ok {
		return nil
	}
	env := make(map[string]opt[string], len(entries))
	for _, e := range entries {
		fl := l.dot(e.key)
		if e.key == "" || strings.ContainsAny(e.key, "=\x00") {
			d.errorf(e.k, fl, "%q is not a variable name", e.key)
			continue
		}
		if v := deref(e.v); v != nil && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			d.errorf(e.v, fl, `needs a value (write "" for an empty one)`)
			continue
		}
		if v, ok := d.str(e.v, fl); ok {
			env[e.key] = some(v, e.v)
		}
	}
	return env
}

func (d *decoder) restart(n *yaml.Node, l loc) (Restart, bool) {
	return enum(d, n, l, Permanent, Transient, Temporary)
}

// enum decodes one of a fixed set of words.
func enum[T ~string](d *decoder, n *yaml.Node, l loc, values ...T) (T, bool) {
	words := make([]string, len(values))
	for i, v := range values {
		words[i] = string(v)
	}
	s, tag, ok := d.scalar(n, l, orList(words))
	if !ok {
		return "", false
	}
	for _, v := range values {
		if s == string(v) {
			return v, true
		}
	}
	msg := fmt.Sprintf("must be %s, got %s", orList(words), quoteAs(s, tag))
	if sug := suggest(s, words); sug != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", sug)
	}
	d.errorf(n, l, "%s", msg)
	return "", false
}

// successCodes decodes a list of exit codes (integers) and signal names.
func (d *decoder) successCodes(n *yaml.Node, l loc) (SuccessCodes, bool) {
	nn := deref(n)
	if nn == nil || nn.Kind != yaml.SequenceNode {
		if nn != nil {
			d.errorf(n, l, "must be a list of exit codes and signal names, got %s", describe(nn))
		}
		return SuccessCodes{}, false
	}
	if !d.spend(nn, len(nn.Content)) {
		return SuccessCodes{}, false
	}
	sc := SuccessCodes{Codes: []int{}}
	ok := true
	for i, item := range nn.Content {
		il := l.index(i)
		s, tag, good := d.scalar(item, il, "an exit code or a signal name")
		if !good {
			ok = false
			continue
		}
		if tag == "!!int" || tag == expanded && isDigits(s) {
			code, good := d.count(item, il, 0, 255)
			if good {
				sc.Codes = append(sc.Codes, code)
			}
			ok = ok && good
			continue
		}
		if isDigits(s) {
			d.errorf(item, il, "%q: write an exit code as a number, unquoted; a signal goes by name (e.g. TERM)", s)
			ok = false
			continue
		}
		sig, err := parseSignal(s)
		if err != nil {
			d.errorf(item, il, "%v", err)
			ok = false
			continue
		}
		sc.Signals = append(sc.Signals, sig)
	}
	return sc, ok
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (d *decoder) backoff(n *yaml.Node, l loc) backoffSpec {
	var b backoffSpec
	entries, ok := d.mapping(n, l)
	if !ok {
		return b
	}
	for _, e := range d.check(entries, l, fieldSet{known: backoffFields}) {
		fl := l.dot(e.key)
		switch e.key {
		case "initial":
			if v, ok := d.duration(e.v, fl, nonNegative); ok {
				b.initial = some(v, e.v)
			}
		case "max":
			if v, ok := d.duration(e.v, fl, nonNegative); ok {
				b.max = some(v, e.v)
			}
		case "factor":
			if v, ok := d.number(e.v, fl); ok {
				if v < 1 || v > 1000 {
					d.errorf(e.v, fl, "must be between 1 and 1000, got %v", v)
				} else {
					b.factor = some(v, e.v)
				}
			}
		case "jitter":
			if v, ok := d.number(e.v, fl); ok {
				if v < 0 || v > 1 {
					d.errorf(e.v, fl, "must be between 0 and 1, got %v", v)
				} else {
					b.jitter = some(v, e.v)
				}
			}
		}
	}
	return b
}

// over lays w over the defaults' spec.
func (w workerSpec) over(def workerSpec) workerSpec {
	out := workerSpec{
		command:      w.command,
		dir:          w.dir.or(def.dir),
		clearEnv:     w.clearEnv.or(def.clearEnv),
		user:         w.user.or(def.user),
		group:        w.group.or(def.group),
		restart:      w.restart.or(def.restart),
		successCodes: w.successCodes.or(def.successCodes),
		autostart:    w.autostart.or(def.autostart),
		backoff: backoffSpec{
			initial: w.backoff.initial.or(def.backoff.initial),
			max:     w.backoff.max.or(def.backoff.max),
			factor:  w.backoff.factor.or(def.backoff.factor),
			jitter:  w.backoff.jitter.or(def.backoff.jitter),
		},
		ready:        w.ready.or(def.ready),
		readyTimeout: w.readyTimeout.or(def.readyTimeout),
		health:       w.health.or(def.health),
		watchdog:     w.watchdog.or(def.watchdog),
		stopSignal:   w.stopSignal.or(def.stopSignal),
		stopTimeout:  w.stopTimeout.or(def.stopTimeout),
		significant:  w.significant.or(def.significant),
		logs:         w.logs.over(def.logs),
		env:          make(map[string]opt[string], len(def.env)+len(w.env)),
	}
	for k, v := range def.env {
		out.env[k] = v
	}
	for k, v := range w.env {
		out.env[k] = v
	}
	return out
}

// worker resolves a merged spec into the worker at path, recording the
// position of every field that was written (here or under defaults:).
func (d *decoder) worker(name, path string, w workerSpec, global logsSpec, l loc) *Worker {
	rec := func(field string, o interface{ pos() (pos, bool) }) {
		if p, ok := o.pos(); ok {
			d.record(l.dot(field), p)
		}
	}
	rec("command", w.command)
	rec("dir", w.dir)
	rec("clear_env", w.clearEnv)
	rec("user", w.user)
	rec("group", w.group)
	rec("restart", w.restart)
	rec("success_codes", w.successCodes)
	rec("autostart", w.autostart)
	rec("backoff.initial", w.backoff.initial)
	rec("backoff.max", w.backoff.max)
	rec("backoff.factor", w.backoff.factor)
	rec("backoff.jitter", w.backoff.jitter)
	rec("ready_timeout", w.readyTimeout)
	rec("watchdog", w.watchdog)
	rec("stop_signal", w.stopSignal)
	rec("stop_timeout", w.stopTimeout)
	rec("significant", w.significant)
	logs := w.logs.over(global)
	rec("logs.dir", logs.dir)
	rec("logs.file", logs.file)
	for field, p := range w.ready.v.at {
		if field != "" {
			d.record(l.dot("ready").dot(field), p)
		}
	}
	for field, p := range w.health.v.at {
		if field != "" {
			d.record(l.dot("health").dot(field), p)
		}
	}
	if w.ready.set {
		d.record(l.dot("ready"), w.ready.at)
	}
	if w.health.set {
		d.record(l.dot("health"), w.health.at)
	}

	env := make(map[string]string, len(w.env))
	for k, v := range w.env {
		env[k] = v.v
	}
	cred, err := credential(w.user, w.group, d.acct.self())
	if err != nil {
		d.errorAt(w.user.at, l.dot("user"), "%v", err)
	}
	ready := Ready{Kind: ReadyStarted}
	if w.ready.set {
		ready = w.ready.v.r
	}
	var health *Health
	if w.health.set {
		health = w.health.v.h
	}
	return &Worker{
		Name: name,
		Process: Process{
			Command:  w.command.v,
			Dir:      w.dir.get(d.dir),
			Env:      env,
			ClearEnv: w.clearEnv.get(false),
			User:     cred,
			Ready:    ready,
			Watchdog: w.watchdog.get(0),
			Logs:     logs.resolve(path),
		},
		Tuning: Tuning{
			Restart:      w.restart.get(Permanent),
			SuccessCodes: w.successCodes.get(SuccessCodes{Codes: []int{0}}),
			Autostart:    w.autostart.get(true),
			Backoff: Backoff{
				Initial: w.backoff.initial.get(DefaultBackoffInitial),
				Max:     w.backoff.max.get(DefaultBackoffMax),
				Factor:  w.backoff.factor.get(DefaultBackoffFactor),
				Jitter:  w.backoff.jitter.get(DefaultBackoffJitter),
			},
			ReadyTimeout: w.readyTimeout.get(DefaultReadyTimeout),
			Health:       health,
			StopSignal:   w.stopSignal.get(DefaultStopSignal),
			StopTimeout:  w.stopTimeout.get(DefaultStopTimeout),
			Significant:  w.significant.get(false),
		},
	}
}

func (o opt[T]) pos() (pos, bool) { return o.at, o.set }
