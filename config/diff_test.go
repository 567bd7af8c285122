package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// worker1 is a config with one worker "w" whose extra fields are given.
func worker1(extra string) string {
	return "version: 1\nroot:\n  children:\n    - name: w\n      command: [\"/bin/w\"]\n" + indent(extra, "      ")
}

func indent(s, by string) string {
	if s == "" {
		return ""
	}
	return by + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+by) + "\n"
}

func diffOf(t *testing.T, old, new string, env ...string) Plan {
	t.Helper()
	e := [2]string{}
	copy(e[:], env)
	o, _, err := parseString(t, old, e[0])
	if err != nil {
		t.Fatalf("old: %v", err)
	}
	n, _, err := parseString(t, new, e[1])
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	return Diff(o, n)
}

// Every worker field, changed alone: the action it causes and how the
// change is named.
func TestDiffWorkerFields(t *testing.T) {
	tests := []struct {
		old, new string
		action   Action
		field    string // "field old → new" of the only change
	}{
		{"", "", ActionKeep, ""},
		{"dir: /a", "dir: /srv", ActionRestart, `dir /a → /srv`},
		{"env: {PORT: \"1\"}", "env: {PORT: \"2\"}", ActionRestart, `env.PORT 1 → 2`},
		{"", "env: {NEW: x}", ActionRestart, `env.NEW  → x`},
		{"", "clear_env: true", ActionRestart, `clear_env false → true`},
		{"", "user: alice", ActionRestart, `user  → alice`},
		{"", "ready: {notify: true}", ActionRestart, `ready started → notify`},
		{"", "ready: {fd: 3}", ActionRestart, `ready started → fd 3`},
		{"", "watchdog: 5s", ActionRestart, `watchdog 0s → 5s`},
		{"", "logs: {file: /var/log/w.log, forward: true}", ActionRestart, `logs.file  → /var/log/w.log`},
		{"", "logs: {ring: 2MiB}", ActionUpdate, `logs.ring 1048576 → 2097152`},
		{"", "logs: {max_files: 9}", ActionUpdate, `logs.max_files 5 → 9`},
		{"", "logs: {forward: false}", ActionUpdate, `logs.forward true → false`},
		{"", "restart: transient", ActionUpdate, `restart permanent → transient`},
		{"", "success_codes: [0, 2, TERM]", ActionUpdate, `success_codes [0] → [0, 2, TERM]`},
		{"", "autostart: false", ActionUpdate, `autostart true → false`},
		{"", "backoff: {initial: 1s}", ActionUpdate, `backoff.initial 100ms → 1s`},
		{"", "ready_timeout: 1m", ActionUpdate, `ready_timeout 30s → 1m0s`},
		{"", "health: {tcp: \"127.0.0.1:80\"}", ActionUpdate, `health  → tcp 127.0.0.1:80`},
		{"health: {tcp: \"127.0.0.1:80\"}", "health: {tcp: \"127.0.0.1:80\", interval: 3s}", ActionUpdate, `health.interval 10s → 3s`},
		{"", "stop_signal: INT", ActionUpdate, `stop_signal TERM → INT`},
		{"", "stop_timeout: infinity", ActionUpdate, `stop_timeout 10s → infinity`},
		{"", "significant: true", ActionUpdate, `significant false → true`},
	}
	for _, tt := range tests {
		t.Run(tt.new, func(t *testing.T) {
			p := diffOf(t, worker1(tt.old), worker1(tt.new))
			if len(p.Changes) != 2 || p.Changes[0].Path != "" || p.Changes[0].Action != ActionKeep {
				t.Fatalf("plan %+v", p.Changes)
			}
			c := p.Changes[1]
			if c.Path != "w" || c.Action != tt.action {
				t.Fatalf("w: %s, want %s (%+v)", c.Action, tt.action, c.Fields)
			}
			if tt.field == "" {
				if len(c.Fields) != 0 {
					t.Fatalf("fields %+v, want none", c.Fields)
				}
				return
			}
			if len(c.Fields) != 1 {
				t.Fatalf("fields %+v, want one", c.Fields)
			}
			if got := fmt.Sprintf("%s %s → %s", c.Fields[0].Field, c.Fields[0].Old, c.Fields[0].New); got != tt.field {
				t.Fatalf("field %q, want %q", got, tt.field)
			}
		})
	}
}

func TestDiffCommand(t *testing.T) {
	p := diffOf(t, worker1(""), strings.Replace(worker1(""), `["/bin/w"]`, `"exec /bin/w --new"`, 1))
	c := p.Changes[1]
	if c.Action != ActionRestart || len(c.Fields) != 1 || c.Fields[0].Field != "command" ||
		c.Fields[0].Old != `["/bin/w"]` || c.Fields[0].New != `"exec /bin/w --new"` {
		t.Fatalf("%+v", c)
	}
}

// A process change with live changes beside it restarts, and names both.
func TestDiffRestartNamesEveryField(t *testing.T) {
	p := diffOf(t, worker1(""), worker1("dir: /srv\nstop_timeout: 1s"))
	if c := p.Changes[1]; c.Action != ActionRestart || len(c.Fields) != 2 {
		t.Fatalf("%+v", c)
	}
}

