package importer

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// svImport is one import of a supervisord config and its includes.
type svImport struct {
	main   string // the main file as given
	dir    string // its folder, absolute
	c      *ini
	r      *report
	opt    Options
	f      *File
	env    map[string]text // [supervisord] environment=, which ENV_ names stand for as written
	logDir string          // [supervisord] childlogdir=, "" when unset
	// logFiles maps each log file a worker writes to that worker, as supd
	// refuses two writers of one file.
	logFiles  map[string]string
	autoLogs  []string // programs whose output went to AUTO log files
	noFile    []*Logs  // logs of programs that kept none, which turn off a global dir
	writeLogs bool     // some worker writes a log file
}

// supervisord's defaults for what a [program:x] leaves unset (its docs and
// options.py), where supd's differ.
const (
	svStartsecs    = 1
	svStartretries = 3
	svStopwait     = 10
	svPriority     = 999
	svLogMaxBytes  = 50 << 20
	svLogBackups   = 10
	svStopSignal   = "TERM"
)

var svProgramKeys = []string{
	"command", "process_name", "numprocs", "numprocs_start", "priority", "autostart",
	"startsecs", "startretries", "autorestart", "exitcodes", "stopsignal", "stopwaitsecs",
	"stopasgroup", "killasgroup", "user", "redirect_stderr",
	"stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups",
	"stdout_capture_maxbytes", "stdout_events_enabled", "stdout_syslog",
	"stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups",
	"stderr_capture_maxbytes", "stderr_events_enabled", "stderr_syslog",
	"environment", "directory", "umask", "serverurl",
}

// svDaemonNotes says what supd does instead of each [supervisord] setting
// it has no field for.
var svDaemonNotes = map[string]string{
	"nodaemon":         "supd always runs in the foreground, under systemd or as a container's PID 1.",
	"logfile":          "supd writes its own log to stderr, set by --log-format and --log-level.",
	"logfile_maxbytes": "supd writes its own log to stderr, set by --log-format and --log-level.",
	"logfile_backups":  "supd writes its own log to stderr, set by --log-format and --log-level.",
	"loglevel":         "supd writes its own log to stderr, set by --log-format and --log-level.",
	"silent":           "supd writes its own log to stderr, set by --log-format and --log-level.",
	"pidfile":          "supd writes no pid file; systemd and supctl find it without one.",
	"umask":            "supd's workers inherit supd's umask (systemd's UMask=); a program's own umask= is imported.",
	"user":             "supd runs as the user who starts it (systemd's User=); each program's user= is imported.",
	"minfds":           "supd raises no limits; set LimitNOFILE= and LimitNPROC= in its systemd unit.",
	"minprocs":         "supd raises no limits; set LimitNOFILE= and LimitNPROC= in its systemd unit.",
	"nocleanup":        "supd never removes log files when it starts.",
	"strip_ansi":       "supd keeps workers' output as it is.",
	"identifier":       "supd has no identifier; its socket path tells one supd from another.",
}

// svNote is one note about [supervisord] settings.
type svNote struct {
	keys []string
	msg  string
}

// svOtherSections says what supd offers instead of each section that has
// no equivalent.
var svOtherSections = map[string]string{
	"unix_http_server": "supctl talks to supd's control socket (control.socket); instead of chmod and chown, " +
		"control.mode and control.group say who may use it, checked by peer credentials rather than a password",
	"inet_http_server": "supd's control API is on its unix socket only; control.http serves a read-only " +
		"/metrics, /healthz and /readyz on TCP",
	"supervisorctl": "supctl finds the socket in --socket or $SUPD_SOCKET; it needs no password",
	"rpcinterface":  "supd's control API is HTTP with JSON bodies on its socket (SPEC §4); it has no plugins",
	"ctlplugin":     "supctl has no plugins; its commands and -o json cover the control API",
	"eventlistener": "supd has no event listener protocol: `supctl events -f -o json` streams every change of state, with its cause, as JSON lines",
	"fcgi-program":  "supd does not open sockets for its workers: let the program bind its own, or use a systemd socket unit",
}

