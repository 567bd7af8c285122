package importer

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// svProgram reads one [program:x] section.
type svProgram struct {
	s     *svImport
	sec   *iniSection
	name  string // the program's name, for %(program_name)s
	group string // its group's name, for %(group_name)s
	w     *Worker
	ok    bool
	names *pyNames // the dictionary of the settings read per process
}

// get returns a key of the section (or of [DEFAULT]).
func (p *svProgram) get(key string) (*iniKey, bool) { return p.sec.get(key, p.s.c.defaults) }

// baseNames is the dictionary of the settings supervisord reads once per
// program, before the per-process ones.
func (p *svProgram) baseNames(k *iniKey) *pyNames {
	x := p.s.baseNames(k)
	x.vals["program_name"] = pyValue{s: p.name}
	x.vals["group_name"] = pyValue{s: p.group}
	return x
}

// str returns a setting read once per program, or def.
func (p *svProgram) str(key, def string) (string, *iniKey) {
	k, ok := p.get(key)
	if !ok {
		return def, nil
	}
	v, good := p.s.static(k, p.baseNames(k))
	p.ok = p.ok && good
	return v, k
}

func (p *svProgram) int(key string, def int) (int, *iniKey) { return parsed(p, key, def, svInt) }

func (p *svProgram) bool(key string, def bool) (bool, *iniKey) { return parsed(p, key, def, svBool) }

// parsed returns a setting read once per program, parsed, or def.
func parsed[T any](p *svProgram, key string, def T, parse func(*svImport, *iniKey, string) (T, bool)) (T, *iniKey) {
	v, k := p.str(key, "")
	if k == nil {
		return def, nil
	}
	x, ok := parse(p.s, k, v)
	p.ok = p.ok && ok
	return x, k
}

// expand reads a per-process setting, nil when it is unset.
func (p *svProgram) expand(key string) (text, *iniKey) {
	k, ok := p.get(key)
	if !ok {
		return nil, nil
	}
	x := *p.names
	x.vals = make(map[string]pyValue, len(p.names.vals))
	for n, v := range p.names.vals {
		x.vals[n] = v
	}
	here := p.s.baseNames(k).vals["here"]
	x.vals["here"] = here
	t, good := p.s.expand(k, &x)
	p.ok = p.ok && good
	if !good {
		return nil, nil
	}
	return t, k
}

func (p *svProgram) note(field, format string, args ...any) {
	p.w.Notes.add(field, fmt.Sprintf(format, args...))
}

// program translates [program:name] of the given group into a worker.
func (s *svImport) program(sec *iniSection, name, group string) (svChild, bool) {
	p := &svProgram{s: s, sec: sec, name: name, group: group, w: &Worker{Name: safeName(name)}, ok: true}
	w := p.w
	p.note("", "[%s] %s", sec.name, s.where(sec.file, sec.line))
	if w.Name != name {
		p.note("name", "supd names may hold only letters, digits, _ . and -: %q is renamed.", name)
	}
	for _, k := range sec.keys {
		if !slices.Contains(svProgramKeys, k.name) {
			s.unknownKey(sec, k)
			p.note("", "%s=%s: not a supervisord setting; not imported.", k.name, k.value)
		}
	}

	priority, _ := p.int("priority", svPriority)
	numprocs, _ := p.int("numprocs", 1)
	start, startKey := p.int("numprocs_start", 0)
	startsecs, startsecsKey := p.int("startsecs", svStartsecs)
	retries, _ := p.int("startretries", svStartretries)
	if !p.ok {
		return svChild{}, false
	}
	if numprocs < 0 || startsecs < 0 || retries < 0 {
		s.r.errorf(sec.file, sec.line, "[%s]: numprocs, startsecs and startretries must not be negative", sec.name)
		return svChild{}, false
	}

	// The per-process settings see process_num and numprocs; under
	// numprocs > 1 the process number is each instance's.
	p.names = p.baseNames(&iniKey{file: sec.file})
	p.names.vals["numprocs"] = pyValue{num: true, n: numprocs}
	if numprocs > 1 {
		p.names.vals["process_num"] = pyValue{inst: &instance{offset: start}}
	} else {
		p.names.vals["process_num"] = pyValue{num: true, n: start}
	}
	if numprocs != 1 {
		w.Replicas = ptr(numprocs)
		pname, _ := p.get("process_name")
		how := "%(program_name)s"
		if pname != nil {
			how = pname.value
		}
		path := w.Name
		if group != name {
			path = safeName(group) + "/" + w.Name
		}
		p.note("replicas", "numprocs=%d. supervisord named the processes %s; supd names the instances %s/0 … %s/%d "+
			"and gives each SUPD_INSTANCE (0 …) and SUPD_REPLICAS in its environment.", numprocs, how, path, path, max(numprocs-1, 0))
		if start != 0 {
			p.note("replicas", "numprocs_start=%d: supervisord numbered them from %d, supd from 0; where the number is "+
				"written below, it is SUPD_INSTANCE + %d.", start, start, start)
		}
	} else if startKey != nil {
		p.note("", "numprocs_start=%d with a single process only sets %%(process_num)s, written out below.", start)
	}
	if pname, ok := p.get("process_name"); ok && numprocs == 1 {
		if t, k := p.expand("process_name"); k != nil {
			if v, _ := t.static(); v != name {
				p.note("name", "process_name=%s: supd knows a worker by its path, here %s.", pname.value, w.Name)
			}
		}
	}

	if b, k := p.bool("autostart", true); k != nil && !b {
		w.Autostart = ptr(false)
	}
	env := p.environment()
	p.restart(retries, startsecs)
	p.readiness(startsecs, startsecsKey)
	p.stopping()
	p.user()
	p.directory()
	umask, _ := p.str("umask", "")
	p.command(env, umask)
	p.logs(numprocs)
	if !p.ok {
		return svChild{}, false
	}
	c := svChild{name: name, priority: priority, node: Node{Worker: w}}
	if w.Restart != "temporary" {
		b := supdBackoff(s.f.Defaults.Backoff)
		c.budget = []childBudget{{name: w.Name, retries: retries, set: w.Replicas != nil, instances: numprocs, backoff: b, run: seconds(startsecs)}}
	}
	return c, true
}

