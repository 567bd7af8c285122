package importer

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pcNotes says what supd offers instead of process settings it has no
// field for.
var pcNotes = map[string]string{
	"is_daemon": "supd supervises a process that stays in the foreground: run it without its daemon flag " +
		"(docker run without -d), or supd sees the starter's exit as the worker's.",
	"launch_timeout_seconds":    "the wait for a daemon's starter; supd runs no daemons (see is_daemon).",
	"ready_log_line":            "supd has no readiness from a line of output: use ready: {notify: true}, an fd, or a probe.",
	"namespace":                 "supd has no namespaces: a supervisor node groups workers (and paths name them).",
	"watch":                     "supd restarts nothing when files change; `supctl restart` does it on demand.",
	"mcp":                       "supd has no MCP server; its control API (SPEC §4) is HTTP with JSON.",
	"is_tty":                    "supd gives workers no terminal: their stdout and stderr are pipes to supd's log capture.",
	"is_interactive":            "supd gives workers no terminal: their stdout and stderr are pipes to supd's log capture.",
	"is_foreground":             "supd runs no foreground processes: it has no terminal UI.",
	"disable_ansi_colors":       "supd keeps workers' output as it is.",
	"truncate_log":              "supd appends to log files and rotates them.",
	"monitor_for":               "supd has no terminal UI; `supctl events -f` streams every change of state.",
	"monitor_silence_threshold": "supd has no terminal UI; `supctl events -f` streams every change of state.",
	"is_dotenv_disabled":        "supd reads no .env files.",
}

// pcInternal are keys process-compose fills in itself.
var pcInternal = []string{"name", "executable", "args", "original_config", "replica_num", "replica_name"}

// process translates one process into its worker.
func (c *pcImport) process(p *pcProc) {
	w := &Worker{Name: safeName(p.name)}
	p.w = w
	w.Notes.add("", fmt.Sprintf("processes.%s (%s)", p.name, c.at(p.k)))
	if w.Name != p.name {
		w.Notes.add("name", fmt.Sprintf("supd names may hold only letters, digits, _ . and -: %q is renamed.", p.name))
	}
	for _, e := range p.entries {
		switch e.key {
		case "vars":
			if err := deref(e.v).Decode(&p.vars); err != nil {
				c.errorf(e.v, "processes.%s.vars must be a mapping", p.name)
			}
		case "is_template_disabled":
			p.noTpl, _ = c.boolean(e.v, "is_template_disabled")
		case "replicas":
			if n, ok := c.integer(e.v, "replicas"); ok {
				p.replicas = n
			}
		}
	}
	var command, entrypoint, ready, live *pcEntry
	for i := range p.entries {
		e := &p.entries[i]
		what := fmt.Sprintf("processes.%s.%s", p.name, e.key)
		switch e.key {
		case "vars", "is_template_disabled", "extends":
		case "command":
			command = e
		case "entrypoint":
			entrypoint = e
		case "readiness_probe":
			ready = e
		case "liveness_probe":
			live = e
		case "working_dir":
			if t, ok := c.rendered(p, e.v, what); ok {
				w.Dir = c.supdText(t)
			}
		case "environment":
			for _, v := range c.environment(e.v, p, w) {
				w.Env = setEnv(w.Env, v.Name, v.Value)
			}
		case "availability":
			c.availability(p, *e)
		case "depends_on":
			c.dependsOn(p, *e)
		case "shutdown":
			c.shutdown(p, *e)
		case "log_location":
			c.logLocation(p, *e)
		case "log_configuration":
			c.logConfig(e.v, &w.Logs, &w.Notes)
		case "replicas":
			if p.replicas != 1 {
				w.Replicas = ptr(max(p.replicas, 0))
				w.Notes.add("replicas", fmt.Sprintf("process-compose named the replicas %s-0 …; supd names the instances "+
					"%s/0 … and sets SUPD_INSTANCE, which is PC_REPLICA_NUM here.", p.name, w.Name))
			}
		case "disabled":
			if b, ok := c.boolean(e.v, what); ok && b {
				w.Autostart = ptr(false)
			}
		case "is_disabled":
			if s, ok := c.scalar(e.v, what); ok && s == "true" {
				w.Autostart = ptr(false)
			}
		case "success_exit_codes":
			items, _ := c.list(e.v, what)
			codes := []string{"0"}
			for _, item := range items {
				if n, ok := c.integer(item, what); ok && n != 0 {
					codes = append(codes, strconv.Itoa(n))
				}
			}
			w.SuccessCodes = codes
		case "description":
			if s, ok := c.scalar(e.v, what); ok {
				w.Notes.add("", s)
			}
		case "env_file":
			c.warnf(e.k, "%s: supd reads no env files; its variables are not imported", what)
			w.Notes.add("", fmt.Sprintf("env_file: %s is not read: supd reads no env files; set its variables under env:.", e.v.Value))
		case "is_elevated":
			if b, _ := c.boolean(e.v, what); b {
				c.warnf(e.k, "%s: supd does not run commands with sudo; not imported", what)
				w.Notes.add("", "is_elevated: supd does not use sudo: run supd as root and set user: for the others.")
			}
		case "schedule":
			c.warnf(e.k, "%s: supd does not run workers on a schedule; not imported", what)
			w.Notes.add("", "schedule: supd does not run workers on a schedule: use a systemd timer with `supctl start`.")
		default:
			switch {
			case pcNotes[e.key] != "":
				w.Notes.add("", e.key+": "+pcNotes[e.key])
			case containsString(pcInternal, e.key):
				w.Notes.add("", e.key+": process-compose sets it itself; ignored, as there.")
			case strings.HasPrefix(e.key, "x-"):
			default:
				c.warnf(e.k, "%s: not a process-compose setting; not imported", what)
				w.Notes.add("", fmt.Sprintf("%s (%s): not a process-compose setting; not imported.", e.key, c.at(e.k)))
			}
		}
	}
	c.command(p, command, entrypoint)
	c.probes(p, ready, live)
	c.processVars(p)
	if w.Logs != nil && *w.Logs == (Logs{}) {
		w.Logs = nil
		moveNotes(&w.Notes, "logs")
	}
	if p.budget != nil {
		p.budget.name, p.budget.set, p.budget.instances = w.Name, w.Replicas != nil, max(p.replicas, 0)
		p.budget.backoff = supdBackoff(mergeBackoff(c.f.Defaults.Backoff, w.Backoff))
	}
}