func importSupervisord(path string, data []byte, opt Options, r *report) *File {
	abs, err := filepath.Abs(path)
	if err != nil {
		r.errorf(path, 0, "%v", err)
		return nil
	}
	s := &svImport{
		main: path, dir: filepath.Dir(abs), c: newINI(), r: r, opt: opt,
		f: &File{}, env: map[string]text{}, logFiles: map[string]string{},
	}
	s.c.read(path, data, r)
	if len(r.errs) > 0 {
		return nil
	}
	s.includes()
	if len(r.errs) > 0 {
		return nil
	}
	s.f.Defaults = &Worker{
		Restart: "transient",
		Backoff: &Backoff{Initial: ptr(time.Second)},
		Ready:   &Ready{After: ptr(seconds(svStartsecs))},
	}
	d := &s.f.Defaults.Notes
	d.add("", "supervisord's defaults for what a [program:x] leaves unset, where supd's differ.")
	d.add("restart", "autorestart=unexpected: restarted after an exit whose code is not in exitcodes.")
	d.add("backoff", "supervisord waits 1s, 2s, 3s… before it retries a failed start; supd waits from 1s, "+
		"doubling up to 30s, before each restart.")
	d.add("ready", "startsecs=1: running once it has stayed up for a second.")
	s.daemon()
	if s.f.Defaults.Dir == "" {
		d.add("", "A program without directory= ran in supervisord's working folder (/ under an init system); "+
			"a worker without dir runs in the folder of this file.")
	}
	s.tree()
	if len(r.errs) > 0 {
		return nil
	}
	s.logDefaults()
	return s.f
}

// where names a line of the main file or an include, relative to the main
// file's folder, for notes.
func (s *svImport) where(file string, line int) string {
	name := filepath.Base(file)
	if file != s.main {
		name = file
		if rel, err := filepath.Rel(filepath.Dir(s.main), file); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
	}
	if line == 0 {
		return name
	}
	return fmt.Sprintf("%s:%d", name, line)
}

// includes reads the files of [include] files=, as supervisord does: globs
// relative to the main file's folder, each sorted, none followed further.
func (s *svImport) includes() {
	sec, ok := s.c.byName["include"]
	if !ok {
		return
	}
	for _, k := range sec.keys {
		if k.name != "files" {
			s.unknownKey(sec, k)
		}
	}
	k, ok := sec.by["files"]
	if !ok {
		s.r.errorf(sec.file, sec.line, "[include] needs files = GLOB...")
		return
	}
	names := s.baseNames(k)
	names.env = nil // the globs are resolved now, from the importing user's environment
	for env, v := range environ(s.opt.Env) {
		names.vals["ENV_"+env] = pyValue{s: v}
	}
	t, ok := s.expand(k, names)
	if !ok {
		return
	}
	files, _ := t.static()
	var read []string
	for _, pattern := range strings.Fields(files) {
		if !filepath.IsAbs(pattern) {
			pattern = filepath.Join(s.dir, pattern)
		}
		matches, err := pyGlob(pattern)
		if err != nil {
			s.r.errorf(k.file, k.line, "[include] files: %q: %v", pattern, err)
			continue
		}
		if len(matches) == 0 {
			s.r.warnf(k.file, k.line, "[include] files: no file matches %q", pattern)
			continue
		}
		for _, m := range matches {
			m = s.given(m)
			data, err := os.ReadFile(m)
			if err != nil {
				s.r.errorf(k.file, k.line, "[include] files: %v", err)
				continue
			}
			if !textFile(m, data, s.r) {
				continue
			}
			before := len(sec.keys)
			line := sec.by["files"].line
			s.c.read(m, data, s.r)
			read = append(read, s.where(m, 0))
			if len(sec.keys) != before || sec.by["files"].line != line || sec.by["files"].file != k.file {
				s.r.warnf(m, 0, "its [include] section is not followed: supervisord reads [include] only from the main file")
				s.f.Head = append(s.f.Head, fmt.Sprintf("%s: its [include] section is not followed, as supervisord reads [include] only from the main file.", s.where(m, 1)))
				sec.by["files"] = k
			}
		}
	}
	if len(read) > 0 {
		s.f.Head = append(s.f.Head, fmt.Sprintf("[include] files = %s (%s): read %s.", k.value, s.where(k.file, k.line), andList(read)))
	}
}

// given writes a path found from the main file's folder the way the main
// file was named, so that messages name it as the user would.
func (s *svImport) given(p string) string {
	if rel, err := filepath.Rel(s.dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join(filepath.Dir(s.main), rel)
	}
	return p
}