// svEnv is one variable of an environment= setting.
type svEnv struct {
	name   string
	value  text
	static bool
}

// envList reads KEY=value,KEY2="value 2" as supervisord's
// dict_of_key_value_pairs does: shlex tokens, three for each variable, and
// whatever one token after them (the comma) skipped.
func (s *svImport) envList(k *iniKey, t text) []svEnv {
	flat, held := t.flatten()
	toks, err := shlexEnv.tokens(flat)
	if err != nil {
		s.r.errorf(k.file, k.line, "environment: %v in %q", err, k.value)
		return nil
	}
	var env []svEnv
	for i := 0; i < len(toks); i += 4 {
		if i+2 >= len(toks) || toks[i+1] != "=" {
			s.r.errorf(k.file, k.line, "environment: expected KEY=value pairs separated by commas (quote a value with other characters), got %q", k.value)
			return nil
		}
		name, ok := unflatten(toks[i], held).static()
		if !ok || name == "" {
			s.r.errorf(k.file, k.line, "environment: %q is not a variable name", toks[i])
			return nil
		}
		v := unflatten(toks[i+2], held)
		_, static := v.static()
		e := svEnv{name: name, value: v, static: static}
		if j := slices.IndexFunc(env, func(x svEnv) bool { return x.name == name }); j >= 0 {
			env[j] = e
		} else {
			env = append(env, e)
		}
	}
	return env
}

// environment reads environment= into w.Env, and returns the variables
// only a shell can compute (an instance number formatted as supd does not).
// The ENV_ names of the settings read after it stand for its values.
func (p *svProgram) environment() (shell []svEnv) {
	t, k := p.expand("environment")
	if k == nil {
		return nil
	}
	for _, e := range p.s.envList(k, t) {
		p.names.vals["ENV_"+e.name] = textValue(e.value)
		v, ok := e.value.supd()
		if !ok {
			shell = append(shell, e)
			p.note("command", "environment= sets %s to %s, an instance number supd cannot format: the shell computes it.", e.name, e.value)
			continue
		}
		p.w.Env = setEnv(p.w.Env, e.name, v)
	}
	return shell
}

// restart maps autorestart and exitcodes.
func (p *svProgram) restart(retries, startsecs int) {
	w := p.w
	v, k := p.str("autorestart", "unexpected")
	switch strings.ToLower(v) {
	case "unexpected":
		// The default under defaults:.
	case "true", "yes", "on", "1":
		w.Restart = "permanent"
	case "false", "no", "off", "0":
		w.Restart = "temporary"
		if startsecs > 0 && retries > 0 {
			p.note("restart", "autorestart=false: supervisord still retries a start that fails within startsecs "+
				"(up to startretries times); supd retries no start of a temporary worker.")
		}
	default:
		p.s.r.errorf(k.file, k.line, "autorestart: %q is not true, false or unexpected", v)
		p.ok = false
	}
	codes, k := p.str("exitcodes", "0")
	if k == nil {
		return
	}
	list := []string{}
	for _, c := range strings.Split(codes, ",") {
		if c = strings.TrimSpace(c); c == "" && len(strings.Split(codes, ",")) == 1 {
			continue
		}
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > 255 {
			p.s.r.errorf(k.file, k.line, "exitcodes: %q is not a list of exit codes 0-255", codes)
			p.ok = false
			return
		}
		list = append(list, strconv.Itoa(n))
	}
	if !slices.Equal(list, []string{"0"}) {
		w.SuccessCodes = list
	}
}