// Defaults and ${VAR} are resolved before the diff: what counts is the
// value a worker ends up with.
func TestDiffResolvedValues(t *testing.T) {
	base := "version: 1\ndefaults: {stop_timeout: %s}\nroot:\n  children:\n    - {name: w, command: [\"/bin/w\", \"${ARG}\"]}\n"
	p := diffOf(t, fmt.Sprintf(base, "5s"), fmt.Sprintf(base, "6s"), "ARG=a", "ARG=a")
	if c := p.Changes[1]; c.Action != ActionUpdate || c.Fields[0].Field != "stop_timeout" {
		t.Fatalf("defaults: %+v", c)
	}
	p = diffOf(t, fmt.Sprintf(base, "5s"), fmt.Sprintf(base, "5s"), "ARG=a", "ARG=b")
	if c := p.Changes[1]; c.Action != ActionRestart || c.Fields[0].Field != "command" {
		t.Fatalf("${VAR}: %+v", c)
	}
}

func TestDiffTree(t *testing.T) {
	tree := func(body string) string { return "version: 1\nroot:\n" + indent(body, "  ") }
	tests := []struct {
		name     string
		old, new string
		want     string // path:action, in plan order
	}{
		{"reorder keeps", `
children:
  - {name: a, command: x}
  - {name: b, command: x}`, `
children:
  - {name: b, command: x}
  - {name: a, command: x}`, ":keep b:keep a:keep"},
		{"rename is a removal and an addition", `
children:
  - {name: a, command: x}`, `
children:
  - {name: b, command: x}`, ":keep b:add a:remove"},
		{"move to another parent", `
children:
  - {name: a, command: x}
  - {name: s, children: [{name: b, command: x}]}`, `
children:
  - name: s
    children: [{name: b, command: x}, {name: a, command: x}]`, ":keep s:keep s/b:keep s/a:add a:remove"},
		{"kind change", `
children:
  - {name: a, command: x}`, `
children:
  - {name: a, children: [{name: w, command: x}]}`, ":keep a:remove a:add a/w:add"},
		{"removed subtree", `
children:
  - {name: s, children: [{name: w, command: x}, {name: t, children: [{name: v, command: x}]}]}`, `
children: []`, ":keep s:remove s/w:remove s/t:remove s/t/v:remove"},
		{"replicas scale", `
children:
  - {name: w, command: x, replicas: 2}`, `
children:
  - {name: w, command: x, replicas: 3}`, ":keep w:update w/0:keep w/1:keep w/2:add"},
		{"a replica set's command restarts every instance", `
children:
  - {name: w, command: x, replicas: 2}`, `
children:
  - {name: w, command: y, replicas: 2}`, ":keep w:keep w/0:restart w/1:restart"},
		{"a worker becomes a replica set", `
children:
  - {name: w, command: x}`, `
children:
  - {name: w, command: x, replicas: 1}`, ":keep w:remove w:add w/0:add"},
		{"supervisor fields apply in place", `
strategy: one_for_one
children:
  - {name: s, strategy: one_for_all, children: [{name: w, command: x}]}`, `
strategy: rest_for_one
max_restarts: 9
children:
  - {name: s, start: parallel, children: [{name: w, command: x}]}`, ":update s:update s/w:keep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := diffOf(t, tree(tt.old), tree(tt.new))
			var got []string
			for _, c := range p.Changes {
				got = append(got, c.Path+":"+string(c.Action))
			}
			if strings.Join(got, " ") != tt.want {
				t.Fatalf("plan %v\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDiffSupervisorFieldNames(t *testing.T) {
	old := "version: 1\nroot:\n  children: [{name: w, command: x}]\n"
	p := diffOf(t, old, "version: 1\nroot:\n  strategy: one_for_all\n  period: 1m\n  children: [{name: w, command: x}]\n")
	got := fmt.Sprint(p.Changes[0].Fields)
	if want := "[{strategy one_for_one one_for_all} {period 5s 1m0s}]"; got != want {
		t.Fatalf("fields %s, want %s", got, want)
	}
	p = diffOf(t, old, "version: 1\nroot:\n  stop: parallel\n  children:\n    - {name: w, command: x, replicas: 2}\n")
	got = fmt.Sprint(p.Changes[0].Fields)
	if want := "[{stop sequential parallel}]"; got != want {
		t.Fatalf("fields %s, want %s", got, want)
	}
}

// Every field of a worker and of a supervisor is classified: a new field
// in neither group fails here, so that reload cannot forget it.
func TestDiffClassifiesEveryField(t *testing.T) {
	for f := range reflect.TypeFor[Supervisor]().Fields() {
		if !supervisorMatched[f.Name] && !supervisorLive[f.Name] {
			t.Errorf("Supervisor.%s: say in diff.go how a reload treats it", f.Name)
		}
	}
	for f := range reflect.TypeFor[WorkerLogs]().Fields() {
		if name := "logs." + snake(f.Name); f.Name != "File" && !liveLogField[name] {
			t.Errorf("WorkerLogs.%s: only the destination (File) restarts a worker; add %s to liveLogField", f.Name, name)
		}
	}
	for name := range liveLogField {
		if _, ok := reflect.TypeFor[WorkerLogs]().FieldByNameFunc(func(s string) bool { return "logs."+snake(s) == name }); !ok {
			t.Errorf("liveLogField names %s, which WorkerLogs does not have", name)
		}
	}
}