// environ lists an environment lookup's variables; a lookup that is not
// the process's own is read through os.Environ's names.
func environ(lookup func(string) (string, bool)) map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if v, ok := lookup(name); ok {
			out[name] = v
		}
	}
	return out
}

// pyGlob is Python's glob.glob, sorted: like filepath.Glob, except that a
// wildcard does not match a name that starts with a dot.
func pyGlob(pattern string) ([]string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(filepath.Clean(pattern), string(filepath.Separator))
	var out []string
	for _, m := range matches {
		got := strings.Split(filepath.Clean(m), string(filepath.Separator))
		hidden := false
		for i := range min(len(parts), len(got)) {
			if !strings.HasPrefix(parts[i], ".") && strings.HasPrefix(got[i], ".") {
				hidden = true
			}
		}
		if !hidden {
			if fi, err := os.Stat(m); err == nil && !fi.IsDir() {
				out = append(out, m)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// baseNames is the dictionary every value of a section is expanded with:
// here (the folder of the key's file), host_node_name and ENV_*.
func (s *svImport) baseNames(k *iniKey) *pyNames {
	x := &pyNames{vals: map[string]pyValue{
		"here":           {s: filepath.Dir(absPath(k.file))},
		"host_node_name": {s: s.opt.Hostname},
	}, env: func(string) bool { return true }}
	for name, t := range s.env {
		x.vals["ENV_"+name] = textValue(t)
	}
	return x
}

// textValue is what an ENV_ name set by the file stands for.
func textValue(t text) pyValue {
	if v, ok := t.static(); ok {
		return pyValue{s: v}
	}
	return pyValue{t: t}
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// expand expands a key's value, reporting a bad format at its line.
func (s *svImport) expand(k *iniKey, x *pyNames) (text, bool) {
	t, err := pyExpand(k.value, x)
	if err != nil {
		s.r.errorf(k.file, k.line, "%s: %v", k.name, err)
		return nil, false
	}
	return t, true
}

// static expands a key whose value must be known now.
func (s *svImport) static(k *iniKey, x *pyNames) (string, bool) {
	t, ok := s.expand(k, x)
	if !ok {
		return "", false
	}
	v, ok := t.static()
	if !ok {
		s.r.errorf(k.file, k.line, "%s: %q must not depend on the environment or the process number", k.name, k.value)
	}
	return strings.TrimSpace(v), ok
}

func (s *svImport) unknownKey(sec *iniSection, k *iniKey) {
	s.r.warnf(k.file, k.line, "[%s] %s: supervisord has no such setting; not imported", sec.name, k.name)
}

// daemon reads [supervisord]: the environment and log folder of every
// program, and notes for the rest.
func (s *svImport) daemon() {
	sec, ok := s.c.byName["supervisord"]
	if !ok {
		return
	}
	var notes []svNote
	nodaemon := false
	if k, ok := sec.by["nodaemon"]; ok {
		if v, ok := s.static(k, s.baseNames(k)); ok {
			nodaemon, _ = svBool(s, k, v)
		}
	}
	for _, k := range sec.keys {
		x := s.baseNames(k)
		switch k.name {
		case "environment":
			t, ok := s.expand(k, x)
			if !ok {
				continue
			}
			env := s.envList(k, t)
			for _, e := range env {
				s.env[e.name] = e.value
			}
			for _, e := range env {
				v, _ := e.value.supd()
				s.f.Defaults.Env = setEnv(s.f.Defaults.Env, e.name, v)
			}
			s.f.Defaults.Notes.add("env", fmt.Sprintf("[supervisord] environment= (%s), for every program.", s.where(k.file, k.line)))
		case "childlogdir":
			if v, ok := s.static(k, x); ok {
				s.logDir = v
			}
		case "directory":
			v, ok := s.static(k, x)
			if !ok {
				continue
			}
			if nodaemon {
				notes = append(notes, svNote{[]string{"directory"}, "supervisord changes to it only when it daemonizes, and nodaemon=true."})
				continue
			}
			s.f.Defaults.Dir = lit(v)
			s.f.Defaults.Notes.add("dir", "[supervisord] directory=: supervisord changes to it when it daemonizes, and its programs start there.")
		default:
			msg, known := svDaemonNotes[k.name]
			if !known {
				s.unknownKey(sec, k)
				msg = "not a supervisord setting; not imported."
			}
			if i := slices.IndexFunc(notes, func(n svNote) bool { return n.msg == msg }); i >= 0 {
				notes[i].keys = append(notes[i].keys, k.name)
			} else {
				notes = append(notes, svNote{[]string{k.name}, msg})
			}
		}
	}
	for _, n := range notes {
		s.f.Head = append(s.f.Head, fmt.Sprintf("[supervisord] %s (%s): %s", strings.Join(n.keys, ", "), s.where(sec.file, sec.line), n.msg))
	}
}

// svChild is a child of the root or of a group, with what orders it.
type svChild struct {
	name     string
	priority int
	node     Node
	budget   []childBudget // what it brings to its supervisor's intensity
}

// tree builds the root from the groups and programs, in priority order.
func (s *svImport) tree() {
	grouped := map[string]bool{}
	var top []svChild
	for _, sec := range s.c.sections {
		kind, name, _ := strings.Cut(sec.name, ":")
		switch {
		case kind == "group" && name != "":
			if g, ok := s.group(sec, name, grouped); ok {
				top = append(top, g)
			}
		case kind == "program" && name != "", kind == "supervisord", kind == "include":
		case svOtherSections[kind] != "":
			s.otherSection(sec, kind)
		default:
			s.r.warnf(sec.file, sec.line, "[%s]: supervisord has no such section; not imported", sec.name)
			s.f.Head = append(s.f.Head, fmt.Sprintf("[%s] (%s): not a supervisord section; not imported.", sec.name, s.where(sec.file, sec.line)))
		}
	}
	for _, sec := range s.c.sections {
		kind, name, _ := strings.Cut(sec.name, ":")
		if kind == "program" && name != "" && !grouped[name] {
			if p, ok := s.program(sec, name, name); ok {
				top = append(top, p)
			}
		}
	}
	root := &Supervisor{}
	s.children(root, top, true)
	s.f.Root = root
}

// otherSection notes a section supd has no place for; one that runs a
// process is also a warning.
func (s *svImport) otherSection(sec *iniSection, kind string) {
	msg := fmt.Sprintf("[%s] (%s) is not imported: %s.", sec.name, s.where(sec.file, sec.line), svOtherSections[kind])
	s.f.Head = append(s.f.Head, msg)
	if kind == "eventlistener" || kind == "fcgi-program" {
		s.r.warnf(sec.file, sec.line, "[%s] runs a process, and supd has no equivalent: not imported", sec.name)
	}
}

// group builds a [group:g] into a supervisor of its programs.
func (s *svImport) group(sec *iniSection, name string, grouped map[string]bool) (svChild, bool) {
	x := s.baseNames(&iniKey{file: sec.file})
	priority := svPriority
	var programs []string
	var notes Notes
	for _, k := range sec.keys {
		x = s.baseNames(k)
		switch k.name {
		case "programs":
			v, ok := s.static(k, x)
			if !ok {
				return svChild{}, false
			}
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					programs = append(programs, p)
				}
			}
		case "priority":
			v, ok := s.static(k, x)
			if !ok {
				return svChild{}, false
			}
			n, ok := svInt(s, k, v)
			if !ok {
				return svChild{}, false
			}
			priority = n
		default:
			s.unknownKey(sec, k)
			notes.add("", fmt.Sprintf("%s=%s: not a supervisord setting; not imported.", k.name, k.value))
		}
	}
	if _, ok := sec.by["programs"]; !ok {
		s.r.errorf(sec.file, sec.line, "[%s] needs programs = NAME,...", sec.name)
		return svChild{}, false
	}
	var members []svChild
	for _, p := range programs {
		psec, isProgram := s.c.byName["program:"+p]
		if _, fcgi := s.c.byName["fcgi-program:"+p]; fcgi && !isProgram {
			grouped[p] = true
			notes.add("", fmt.Sprintf("%s is an [fcgi-program:], which is not imported.", p))
			continue
		}
		if !isProgram {
			s.r.errorf(sec.file, sec.by["programs"].line, "[%s] names unknown program %q", sec.name, p)
			continue
		}
		grouped[p] = true
		if m, ok := s.program(psec, p, name); ok {
			members = append(members, m)
		}
	}
	sup := &Supervisor{Name: safeName(name), Notes: notes}
	sup.Notes.add("", fmt.Sprintf("[%s] %s", sec.name, s.where(sec.file, sec.line)))
	if sup.Name != name {
		sup.Notes.add("name", fmt.Sprintf("supd names may hold only letters, digits, _ . and -: %q is renamed.", name))
	}
	s.children(sup, members, false)
	sup.Restart = "temporary"
	sup.Notes.add("restart", "Temporary: a group that gives up stays failed and leaves its siblings running, "+
		"as supervisord leaves a program FATAL and runs the others.")
	return svChild{name: name, priority: priority, node: Node{Supervisor: sup}}, true
}

// children orders a supervisor's children as supervisord does (priority,
// then name), starts them all at once, and sets its intensity.
func (s *svImport) children(sup *Supervisor, cs []svChild, root bool) {
	slices.SortStableFunc(cs, func(a, b svChild) int {
		return cmp.Or(cmp.Compare(a.priority, b.priority), cmp.Compare(a.name, b.name))
	})
	var budgets []childBudget
	seen := map[string]int{}
	for _, c := range cs {
		n := c.node.name()
		if seen[n] > 0 {
			c.node.rename(fmt.Sprintf("%s-%d", n, seen[n]+1),
				fmt.Sprintf("Renamed: another child of this supervisor is named %q.", n))
		}
		seen[n]++
		sup.Children = append(sup.Children, c.node)
		budgets = append(budgets, c.budget...)
	}
	if len(cs) > 1 {
		sup.Start = "parallel"
		note := "supervisord starts its programs in priority order without waiting for one to be running before the next"
		if root {
			sup.Notes.add("start", note+", and stops them in reverse order, a group at a time, as supd does.")
		} else {
			sup.Notes.add("start", note+".")
			sup.Stop = "parallel"
			sup.Notes.add("stop", "supervisord stops the programs of a group all at once.")
		}
	}
	b, ok := budgetOf(budgets, 5*time.Second)
	if !ok {
		return
	}
	sums := make([]string, len(budgets))
	for i, b := range budgets {
		sums[i] = strconv.Itoa(b.retries)
		if b.instances > 1 {
			sums[i] = fmt.Sprintf("%d×%d", b.retries, b.instances)
		}
	}
	note := fmt.Sprintf("supervisord gives up on a program after startretries failed starts in a row and runs the others; "+
		"supd's supervisor gives up on all its children once they restart more than max_restarts times within period. "+
		"So max_restarts is the sum of its children's startretries (%s) and period the %s one of them needs to use up its own.",
		strings.Join(sums, " + "), fmtDuration(b.period))
	if root {
		note += " When the root gives up, supd exits with status 3."
	}
	b.apply(sup, note)
}

// svBool is supervisord's boolean: true/yes/on/1 or false/no/off/0.
func svBool(s *svImport, k *iniKey, v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "yes", "true", "on", "1":
		return true, true
	case "no", "false", "off", "0":
		return false, true
	}
	s.r.errorf(k.file, k.line, "%s: %q is not a boolean (true, false, yes, no, on, off, 1 or 0)", k.name, v)
	return false, false
}

// svInt is Python's int() of a setting.
func svInt(s *svImport, k *iniKey, v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.ReplaceAll(v, "_", ""), "+"))
	if err != nil {
		s.r.errorf(k.file, k.line, "%s: %q is not an integer", k.name, v)
		return 0, false
	}
	return n, true
}

// svSize is supervisord's byte_size: a number, or one ending in KB, MB or
// GB (powers of 1024, any case).
func svSize(s *svImport, k *iniKey, v string) (int64, bool) {
	lower := strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	for suffix, m := range map[string]int64{"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30} {
		if strings.HasSuffix(lower, suffix) {
			lower, mult = strings.TrimSpace(strings.TrimSuffix(lower, suffix)), m
		}
	}
	n, err := strconv.ParseInt(lower, 10, 64)
	if err != nil || n < 0 {
		s.r.errorf(k.file, k.line, "%s: %q is not a size (write e.g. 50MB)", k.name, v)
		return 0, false
	}
	return n * mult, true
}

// safeName turns a source's name into a supd node name.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// setEnv sets name in an ordered env list.
func setEnv(env []EnvVar, name, value string) []EnvVar {
	for i := range env {
		if env[i].Name == name {
			env[i].Value = value
			return env
		}
	}
	return append(env, EnvVar{name, value})
}