// readiness maps startsecs.
func (p *svProgram) readiness(startsecs int, k *iniKey) {
	if k == nil || startsecs == svStartsecs {
		return
	}
	w := p.w
	if startsecs == 0 {
		w.Ready = &Ready{}
		p.note("ready", "startsecs=0: running as soon as it has started.")
		return
	}
	w.Ready = &Ready{After: ptr(seconds(startsecs))}
	if startsecs >= 30 {
		w.ReadyTimeout = seconds(startsecs + 30)
		p.note("ready_timeout", "supervisord has no start timeout; supd's (30s by default) must be longer than startsecs.")
	}
}

// stopping maps stopsignal, stopwaitsecs, stopasgroup and killasgroup.
func (p *svProgram) stopping() {
	w := p.w
	if v, k := p.str("stopsignal", svStopSignal); k != nil {
		sig, err := signalWord(v)
		if err != nil {
			p.s.r.errorf(k.file, k.line, "stopsignal: %v", err)
			p.ok = false
		} else if sig != svStopSignal {
			w.StopSignal = sig
		}
	}
	if n, k := p.int("stopwaitsecs", svStopwait); k != nil && n != svStopwait {
		w.StopTimeout = ptr(seconds(n))
	}
	stopGroup, k1 := p.bool("stopasgroup", false)
	killGroup, k2 := p.bool("killasgroup", stopGroup)
	switch {
	case k1 != nil || k2 != nil:
		word := "stopasgroup"
		if k1 == nil {
			word = "killasgroup"
		}
		if stopGroup || killGroup {
			p.note("stop_signal", "%s=true: supd always signals the worker's whole process group (and cgroup), "+
				"and SIGKILLs what is left after stop_timeout.", word)
		} else {
			p.note("stop_signal", "%s=false: supervisord signals only the program's own process; supd always signals "+
				"its whole process group (and cgroup), so that nothing it started outlives its stop.", word)
		}
	}
}

func (p *svProgram) user() {
	if v, k := p.str("user", ""); k != nil && v != "" {
		p.w.User = lit(v)
		p.note("user", "supd also sets HOME, USER, LOGNAME and SHELL from the user's passwd entry; supervisord keeps its own.")
	}
}

func (p *svProgram) directory() {
	t, k := p.expand("directory")
	if k == nil {
		return
	}
	v, ok := t.supd()
	if !ok {
		p.note("dir", "supervisord wrote the instance number as %s; supd writes ${SUPD_INSTANCE}, from 0.", t)
	}
	p.w.Dir = v
	if s, static := t.static(); static && !filepath.IsAbs(s) {
		p.note("dir", "Relative: supervisord found it from its own working folder, supd from this file's folder.")
	}
}

// command splits command= as supervisord does (shlex.split) into the argv,
// or writes a /bin/sh command when a shell must compute part of it.
func (p *svProgram) command(shellEnv []svEnv, umask string) {
	t, k := p.expand("command")
	if k == nil {
		p.s.r.errorf(p.sec.file, p.sec.line, "[%s] has no command", p.sec.name)
		p.ok = false
		return
	}
	flat, held := t.flatten()
	toks, err := shlexSplit.tokens(flat)
	if err != nil {
		p.s.r.errorf(k.file, k.line, "command: %v in %q", err, k.value)
		p.ok = false
		return
	}
	if len(toks) == 0 {
		p.s.r.errorf(k.file, k.line, "command is empty")
		p.ok = false
		return
	}
	words := make([]text, len(toks))
	needShell := len(shellEnv) > 0 || umask != ""
	env := false
	for i, tok := range toks {
		words[i] = unflatten(tok, held)
		if _, ok := words[i].supd(); !ok {
			needShell = true
		}
		for _, pc := range words[i] {
			env = env || pc.env != ""
		}
	}
	if env {
		p.note("command", "supervisord split the command after inserting %%(ENV_…)s, so a value with spaces became several arguments; "+
			"here each stays one argument.")
	}
	if !needShell {
		argv := make([]string, len(words))
		for i, w := range words {
			argv[i], _ = w.supd()
		}
		p.w.Command = Command{Argv: argv}
		return
	}
	var b strings.Builder
	if umask != "" {
		if _, err := strconv.ParseUint(umask, 8, 32); err != nil {
			k, _ := p.get("umask")
			p.s.r.errorf(k.file, k.line, "umask: %q is not an octal number", umask)
			p.ok = false
			return
		}
		fmt.Fprintf(&b, "umask %s; ", umask)
		p.note("command", "umask=%s: supd has no umask setting, so the shell sets it before it runs the program.", umask)
	}
	for _, e := range shellEnv {
		fmt.Fprintf(&b, "export %s=%s; ", e.name, e.value.shell())
	}
	b.WriteString("exec")
	for _, w := range words {
		b.WriteString(" " + w.shell())
		if _, ok := w.supd(); !ok {
			p.note("command", "%s: a shell computes the instance number as supervisord formatted it.", w)
		}
	}
	p.w.Command = Command{Shell: b.String()}
}
