package config

import (
	"path/filepath"
	"reflect"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestWorkerDefaults checks every default of SPEC §1 on a worker that
// sets nothing but its command.
func TestWorkerDefaults(t *testing.T) {
	c := mustParse(t, "version: 1\nroot: {children: [{name: a, command: [x, y]}]}\n")
	dir, _ := filepath.Abs(".")
	want := &Worker{
		Name: "a",
		Process: Process{
			Command: Command{Argv: []string{"x", "y"}},
			Dir:     dir,
			Env:     map[string]string{},
			Ready:   Ready{Kind: ReadyStarted},
			Logs:    WorkerLogs{MaxSize: 10 << 20, MaxFiles: 5, Ring: 1 << 20, Forward: true},
		},
		Tuning: Tuning{
			Restart:      Permanent,
			SuccessCodes: SuccessCodes{Codes: []int{0}},
			Autostart:    true,
			Backoff:      Backoff{Initial: 100 * time.Millisecond, Max: 30 * time.Second, Factor: 2, Jitter: 0.1},
			ReadyTimeout: 30 * time.Second,
			StopSignal:   syscall.SIGTERM,
			StopTimeout:  10 * time.Second,
		},
	}
	if got := c.Root.Children[0].Worker; !reflect.DeepEqual(got, want) {
		t.Errorf("worker\n got %+v\nwant %+v", got, want)
	}
	wantRoot := Supervisor{Strategy: OneForOne, MaxRestarts: 3, Period: 5 * time.Second, Start: Sequential, Stop: Sequential,
		Restart: Permanent, AutoShutdown: Never}
	gotRoot := *c.Root
	gotRoot.Children = nil
	if !reflect.DeepEqual(gotRoot, wantRoot) {
		t.Errorf("root\n got %+v\nwant %+v", gotRoot, wantRoot)
	}
	if c.ShutdownTimeout != 60*time.Second || c.Control != (Control{Mode: 0o660, GID: -1}) || c.Version != 1 {
		t.Errorf("config = %+v", c)
	}
	if want := (Logs{MaxSize: 10 << 20, MaxFiles: 5, Ring: 1 << 20}); c.Logs != want {
		t.Errorf("logs = %+v, want %+v", c.Logs, want)
	}
}

// TestDefaultsInheritance checks the three layers of a worker's fields: its
// own, then defaults:, then the built-in ones.
func TestDefaultsInheritance(t *testing.T) {
	c := mustParse(t, `version: 1
logs: {dir: /var/log/supd, max_files: 9, forward: true}
defaults:
  env: {A: a, B: b}
  backoff: {initial: 1s, jitter: 0}
  ready: {notify: true}
  health: {tcp: "localhost:1", interval: 3s}
  stop_timeout: 20s
  restart: transient
  logs: {max_size: 1MiB}
root:
  children:
    - name: inherits
      command: [x]
    - name: overrides
      command: [x]
      env: {B: own, C: c}
      backoff: {max: 5s, jitter: 0.5}
      ready: {after: 1s}
      health: {exec: "true"}
      stop_timeout: 0s
      restart: permanent
      logs: {file: /tmp/o.log, max_size: 2MiB}
    - name: sup
      children:
        - name: deep
          command: [x]
          logs: {dir: ""}
`)
	inherits := c.Root.Children[0].Worker
	overrides := c.Root.Children[1].Worker
	sup := c.Root.Children[2].Supervisor
	deep := sup.Children[0].Worker

	tests := []struct {
		name      string
		got, want any
	}{
		{"inherited env", inherits.Env, map[string]string{"A": "a", "B": "b"}},
		{"merged env", overrides.Env, map[string]string{"A": "a", "B": "own", "C": "c"}},
		{"inherited backoff", inherits.Backoff, Backoff{Initial: time.Second, Max: 30 * time.Second, Factor: 2, Jitter: 0}},
		{"merged backoff", overrides.Backoff, Backoff{Initial: time.Second, Max: 5 * time.Second, Factor: 2, Jitter: 0.5}},
		{"inherited ready", inherits.Ready, Ready{Kind: ReadyNotify}},
		{"own ready replaces", overrides.Ready, Ready{Kind: ReadyAfter, After: time.Second}},
		{"inherited health", *inherits.Health, Health{Probe: Probe{TCP: "localhost:1", Interval: 3 * time.Second, Timeout: 2 * time.Second}, Failures: 3}},
		{"own health replaces", *overrides.Health, Health{Probe: Probe{Exec: []string{"/bin/sh", "-c", "true"}, Interval: 10 * time.Second, Timeout: 2 * time.Second}, Failures: 3}},
		{"inherited stop_timeout", inherits.StopTimeout, 20 * time.Second},
		{"own stop_timeout 0s", overrides.StopTimeout, time.Duration(0)},
		{"inherited restart", inherits.Restart, Transient},
		{"own restart", overrides.Restart, Permanent},
		{"defaults reach nested workers", deep.Restart, Transient},
		{"defaults skip supervisors", sup.Restart, Permanent},
		{"logs from dir", inherits.Logs, WorkerLogs{File: "/var/log/supd/inherits.log", MaxSize: 1 << 20, MaxFiles: 9, Ring: 1 << 20, Forward: true}},
		{"logs from file", overrides.Logs, WorkerLogs{File: "/tmp/o.log", MaxSize: 2 << 20, MaxFiles: 9, Ring: 1 << 20, Forward: true}},
		{"logs dir turned off", deep.Logs, WorkerLogs{MaxSize: 1 << 20, MaxFiles: 9, Ring: 1 << 20, Forward: true}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, tt.got, tt.want)
		}
	}
}