// processVars sets the variables process-compose gives every process
// where a worker may read them: PC_REPLICA_NUM for replicas (its docs tell
// them to compute their ports from it), and either where the command names
// it.
func (c *pcImport) processVars(p *pcProc) {
	w := p.w
	cmd := strings.Join(w.Command.Argv, " ")
	if p.replicas > 1 || strings.Contains(cmd, "PC_REPLICA_NUM") {
		num := "0"
		if p.replicas > 1 {
			num = instanceVar
		}
		w.Env = setEnv(w.Env, "PC_REPLICA_NUM", num)
		w.Notes.add("env.PC_REPLICA_NUM", "As process-compose sets it.")
	}
	if strings.Contains(cmd, "PC_PROC_NAME") {
		w.Env = setEnv(w.Env, "PC_PROC_NAME", lit(p.name))
		w.Notes.add("env.PC_PROC_NAME", "As process-compose sets it.")
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mergeBackoff lays a worker's backoff over the defaults', field by field,
// as supd does.
func mergeBackoff(def, own *Backoff) *Backoff {
	if own == nil {
		return def
	}
	b := *def
	if own.Initial != nil {
		b.Initial = own.Initial
	}
	return &b
}

// command runs command: with the shell, or entrypoint: as the argv.
func (c *pcImport) command(p *pcProc, command, entrypoint *pcEntry) {
	w := p.w
	switch {
	case command != nil:
		what := fmt.Sprintf("processes.%s.command", p.name)
		var t text
		var ok bool
		if p.noTpl {
			t, ok = c.text(command.v, what)
		} else {
			t, ok = c.rendered(p, command.v, what)
		}
		if !ok {
			return
		}
		w.Command = Command{Argv: append(append([]string{}, c.shell...), c.supdText(t))}
		if entrypoint != nil {
			w.Notes.add("command", "entrypoint is ignored: process-compose runs command when both are set.")
		}
	case entrypoint != nil:
		items, ok := c.list(entrypoint.v, "entrypoint")
		if !ok {
			return
		}
		for _, item := range items {
			t, ok := c.text(item, "entrypoint")
			if !ok {
				return
			}
			w.Command.Argv = append(w.Command.Argv, c.supdText(t))
		}
		if len(w.Command.Argv) == 0 {
			c.errorf(entrypoint.v, "processes.%s.entrypoint is empty", p.name)
		}
	default:
		c.errorf(p.k, "processes.%s has neither command nor entrypoint", p.name)
	}
}

// availability maps the restart policy.
func (c *pcImport) availability(p *pcProc, e pcEntry) {
	w := p.w
	restart, maxRestarts := "no", 0
	for _, a := range c.entries(e.v, "availability") {
		what := "availability." + a.key
		switch a.key {
		case "restart":
			restart, _ = c.scalar(a.v, what)
		case "backoff_seconds":
			if n, ok := c.integer(a.v, what); ok && max(n, 1) != 1 {
				w.Backoff = &Backoff{Initial: ptr(seconds(n))}
			}
		case "max_restarts":
			maxRestarts, _ = c.integer(a.v, what)
		case "exit_on_end":
			if b, _ := c.boolean(a.v, what); b {
				w.Significant = true
				w.Notes.add("significant", "availability.exit_on_end: when it ends and is not restarted, the root stops "+
					"every worker and supd exits with its exit code, as process-compose does.")
			}
		case "exit_on_skipped":
			if b, _ := c.boolean(a.v, what); b {
				w.Notes.add("", "availability.exit_on_skipped: supd never skips a worker whose dependency failed; "+
					"a start waits, under start: sequential, until the worker before it is ready.")
			}
		default:
			c.warnf(a.k, "%s: not a process-compose setting; not imported", what)
			w.Notes.add("", fmt.Sprintf("%s (%s): not a process-compose setting; not imported.", what, c.at(a.k)))
		}
	}
	switch restart {
	case "no":
	case "always":
		w.Restart = "permanent"
	case "on_failure":
		w.Restart = "transient"
	case "exit_on_failure":
		w.Restart = "temporary"
		w.Notes.add("restart", "availability.restart: exit_on_failure: process-compose stops everything and exits when it fails; "+
			"supd leaves it failed and keeps the others running. (significant: true with the root's auto_shutdown: "+
			"any_significant stops the tree when it ends at all.)")
	default:
		c.errorf(e.v, "availability.restart must be always, on_failure, exit_on_failure or no, got %q", restart)
		return
	}
	if w.Restart == "permanent" || w.Restart == "transient" {
		p.budget = &childBudget{retries: unlimited}
		if maxRestarts > 0 {
			p.budget.retries = maxRestarts
			w.Notes.add("restart", fmt.Sprintf("availability.max_restarts: %d: process-compose stops restarting it after %d "+
				"restarts in all; supd counts restarts within its supervisor's period (see the root's max_restarts).", maxRestarts, maxRestarts))
		}
	}
}

// dependsOn reads depends_on; the conditions are applied by order.
func (c *pcImport) dependsOn(p *pcProc, e pcEntry) {
	for _, d := range c.entries(e.v, "depends_on") {
		cond := "process_completed" // the zero value of process-compose's condition
		for _, x := range c.entries(d.v, "depends_on."+d.key) {
			switch x.key {
			case "condition":
				cond, _ = c.scalar(x.v, "condition")
			default:
				if !strings.HasPrefix(x.key, "x-") {
					c.warnf(x.k, "depends_on.%s.%s: not a process-compose setting; not imported", d.key, x.key)
				}
			}
		}
		switch cond {
		case "process_started", "process_healthy", "process_completed", "process_completed_successfully", "process_log_ready":
		default:
			c.errorf(d.v, "depends_on.%s.condition must be process_started, process_healthy, process_completed, "+
				"process_completed_successfully or process_log_ready, got %q", d.key, cond)
			continue
		}
		p.deps = append(p.deps, pcDep{name: d.key, cond: cond, k: d.k})
	}
}

// shutdown maps the stop settings.
func (c *pcImport) shutdown(p *pcProc, e pcEntry) {
	w := p.w
	for _, s := range c.entries(e.v, "shutdown") {
		what := "shutdown." + s.key
		switch s.key {
		case "signal":
			n, ok := c.integer(s.v, what)
			if !ok {
				continue
			}
			sig, err := signalWord(strconv.Itoa(n))
			if err != nil {
				c.errorf(s.v, "%s: %v", what, err)
			} else if sig != "TERM" {
				w.StopSignal = sig
			}
		case "timeout_seconds":
			if n, ok := c.integer(s.v, what); ok && n > 0 {
				w.StopTimeout = ptr(seconds(n))
			}
		case "command":
			c.warnf(s.k, "processes.%s.%s: supd stops a worker with its stop_signal; the command is not imported", p.name, what)
			w.Notes.add("", fmt.Sprintf("shutdown.command (%s) is not imported: supd stops a worker with stop_signal, "+
				"then SIGKILL after stop_timeout.", strings.TrimSpace(s.v.Value)))
		case "parent_only":
			if b, _ := c.boolean(s.v, what); b {
				w.Notes.add("", "shutdown.parent_only: supd always signals the worker's whole process group (and cgroup), "+
					"so that nothing it started outlives its stop.")
			}
		case "send_keys":
			w.Notes.add("", "shutdown.send_keys: supd gives workers no terminal to type into; it stops them with stop_signal.")
		default:
			c.warnf(s.k, "%s: not a process-compose setting; not imported", what)
		}
	}
}

// logLocation maps log_location to the worker's file; {PC_REPLICA_NUM} is
// the instance number, and replicas without it get it appended, as
// process-compose does.
func (c *pcImport) logLocation(p *pcProc, e pcEntry) {
	t, ok := c.rendered(p, e.v, "log_location")
	if !ok {
		return
	}
	flat, held := t.flatten()
	if p.replicas > 1 {
		ph := placeholder(len(held))
		held = append(held, piece{inst: &instance{verb: "%d"}})
		if strings.Contains(flat, "{PC_REPLICA_NUM}") {
			flat = strings.ReplaceAll(flat, "{PC_REPLICA_NUM}", ph)
		} else {
			flat += "." + ph
		}
	} else {
		flat = strings.ReplaceAll(flat, "{PC_REPLICA_NUM}", "0")
	}
	if p.w.Logs == nil {
		p.w.Logs = &Logs{}
	}
	p.w.Logs.File = c.supdText(unflatten(flat, held))
	p.w.Notes.add("logs", "process-compose wrote JSON records (unless log_configuration.disable_json); supd writes "+
		"the lines as the worker printed them, and rotates the file at max_size.")
}

// logConfig maps log_configuration's rotation into *logs, with notes.
func (c *pcImport) logConfig(n *yaml.Node, logs **Logs, into *Notes) {
	if *logs == nil {
		*logs = &Logs{}
	}
	l := *logs
	var notes []string
	defer func() {
		for _, n := range notes {
			into.add("logs", n)
		}
	}()
	for _, e := range c.entries(n, "log_configuration") {
		if e.key != "rotation" {
			notes = append(notes, "log_configuration."+e.key+": supd writes the lines as the worker printed them.")
			continue
		}
		for _, r := range c.entries(e.v, "log_configuration.rotation") {
			what := "log_configuration.rotation." + r.key
			switch r.key {
			case "max_size_mb":
				if v, ok := c.integer(r.v, what); ok && v > 0 {
					l.MaxSize = int64(v) << 20
				}
			case "max_backups":
				if v, ok := c.integer(r.v, what); ok && v >= 0 {
					l.MaxFiles = ptr(v)
				}
			case "compress":
				l.Compress, _ = c.boolean(r.v, what)
			case "max_age_days":
				notes = append(notes, "rotation.max_age_days: supd keeps max_files rotated files, whatever their age.")
			case "directory", "filename":
				notes = append(notes, "rotation."+r.key+": supd's log file is logs.file, or <dir>/<path>.log.")
			default:
				c.warnf(r.k, "%s: not a process-compose setting; not imported", what)
			}
		}
	}
}
