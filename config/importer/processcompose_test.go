package importer

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func pcModel(t *testing.T, yaml string) (*File, *report) {
	t.Helper()
	r := &report{}
	return importProcessCompose("process-compose.yaml", []byte(yaml), r), r
}

// pcWorkers imports processes and returns the root's workers by name.
func pcWorkers(t *testing.T, yaml string) map[string]*Worker {
	t.Helper()
	f, r := pcModel(t, yaml)
	if len(r.errs) > 0 {
		t.Fatal(r.errs)
	}
	ws := map[string]*Worker{}
	for _, c := range f.Root.Children {
		ws[c.Worker.Name] = c.Worker
	}
	return ws
}

func TestPCSubst(t *testing.T) {
	for in, want := range map[string]string{
		"${HOME}/x":       "${HOME:-}/x",
		"$$HOME":          "$HOME",
		"$${X:-1}":        "$${X:-1}",
		"$HOME and $1":    "$HOME and $1",
		"${X:-a b}":       "${X:-a b}",
		"${X-a}":          "${X:-a}",
		"${X:=a}":         "${X:-a}",
		"${X:-${Y}}":      "${X:-${Y:-}}",
		"${X}}":           "${X:-}}",
		"plain":           "plain",
		"":                "",
		"cost: 5$":        "cost: 5$",
		"${X:-$${HOME}}!": "${X:-$${HOME}}!",
	} {
		got, err := pcSubst(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if s, _ := got.supd(); s != want {
			t.Errorf("%q = %q, want %q", in, s, want)
		}
	}
	for _, in := range []string{"${X/a/b}", "${#X}", "${X", "${X:?gone}", "${1}", "${X:-a}b}c${"} {
		if _, err := pcSubst(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestPCTemplates(t *testing.T) {
	ws := pcWorkers(t, `
vars:
  PORT: 8080
processes:
  api:
    vars:
      NAME: api-{{.PORT}}
    command: "serve --port {{.PORT}} --name {{.NAME}} --missing {{.NOPE}}"
  worker:
    command: "work --id {{.PC_REPLICA_NUM}} --cost 5$$ --home ${HOME}"
    replicas: 2
  raw:
    command: "echo {{.PORT}}"
    is_template_disabled: true
  one:
    command: "n={{.PC_REPLICA_NUM}}"
`)
	for name, want := range map[string]string{
		"api":    "serve --port 8080 --name api-{{.PORT}} --missing <no value>",
		"worker": "work --id ${SUPD_INSTANCE} --cost 5$ --home ${HOME:-}",
		"raw":    "echo {{.PORT}}",
		"one":    "n=0",
	} {
		argv := ws[name].Command.Argv
		if !slices.Equal(argv, []string{"bash", "-c", want}) {
			t.Errorf("%s: argv %q, want bash -c %q", name, argv, want)
		}
	}
	_, r := pcModel(t, "processes:\n  a:\n    command: \"{{.X\"\n")
	if len(r.errs) == 0 || !strings.HasPrefix(r.errs[0].Error(), "process-compose.yaml:3:14: processes.a.command: rendering its template") {
		t.Errorf("template error: %v", r.errs)
	}
}

func TestPCRestart(t *testing.T) {
	for policy, want := range map[string]string{"": "", "no": "", "always": "permanent", "on_failure": "transient", "exit_on_failure": "temporary"} {
		avail := ""
		if policy != "" {
			avail = "\n    availability:\n      restart: " + policy
		}
		w := pcWorkers(t, "processes:\n  a:\n    command: x"+avail+"\n")["a"]
		if w.Restart != want {
			t.Errorf("restart %q → %q, want %q", policy, w.Restart, want)
		}
	}
	ws := pcWorkers(t, `
processes:
  a:
    command: x
    availability: {restart: always, backoff_seconds: 3, max_restarts: 4}
  b:
    command: y
    availability: {exit_on_end: true, backoff_seconds: 0}
    shutdown: {signal: 2, timeout_seconds: 20}
    success_exit_codes: [130]
    disabled: true
`)
	a, b := ws["a"], ws["b"]
	if *a.Backoff.Initial != 3*time.Second || !b.Significant || b.Backoff != nil || b.StopSignal != "INT" ||
		*b.StopTimeout != 20*time.Second || !slices.Equal(b.SuccessCodes, []string{"0", "130"}) || *b.Autostart {
		t.Errorf("a %+v\nb %+v", a, b)
	}
}

func TestPCOrder(t *testing.T) {
	f, r := pcModel(t, `
processes:
  web:
    command: web
    depends_on:
      api: {condition: process_healthy}
  api:
    command: api
    depends_on:
      db: {condition: process_started}
      migrate: {condition: process_completed_successfully}
    readiness_probe:
      http_get: {port: 8080}
  cache:
    command: cache
  db:
    command: db
  migrate:
    command: migrate
    depends_on:
      db:
      ghost: {condition: process_started}
`)
	if len(r.errs) > 0 {
		t.Fatal(r.errs)
	}
	var names []string
	for _, c := range f.Root.Children {
		names = append(names, c.name())
	}
	// A topological order, taking the first ready process in file order.
	if want := []string{"cache", "db", "migrate", "api", "web"}; !slices.Equal(names, want) {
		t.Errorf("order %q, want %q", names, want)
	}
	if f.Root.Start != "sequential" {
		t.Errorf("start %q", f.Root.Start)
	}
	notes := func(i int) string { return strings.Join(f.Root.Children[i].Worker.Notes[""], "\n") }
	for i, want := range map[int]string{
		1: "also wait for cache, which",
		2: "also wait for cache, which",
		3: "process_completed_successfully: process-compose waited for migrate to exit",
		4: "also wait for cache, which",
	} {
		if !strings.Contains(notes(i), want) {
			t.Errorf("%s: notes %q lack %q", names[i], notes(i), want)
		}
	}
	if strings.Contains(notes(0)+notes(3), "also wait for db") {
		t.Errorf("a wait on a dependency is noted as an added one: %q", notes(0)+notes(3))
	}
	if len(r.warns) != 1 || !strings.Contains(r.warns[0].Msg, `"ghost"`) || r.warns[0].Line != 22 {
		t.Errorf("warnings %v", r.warns)
	}

	f, _ = pcModel(t, "processes:\n  a: {command: a}\n  b: {command: b}\n")
	if f.Root.Start != "parallel" {
		t.Errorf("without depends_on, start is %q", f.Root.Start)
	}
	_, r = pcModel(t, "processes:\n  a:\n    command: a\n    depends_on: {b: {}}\n  b:\n    command: b\n    depends_on: {a: {}}\n")
	if len(r.errs) == 0 || r.errs[0].Error() != "process-compose.yaml:2:3: depends_on forms a cycle among a and b" {
		t.Errorf("cycle: %v", r.errs)
	}
}

func TestPCProbes(t *testing.T) {
	ws := pcWorkers(t, `
processes:
  db:
    command: db
    working_dir: /srv/db
    readiness_probe:
      exec: {command: "pg_isready", working_dir: /tmp}
      initial_delay_seconds: 2
      period_seconds: 5
      failure_threshold: 4
  api:
    command: api
    readiness_probe:
      http_get: {port: "{{.PORT}}", path: healthz, scheme: https}
    liveness_probe:
      http_get: {host: localhost, port: 81}
      initial_delay_seconds: 7
      timeout_seconds: 3
vars: {PORT: 8443}
`)
	db, api := ws["db"], ws["api"]
	if p := db.Ready.Probe; !slices.Equal(p.Exec.Argv, []string{"bash", "-c", "cd /tmp && pg_isready"}) || p.Interval != 5*time.Second || p.Timeout != time.Second {
		t.Errorf("db ready %+v", p)
	}
	if db.ReadyTimeout != 22*time.Second || db.Health == nil || db.Health.Failures != 4 || db.Health.Interval != 5*time.Second {
		t.Errorf("db ready_timeout %v, health %+v", db.ReadyTimeout, db.Health)
	}
	if api.Ready.Probe.HTTP != "https://127.0.0.1:8443/healthz" || api.ReadyTimeout != 0 {
		t.Errorf("api ready %+v, ready_timeout %v", api.Ready.Probe, api.ReadyTimeout)
	}
	if h := api.Health; h.HTTP != "http://localhost:81/" || h.Grace != 7*time.Second || h.Timeout != 3*time.Second || h.Interval != 10*time.Second {
		t.Errorf("api health %+v", h)
	}
}

func TestPCExtends(t *testing.T) {
	ws := pcWorkers(t, `
processes:
  base:
    command: base
    environment: ["A=1", "B=2"]
    availability: {restart: always, backoff_seconds: 5}
  child:
    extends: base
    environment: ["B=3", "C=4"]
    availability: {backoff_seconds: 9}
`)
	c := ws["child"]
	if !slices.Equal(c.Env, []EnvVar{{"A", "1"}, {"B", "3"}, {"C", "4"}}) || c.Restart != "permanent" ||
		*c.Backoff.Initial != 9*time.Second || c.Command.Argv[2] != "base" {
		t.Errorf("child %+v", c)
	}
}

func TestPCErrors(t *testing.T) {
	for in, want := range map[string]string{
		"processes:\n  a:\n    command: [unclosed\n":                                                     "process-compose.yaml:3: did not find expected ',' or ']'",
		"processes:\n  a:\n    working_dir: /x\n":                                                        "process-compose.yaml:2:3: processes.a has neither command nor entrypoint",
		"processes:\n  a:\n    command: x\n    availability: {restart: sometimes}\n":                     `process-compose.yaml:4:19: availability.restart must be always, on_failure, exit_on_failure or no, got "sometimes"`,
		"processes:\n  a:\n    command: x\n    depends_on: {b: {condition: ready}}\n  b: {command: y}\n": `depends_on.b.condition must be process_started`,
		"processes:\n  a:\n    command: ${X/a/b}\n":                                                      "process-compose.yaml:3:14: processes.a.command: ${X/a/b}: supd substitutes only",
		"processes:\n  a:\n    extends: nope\n    command: x\n":                                          `processes.a extends unknown process "nope"`,
		"processes: [a, b]\n": "processes must be a mapping",
		"version: 1\n":        "processes: is required",
	} {
		_, r := pcModel(t, in)
		if len(r.errs) == 0 || !strings.Contains(r.errs.Error(), want) {
			t.Errorf("%q:\n got %v\nwant %s", in, r.errs, want)
		}
	}
}