func TestCommandForms(t *testing.T) {
	c := mustParse(t, `version: 1
root:
  children:
    - {name: list, command: [echo, "$HOME", "$$", "${X:-d}"]}
    - {name: shell, command: "echo $HOME $$ ${X:-d} | wc -c"}
    - {name: probe, command: [x], ready: {exec: "test -f /x"}, health: {exec: [test, -f, /x]}}
`)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"list", c.Root.Children[0].Worker.Command, Command{Argv: []string{"echo", "$HOME", "$", "d"}}},
		{"shell", c.Root.Children[1].Worker.Command, Command{Argv: []string{"/bin/sh", "-c", "echo $HOME $ d | wc -c"}, Shell: true}},
		{"ready exec string", c.Root.Children[2].Worker.Ready.Probe.Exec, []string{"/bin/sh", "-c", "test -f /x"}},
		{"health exec list", c.Root.Children[2].Worker.Health.Exec, []string{"test", "-f", "/x"}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
}

func TestFieldValues(t *testing.T) {
	c := mustParse(t, `version: 1
control: {socket: /s.sock, mode: 0600, group: supd}
shutdown_timeout: 1m30s
root:
  strategy: rest_for_one
  max_restarts: 0
  period: 1h
  start: parallel
  auto_shutdown: all_significant
  children:
    - name: a
      command: [x]
      env: {PORT: 8080, DEBUG: true, RATIO: 0.5, EMPTY: ""}
      clear_env: true
      success_codes: [0, 3, TERM, SIGUSR1, 12]
      autostart: false
      ready: {fd: 4}
      ready_timeout: 2m
      watchdog: 15s
      stop_signal: SIGquit
      stop_timeout: infinity
      significant: true
      restart: temporary
      logs: {ring: 64KiB, max_size: 4096, compress: true}
`)
	w := c.Root.Children[0].Worker
	tests := []struct {
		name      string
		got, want any
	}{
		{"control", c.Control, Control{Socket: "/s.sock", Mode: 0o600, Group: "supd", GID: 990}},
		{"shutdown_timeout", c.ShutdownTimeout, 90 * time.Second},
		{"strategy", c.Root.Strategy, RestForOne},
		{"max_restarts", c.Root.MaxRestarts, 0},
		{"period", c.Root.Period, time.Hour},
		{"start", c.Root.Start, Parallel},
		{"auto_shutdown", c.Root.AutoShutdown, AllSignificant},
		{"env", w.Env, map[string]string{"PORT": "8080", "DEBUG": "true", "RATIO": "0.5", "EMPTY": ""}},
		{"clear_env", w.ClearEnv, true},
		{"success_codes", w.SuccessCodes, SuccessCodes{Codes: []int{0, 3, 12}, Signals: []syscall.Signal{syscall.SIGTERM, syscall.SIGUSR1}}},
		{"autostart", w.Autostart, false},
		{"ready", w.Ready, Ready{Kind: ReadyFD, FD: 4}},
		{"ready_timeout", w.ReadyTimeout, 2 * time.Minute},
		{"watchdog", w.Watchdog, 15 * time.Second},
		{"stop_signal", w.StopSignal, syscall.SIGQUIT},
		{"stop_timeout", w.StopTimeout, Infinity},
		{"significant", w.Significant, true},
		{"restart", w.Restart, Temporary},
		{"logs", w.Logs, WorkerLogs{MaxSize: 4096, MaxFiles: 5, Compress: true, Ring: 64 << 10, Forward: true}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
}

func TestExpansionTypes(t *testing.T) {
	c, _, err := parseString(t, `version: 1
shutdown_timeout: ${T:-45s}
root:
  max_restarts: ${N}
  children:
    - name: ${NAME}
      command: [x]
      autostart: ${AUTO}
      stop_signal: ${SIG:-INT}
      success_codes: ["${CODE}"]
      backoff: {factor: "${F}"}
      env: {X: "${UNSET:-}${N}"}
`, "N=7\nNAME=api\nAUTO=false\nCODE=3\nF=1.5")
	if err != nil {
		t.Fatal(err)
	}
	w := c.Root.Children[0].Worker
	if c.ShutdownTimeout != 45*time.Second || c.Root.MaxRestarts != 7 || w.Name != "api" || w.Autostart ||
		w.StopSignal != syscall.SIGINT || !reflect.DeepEqual(w.SuccessCodes.Codes, []int{3}) ||
		w.Backoff.Factor != 1.5 || w.Env["X"] != "7" {
		t.Errorf("got shutdown %v max_restarts %d worker %+v", c.ShutdownTimeout, c.Root.MaxRestarts, w)
	}
}

// TestWorkerFieldsSplit fails when a field is added to Worker outside
// Process and Tuning: reload decides from that split whether a change
// restarts the worker, so every field must be on one side of it.
func TestWorkerFieldsSplit(t *testing.T) {
	allowed := map[string]bool{"Name": true, "Process": true, "Tuning": true}
	typ := reflect.TypeOf(Worker{})
	for i := range typ.NumField() {
		if f := typ.Field(i); !allowed[f.Name] {
			t.Errorf("Worker.%s is outside Process and Tuning: move it into one of them", f.Name)
		}
	}
	for _, name := range []string{"Process", "Tuning"} {
		f, ok := typ.FieldByName(name)
		if !ok || !f.Anonymous {
			t.Errorf("Worker must embed %s", name)
		}
	}
}

// TestWorkerFieldsApplied fails when a worker field is decoded but nothing
// puts its value into the Worker: a field of the table either has an
// apply, or is one of those that Worker resolution combines by hand.
func TestWorkerFieldsApplied(t *testing.T) {
	byHand := []string{"name", "user", "group", "replicas", "env", "logs.dir", "logs.file", "logs.forward"}
	var got []string
	for key, f := range workerIndex {
		if f.block == nil && f.apply == nil {
			got = append(got, key)
		}
	}
	slices.Sort(got)
	slices.Sort(byHand)
	if !slices.Equal(got, byHand) {
		t.Errorf("fields without apply: %v; resolved by hand: %v", got, byHand)
	}
}
