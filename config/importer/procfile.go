package importer

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A Procfile entry is `name: command`, as foreman reads it; foreman ignores
// every other line.
var procfileLine = regexp.MustCompile(`^([A-Za-z0-9_-]+):\s*(.+)$`)

// Procfile runners' settings the import follows: foreman's PORT numbering
// (5000 for the first process type, 100 more for each next) and its wait
// between SIGTERM and SIGKILL.
const (
	procfileBasePort = 5000
	procfileStopWait = 5 * time.Second
)

func importProcfile(path string, data []byte, r *report) *File {
	f := &File{}
	root := &Supervisor{}
	f.Root = root
	seen := map[string]int{}
	var budgets []childBudget
	for i, line := range procfileLines(data) {
		lineno := i + 1
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		m := procfileLine.FindStringSubmatch(line)
		if m == nil {
			r.warnf(path, lineno, "not a `name: command` line; foreman ignores it, and so does this import")
			f.Head = append(f.Head, fmt.Sprintf("%s:%d is not a `name: command` line and is not imported: %s", filepath.Base(path), lineno, t))
			continue
		}
		name, cmd := m[1], strings.TrimSpace(m[2])
		if cmd == "" {
			r.errorf(path, lineno, "process type %q has an empty command", name)
			continue
		}
		if first, dup := seen[name]; dup {
			r.errorf(path, lineno, "process type %q is already defined on line %d", name, first)
			continue
		}
		seen[name] = lineno
		w := &Worker{Name: name, Command: Command{Shell: lit(cmd)}}
		port := procfileBasePort + 100*len(root.Children)
		w.Env = []EnvVar{{"PORT", strconv.Itoa(port)}}
		w.Notes.add("", fmt.Sprintf("%s:%d", filepath.Base(path), lineno))
		if len(root.Children) == 0 {
			w.Notes.add("env", "PORT as foreman and honcho set it: 5000 for the first process type, 100 more for each next.")
		}
		if name == "release" {
			w.Autostart, w.Restart = ptr(false), "temporary"
			w.Notes.add("restart", "Heroku runs the release process once before a deploy, not beside the others: "+
				"here it is defined but left stopped; `supctl start release` runs it.")
		} else {
			budgets = append(budgets, childBudget{retries: unlimited, instances: 1, backoff: supdBackoff(nil)})
		}
		root.Children = append(root.Children, Node{Worker: w})
	}
	if len(r.errs) > 0 {
		return nil
	}
	if len(root.Children) == 0 {
		r.errorf(path, 0, "no `name: command` line: a Procfile names at least one process type")
		return nil
	}
	f.Head = append(f.Head,
		"A Procfile says only what runs. Each process type is a permanent worker, restarted whenever it exits, "+
			"as Heroku restarts a dyno; foreman and honcho instead stop everything when one process exits "+
			"(to keep that, mark the workers significant: true and set the root's auto_shutdown: any_significant).")
	relativeNote(f, "foreman", filepath.Base(path))
	dotEnv(path, f, r, "foreman and honcho read .env from their working folder")
	f.Defaults = &Worker{StopTimeout: ptr(procfileStopWait)}
	f.Defaults.Notes.add("stop_timeout", "foreman waits 5s after SIGTERM before SIGKILL (Heroku waits 30s).")
	if len(root.Children) > 1 {
		root.Start, root.Stop = "parallel", "parallel"
		root.Notes.add("start", "foreman starts every process type at once,")
		root.Notes.add("stop", "and stops them all at once.")
	}
	if b, ok := budgetOf(budgets, 5*time.Second); ok {
		b.apply(root, fmt.Sprintf("Heroku never gives up on a dyno; supd's supervisor gives up once its children "+
			"restart more than max_restarts times within period. This budget runs out only when every worker fails at once, "+
			"again and again, for %s; then supd exits with status 3.", fmtDuration(b.period)))
	}
	return f
}

func procfileLines(data []byte) []string {
	s := strings.TrimPrefix(string(data), "\ufeff")
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}
