package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// pcImport is one import of a process-compose file.
type pcImport struct {
	path  string
	r     *report
	f     *File
	noEnv bool // disable_env_expansion: true
	// substituted says that a ${NAME} of the file was translated.
	substituted bool
	ordered     bool     // ordered_shutdown: stop in reverse order of depends_on
	shell       []string // what runs a command: bash -c unless shell: says otherwise
	vars        map[string]any
	procs       []*pcProc // in file order
	by          map[string]*pcProc
}

// pcProc is one process being translated.
type pcProc struct {
	name     string // as written
	k        *yaml.Node
	entries  []pcEntry
	w        *Worker
	deps     []pcDep
	vars     map[string]any
	replicas int
	noTpl    bool // is_template_disabled: the command is not rendered
	ready    bool // has a readiness probe, which is its ready:
	budget   *childBudget
}

// pcDep is one entry of depends_on.
type pcDep struct {
	name string
	cond string
	k    *yaml.Node
}

// process-compose's defaults (its loader and docs), where supd's differ.
const (
	pcBackoff       = time.Second
	pcProbePeriod   = 10
	pcProbeTimeout  = 1
	pcProbeFailures = 3
)

func (c *pcImport) errorf(n *yaml.Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	c.r.errs = append(c.r.errs, &Error{File: c.path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (c *pcImport) warnf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	c.r.warnf(c.path, line, format, args...)
}

func (c *pcImport) at(n *yaml.Node) string {
	return fmt.Sprintf("%s:%d", filepath.Base(c.path), n.Line)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserProblems are the messages of yaml's parser, whose line numbers
// start from 0 (those of its scanner start from 1).
var yamlParserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected key",
	"did not find expected node content",
}

func importProcessCompose(path string, data []byte, r *report) *File {
	c := &pcImport{path: path, r: r, f: &File{}, shell: []string{"bash", "-c"}, vars: map[string]any{}, by: map[string]*pcProc{}}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			r.errorf(path, 0, "the file is empty: process-compose needs processes:")
		} else if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			if slices.Contains(yamlParserProblems, m[2]) {
				line++ // yaml numbers these lines from 0
			}
			r.errorf(path, line, "%s", m[2])
		} else {
			r.errorf(path, 0, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return nil
	}
	if len(doc.Content) != 1 {
		r.errorf(path, 0, "expected one YAML document with processes:")
		return nil
	}
	top := c.entries(doc.Content[0], "the file")
	if len(r.errs) > 0 {
		return nil
	}
	c.project(top)
	if len(r.errs) > 0 {
		return nil
	}
	c.order()
	if len(r.errs) > 0 {
		return nil
	}
	relativeNote(c.f, "process-compose", filepath.Base(path))
	dotEnv(path, c.f, r, "process-compose reads .env from its working folder")
	return c.f
}

// project reads the top-level keys, then every process.
func (c *pcImport) project(top []pcEntry) {
	f := c.f
	f.Defaults = &Worker{
		Restart: "temporary",
		Backoff: &Backoff{Initial: ptr(pcBackoff), Factor: ptr(1.0), Jitter: ptr(0.0)},
	}
	d := &f.Defaults.Notes
	d.add("", "process-compose's defaults for what a process leaves unset, where supd's differ. process-compose waits "+
		"without limit for a process to stop when shutdown.timeout_seconds is unset; supd SIGKILLs it after stop_timeout "+
		"(10s; write infinity to wait forever).")
	d.add("restart", "availability.restart: no, the default: never restarted.")
	d.add("backoff", "availability.backoff_seconds: 1, the same wait before every restart.")
	var procs pcEntry
	var notes []string
	for _, e := range top {
		switch e.key {
		case "disable_env_expansion":
			c.noEnv, _ = c.boolean(e.v, e.key)
		}
	}
	for _, e := range top {
		switch e.key {
		case "version", "disable_env_expansion", "is_strict", "is_tui_disabled":
		case "processes":
			procs = e
		case "vars":
			if err := deref(e.v).Decode(&c.vars); err != nil || c.vars == nil {
				c.errorf(e.v, "vars must be a mapping")
			}
		case "shell":
			c.shellConfig(e)
		case "environment":
			for _, v := range c.environment(e.v, nil, f.Defaults) {
				f.Defaults.Env = setEnv(f.Defaults.Env, v.Name, v.Value)
			}
			if len(f.Defaults.Env) > 0 {
				d.add("env", fmt.Sprintf("environment (%s), for every process.", c.at(e.k)))
			}
		case "log_location":
			if t, ok := c.text(e.v, e.key); ok {
				v, _ := t.supd()
				if f.Logs == nil {
					f.Logs = &Logs{}
				}
				f.Logs.Dir = ptr(filepath.Dir(v))
				f.Notes.add("logs", fmt.Sprintf("log_location: %s: process-compose wrote every process's output to this one file; "+
					"supd writes each worker's to a file of its own in its folder, <path with / as _>.log.", v))
			}
		case "log_configuration":
			c.logConfig(e.v, &f.Logs, &f.Notes)
		case "name":
			notes = append(notes, fmt.Sprintf("name: %s: the project's name; supd's socket path tells one supd from another.", e.v.Value))
		case "log_level", "log_length", "log_format":
			notes = append(notes, e.key+": process-compose's own log; supd writes its own to stderr (--log-level, --log-format), "+
				"and `supctl logs -n` serves the workers' last lines.")
		case "ordered_shutdown":
			c.ordered, _ = c.boolean(e.v, e.key)
		case "extends":
			c.warnf(e.k, "extends: the project %s is not read; import it separately", e.v.Value)
			notes = append(notes, fmt.Sprintf("extends: %s is not imported: import it separately and merge the trees.", e.v.Value))
		case "env_cmds":
			c.warnf(e.k, "env_cmds: supd does not run commands to set variables; not imported")
			notes = append(notes, "env_cmds: supd does not run commands to set variables: put them in its environment or under env:.")
		case "mcp_server":
			notes = append(notes, "mcp_server: supd has no MCP server; its control API (SPEC §4) is HTTP with JSON.")
		default:
			if strings.HasPrefix(e.key, "x-") {
				continue
			}
			c.warnf(e.k, "%s: not a process-compose setting; not imported", e.key)
			notes = append(notes, fmt.Sprintf("%s (%s): not a process-compose setting; not imported.", e.key, c.at(e.k)))
		}
	}
	if procs.v == nil {
		c.errorf(doc(top), "processes: is required")
		return
	}
	for _, e := range c.entries(procs.v, "processes") {
		p := &pcProc{name: e.key, k: e.k, replicas: 1}
		p.entries = c.entries(e.v, fmt.Sprintf("process %q", e.key))
		c.procs = append(c.procs, p)
		c.by[p.name] = p
	}
	c.extends()
	for _, p := range c.procs {
		c.process(p)
	}
	shell := strings.Join(c.shell, " ")
	f.Head = append(f.Head, fmt.Sprintf("process-compose runs each command with %s, and so does each worker below.", shell))
	if c.substituted {
		f.Head = append(f.Head, "process-compose substitutes ${NAME} from its environment, empty when unset, when it loads the file: "+
			"written ${NAME:-} here, supd substitutes it from its own environment when it loads this one.")
	}
	f.Head = append(f.Head, notes...)
}

// doc is the node to name when the whole file lacks something.
func doc(top []pcEntry) *yaml.Node {
	if len(top) > 0 {
		return top[0].k
	}
	return nil
}

func (c *pcImport) shellConfig(e pcEntry) {
	cmd, arg := c.shell[0], c.shell[1]
	for _, s := range c.entries(e.v, "shell") {
		switch s.key {
		case "shell_command":
			cmd, _ = c.scalar(s.v, "shell.shell_command")
		case "shell_argument":
			arg, _ = c.scalar(s.v, "shell.shell_argument")
		case "elevated_shell_cmd", "elevated_shell_arg":
		default:
			c.warnf(s.k, "shell.%s: not a process-compose setting; not imported", s.key)
		}
	}
	c.shell = []string{lit(cmd), lit(arg)}
}

// text reads a string value with process-compose's substitutions.
func (c *pcImport) text(n *yaml.Node, what string) (text, bool) {
	s, ok := c.scalar(n, what)
	if !ok {
		return nil, false
	}
	if c.noEnv {
		return literal(s), true
	}
	t, err := pcSubst(s)
	if err != nil {
		c.errorf(n, "%s: %v", what, err)
		return nil, false
	}
	for _, p := range t {
		c.substituted = c.substituted || p.env != ""
	}
	return t, true
}

// rendered reads a string value with substitutions and templates.
func (c *pcImport) rendered(p *pcProc, n *yaml.Node, what string) (text, bool) {
	t, ok := c.text(n, what)
	if !ok {
		return nil, false
	}
	vars := c.vars
	if p != nil && len(p.vars) > 0 {
		vars = make(map[string]any, len(c.vars)+len(p.vars))
		for k, v := range c.vars {
			vars[k] = v
		}
		for k, v := range p.vars {
			vars[k] = v
		}
	}
	out, err := pcRender(t, vars, p != nil && p.replicas > 1)
	if err != nil {
		c.errorf(n, "%s: rendering its template: %v", what, err)
		return nil, false
	}
	return out, true
}

// supdText renders a text for supd, noting where an instance number had to
// be simplified.
func (c *pcImport) supdText(t text) string {
	s, _ := t.supd()
	return s
}

// environment reads a list of NAME=value entries.
func (c *pcImport) environment(n *yaml.Node, p *pcProc, w *Worker) []EnvVar {
	items, ok := c.list(n, "environment")
	if !ok {
		return nil
	}
	var env []EnvVar
	for _, item := range items {
		// process-compose renders a process's environment, not the global one.
		t, ok := c.text(item, "environment")
		if p != nil {
			t, ok = c.rendered(p, item, "environment")
		}
		if !ok {
			continue
		}
		flat, held := t.flatten()
		name, value, found := strings.Cut(flat, "=")
		if !found || name == "" || strings.Contains(name, "ßß") {
			c.warnf(item, "environment: %q is not NAME=value; not imported", item.Value)
			w.Notes.add("", fmt.Sprintf("environment entry %q (%s) is not NAME=value; not imported.", item.Value, c.at(item)))
			continue
		}
		env = setEnv(env, name, c.supdText(unflatten(value, held)))
	}
	return env
}
