package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"supd/control/api"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func fixture() api.Tree {
	hour := t0.Add(-time.Hour)
	minute := t0.Add(-3*time.Minute - 12*time.Second)
	until := t0.Add(10 * time.Minute)
	return api.Tree{Root: api.Node{
		Kind: api.KindSupervisor, State: api.StateRunning, Since: hour, StartedAt: &hour,
		Strategy: "one_for_one", Start: "sequential",
		Budget: &api.Budget{Used: 0, Max: 3, Period: api.Duration(5 * time.Second)},
		Children: []api.Node{
			{Path: "db", Name: "db", Kind: api.KindWorker, State: api.StateRunning, PID: 100, Since: hour, StartedAt: &hour},
			{
				Path: "web", Name: "web", Kind: api.KindSupervisor, State: api.StateRunning, Since: hour, StartedAt: &hour,
				Strategy: "rest_for_one", Start: "parallel", Restarts: 1,
				Budget: &api.Budget{Used: 2, Max: 3, Period: api.Duration(90 * time.Second)},
				Children: []api.Node{
					{Path: "web/api", Name: "api", Kind: api.KindWorker, State: api.StateRunning, PID: 101, Since: minute,
						StartedAt: &minute, Restarts: 2, Status: "listening on :8080",
						LastExit: &api.Exit{Code: api.IntPtr(1), Reason: api.ReasonExit, Time: t0.Add(-3 * time.Second)}},
					{Path: "web/front", Name: "front", Kind: api.KindWorker, State: api.StateBackoff, Since: t0, Restarts: 5,
						LastExit: &api.Exit{Signal: "KILL", Reason: api.ReasonWatchdog, Time: t0.Add(-70 * time.Second)}},
				},
			},
			{Path: "job", Name: "job", Kind: api.KindWorker, State: api.StateStopped, Since: t0, Held: true, HeldUntil: &until,
				LastExit: &api.Exit{Signal: "SEGV", Core: true, Reason: api.ReasonSignal, Time: t0.Add(-50 * time.Hour)}},
		},
	}}
}

// fakeSupd answers like supd, from the fixture, and records requests.
type fakeSupd struct {
	sock string
	mu   sync.Mutex
	reqs []string
}

func (f *fakeSupd) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		return ""
	}
	return f.reqs[len(f.reqs)-1]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeLines[T any](w http.ResponseWriter, items ...T) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	for _, v := range items {
		json.NewEncoder(w).Encode(v)
	}
}

var (
	logLines = []api.LogLine{
		{Time: t0, Path: "db", Stream: "stdout", Text: "ready to accept connections"},
		{Time: t0, Path: "web/api", Stream: "stderr", Text: "GET / 200"},
	}
	events = []api.Event{
		{Seq: 41, Time: t0, Kind: api.EventState, Path: "web/api", Old: api.StateStarting, New: api.StateRunning, Reason: "ready"},
		{Seq: 42, Time: t0.Add(1500 * time.Millisecond), Kind: api.EventState, Path: "web/api", Old: api.StateRunning, New: api.StateBackoff,
			Reason: "exit", Exit: &api.Exit{Code: api.IntPtr(1), Reason: api.ReasonExit, Time: t0},
			Tail:    []string{"panic: boom", "exit status 1"},
			Restart: &api.Restart{Strategy: "rest_for_one", Nodes: []string{"web/api", "web/front"}, Used: 2, Max: 3, Period: api.Duration(5 * time.Second), Delay: api.Duration(200 * time.Millisecond)}},
		{Seq: 43, Time: t0.Add(1600 * time.Millisecond), Kind: api.EventState, Path: "web", Old: api.StateRunning, New: api.StateFailed,
			Exit:    &api.Exit{Reason: api.ReasonGaveUp, Time: t0},
			Restart: &api.Restart{Strategy: "one_for_one", Nodes: []string{"web"}, Used: 4, Max: 3, Period: api.Duration(5 * time.Second), GaveUp: true}},
		{Seq: 43, Time: t0.Add(2 * time.Second), Kind: api.EventReloadFailed, Message: "supd.yaml:3:7: root: bad\nsupd.yaml:9:1: worse"},
		{Seq: 44, Time: t0.Add(3 * time.Second), Kind: api.EventShutdown, Message: "SIGTERM"},
	}
)

func startFakeSupd(t *testing.T) *fakeSupd {
	t.Helper()
	f := &fakeSupd{sock: filepath.Join(t.TempDir(), "supd.sock")}
	tree := fixture()
	node := func(w http.ResponseWriter, path string) {
		if n := tree.Root.Find(strings.Trim(path, "/")); n != nil {
			writeJSON(w, 200, n)
			return
		}
		writeJSON(w, 404, api.Error{Error: fmt.Sprintf("no node %q: not found", path)})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/tree", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tree) })
	mux.HandleFunc("GET /v1/nodes/{path...}", func(w http.ResponseWriter, r *http.Request) { node(w, r.PathValue("path")) })
	mux.HandleFunc("POST /v1/nodes/{path...}", func(w http.ResponseWriter, r *http.Request) {
		p := r.PathValue("path")
		p, action := p[:max(0, strings.LastIndexByte(p, '/'))], p[strings.LastIndexByte(p, '/')+1:]
		if action == "scale" {
			if p == "pool" { // a replica set outside the fixture
				writeJSON(w, 200, api.Node{Path: "pool", Name: "pool", Kind: api.KindSupervisor, State: api.StateRunning,
					Budget: &api.Budget{Max: 3, Period: api.Duration(5 * time.Second)}, Replicas: api.IntPtr(2), Children: []api.Node{}})
				return
			}
			if tree.Root.Find(p) != nil {
				writeJSON(w, 409, api.Error{Error: fmt.Sprintf("%q is not a replica set", p)})
				return
			}
		}
		node(w, p)
	})
	mux.HandleFunc("GET /v1/logs", func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Query().Get("path"); p == "web/api" {
			writeLines(w, logLines[1])
			return
		}
		writeLines(w, logLines...)
	})
	mux.HandleFunc("GET /v1/events", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("follow") == "1" {
			writeLines(w, events[1], api.Event{Seq: 43, Time: t0, Kind: api.EventLagged, Message: "fell behind"})
			return
		}
		writeLines(w, events...)
	})
	mux.HandleFunc("POST /v1/reload", func(w http.ResponseWriter, r *http.Request) {
		var req api.ReloadRequest
		json.NewDecoder(r.Body).Decode(&req)
		if !req.DryRun {
			writeJSON(w, 400, api.Error{Error: "reload: supd.yaml:3:7: root: unknown field \"strategi\": invalid request"})
			return
		}
		writeJSON(w, 200, api.Plan{Changes: []api.Change{
			{Path: "", Action: api.ActionKeep}, {Path: "db", Action: api.ActionKeep},
			{Path: "web", Action: api.ActionUpdate, Fields: []api.FieldChange{{Field: "max_restarts", Old: "3", New: "5"}}},
			{Path: "web/api", Action: api.ActionRestart, Fields: []api.FieldChange{{Field: "command", Old: `["a"]`, New: `["b"]`}, {Field: "env.X", Old: "", New: "1"}}},
			{Path: "old", Action: api.ActionRemove}, {Path: "web/new", Action: api.ActionAdd},
		}})
	})
	mux.HandleFunc("POST /v1/logs/reopen", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, api.Reopened{Files: 3})
	})
	mux.HandleFunc("POST /v1/shutdown", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 202, api.Accepted{Message: "shutting down"})
	})
	mux.HandleFunc("GET /v1/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, api.Version{Version: "1.2.3", Go: "go1.26.0", API: "v1"})
	})
	ln, err := net.Listen("unix", f.sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, strings.TrimSpace(r.Method+" "+r.URL.RequestURI()+" "+string(b)))
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		if r.Header.Get("X-Forbid") != "" || strings.Contains(r.URL.Path, "secret") {
			writeJSON(w, 403, api.Error{Error: "access denied: uid 1000 is not root, not supd's uid 0 and not in the control group"})
			return
		}
		mux.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return f
}

// supctl runs the command line against socket and returns its output and
// exit code.
func supctl(socket string, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	a := newApp(&out, &errb)
	a.getenv = func(k string) string {
		if k == api.SocketEnv {
			return socket
		}
		return ""
	}
	a.now = func() time.Time { return t0 }
	a.loc = time.UTC
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code = a.run(ctx, args)
	return out.String(), errb.String(), code
}

func TestOutput(t *testing.T) {
	f := startFakeSupd(t)
	treeJSON, _ := json.Marshal(fixture())
	rootJSON, _ := json.Marshal([]api.Node{fixture().Root})
	tests := []struct {
		args     []string
		want     string
		wantSent string
	}{
		{[]string{"status"}, `
PATH       STATE    PID  UPTIME  RESTARTS  LAST EXIT                                  STATUS
/          running  -    1h      0         -                                          budget 0/3 in 5s
db         running  100  1h      0         -
web        running  -    1h      1         -                                          budget 2/3 in 1m30s
web/api    running  101  3m12s   2         code 1, exit, 3s ago                       listening on :8080
web/front  backoff  -    -       5         signal KILL, watchdog, 1m ago
job        stopped  -    -       0         signal SEGV (core dumped), signal, 2d ago  held for 10m
`, "GET /v1/nodes/"},
		{[]string{"status", "web/api", "db"}, `
PATH     STATE    PID  UPTIME  RESTARTS  LAST EXIT             STATUS
web/api  running  101  3m12s   2         code 1, exit, 3s ago  listening on :8080
db       running  100  1h      0         -
`, "GET /v1/nodes/db"},
		{[]string{"tree"}, `
/              one_for_one   running  budget 0/3 in 5s
├── db                       running  pid 100
├── web        rest_for_one  running  budget 2/3 in 1m30s
│   ├── api                  running  pid 101, listening on :8080
│   └── front                backoff
└── job                      stopped  held for 10m
`, "GET /v1/tree"},
		{[]string{"tree", "web"}, `
web        rest_for_one  running  budget 2/3 in 1m30s
├── api                  running  pid 101, listening on :8080
└── front                backoff
`, "GET /v1/nodes/web"},
		{[]string{"-o", "json", "tree"}, "\n" + string(treeJSON) + "\n", "GET /v1/tree"},
		{[]string{"status", "-o", "json"}, "\n" + string(rootJSON) + "\n", "GET /v1/nodes/"},
		{[]string{"start", "web/api"}, "\nweb/api: running, pid 101; listening on :8080\n", "POST /v1/nodes/web/api/start"},
		{[]string{"restart", "/"}, "\n/: running; budget 0/3 in 5s\n", "POST /v1/nodes/restart"},
		{[]string{"stop", "--for", "10m", "job"}, "\njob: stopped; held for 10m\n", `POST /v1/nodes/job/stop {"for":"10m0s"}`},
		{[]string{"stop", "db"}, "\ndb: running, pid 100\n", "POST /v1/nodes/db/stop"},
		{[]string{"signal", "USR1", "web/api", "--group"}, "\nweb/api: running, pid 101; listening on :8080\n",
			`POST /v1/nodes/web/api/signal {"signal":"USR1","group":true}`},
		{[]string{"scale", "pool", "3"}, "\npool: running; budget 0/3 in 5s; replicas 2\n", `POST /v1/nodes/pool/scale {"replicas":3}`},
		{[]string{"logs"}, `
db        | ready to accept connections
web/api   | GET / 200
`, "GET /v1/logs?n=100"},
		{[]string{"logs", "-n", "5", "web/api"}, "\nGET / 200\n", "GET /v1/logs?n=5&path=web%2Fapi"},
		{[]string{"logs", "-o", "json", "web/api"}, `
{"time":"2025-03-01T12:00:00Z","path":"web/api","stream":"stderr","text":"GET / 200"}
`, "GET /v1/logs?n=100&path=web%2Fapi"},
		{[]string{"events"}, `
2025-03-01 12:00:00.000 web/api: starting -> running (ready)
2025-03-01 12:00:01.500 web/api: running -> backoff: code 1, exit; rest_for_one restarts web/api, web/front after 200ms (budget 2/3 in 5s)
    | panic: boom
    | exit status 1
2025-03-01 12:00:01.600 web: running -> failed: gave_up; one_for_one gave up: budget 4/3 in 5s
2025-03-01 12:00:02.000 reload failed: supd.yaml:3:7: root: bad
    supd.yaml:9:1: worse
2025-03-01 12:00:03.000 shutdown: SIGTERM
`, "GET /v1/events?n=100"},
		{[]string{"events", "-o", "json", "-n", "2"}, "\n" + func() string {
			var b strings.Builder
			for _, e := range events {
				j, _ := json.Marshal(e)
				b.Write(j)
				b.WriteByte('\n')
			}
			return b.String()
		}(), "GET /v1/events?n=2"},
		{[]string{"reload", "--dry-run"}, `
would apply (dry run):
  update   web      max_restarts: 3 → 5
  restart  web/api  command: ["a"] → ["b"]
                    env.X: (unset) → 1
  remove   old
  add      web/new
2 nodes unchanged
`, `POST /v1/reload {"dry_run":true}`},
		{[]string{"-o", "json", "reload", "--dry-run"},
			`
{"changes":[{"path":"","action":"keep"},{"path":"db","action":"keep"},{"path":"web","action":"update","fields":[{"field":"max_restarts","old":"3","new":"5"}]},{"path":"web/api","action":"restart","fields":[{"field":"command","old":"[\"a\"]","new":"[\"b\"]"},{"field":"env.X","old":"","new":"1"}]},{"path":"old","action":"remove"},{"path":"web/new","action":"add"}]}
`, `POST /v1/reload {"dry_run":true}`},
		{[]string{"logs", "--reopen"}, "\nreopened 3 log files\n", "POST /v1/logs/reopen"},
		{[]string{"-o", "json", "logs", "--reopen"}, "\n{\"files\":3}\n", "POST /v1/logs/reopen"},
		{[]string{"shutdown"}, "\nsupd is shutting down\n", "POST /v1/shutdown"},
		{[]string{"-o", "json", "shutdown"}, "\n{\"message\":\"shutting down\"}\n", "POST /v1/shutdown"},
		{[]string{"version"}, fmt.Sprintf("\nsupctl dev (%s, api v1)\nsupd   1.2.3 (go1.26.0, api v1)\n", runtime.Version()), "GET /v1/version"},
		{[]string{"version", "-o", "json"}, fmt.Sprintf("\n{\"client\":{\"version\":\"dev\",\"go\":%q,\"api\":\"v1\"},\"daemon\":{\"version\":\"1.2.3\",\"go\":\"go1.26.0\",\"api\":\"v1\"}}\n", runtime.Version()), "GET /v1/version"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := supctl(f.sock, tt.args...)
			if code != 0 || errOut != "" {
				t.Errorf("exit %d, stderr %q", code, errOut)
			}
			if want := strings.TrimPrefix(tt.want, "\n"); out != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
			}
			if got := f.last(); got != tt.wantSent {
				t.Errorf("last request %q, want %q", got, tt.wantSent)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	f := startFakeSupd(t)
	missing := filepath.Join(t.TempDir(), "none.sock")
	tests := []struct {
		name       string
		socket     string
		args       []string
		code       int
		stdout     string // "" : anything
		stderrHas  string
		stdoutNone bool
	}{
		{"ok", f.sock, []string{"status", "db"}, 0, "", "", false},
		{"help", f.sock, []string{"--help"}, 0, "", "", false},
		{"completion", f.sock, []string{"completion", "bash"}, 0, "", "", false},
		{"unknown node", f.sock, []string{"status", "nope"}, 1, "", `supctl: no node "nope": not found`, true},
		{"one of several unknown", f.sock, []string{"status", "db", "nope"}, 1, "PATH", `no node "nope"`, false},
		{"unknown node for an action", f.sock, []string{"restart", "nope"}, 1, "", `no node "nope"`, true},
		{"forbidden", f.sock, []string{"status", "secret"}, 1, "", "access denied: uid 1000", true},
		{"reload refused", f.sock, []string{"reload"}, 1, "", `supctl: reload: supd.yaml:3:7: root: unknown field "strategi"`, true},
		{"lagged follower", f.sock, []string{"events", "-f"}, 1, "web/api: running -> backoff", "fell behind", false},
		{"unknown command", f.sock, []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`, true},
		{"unknown flag", f.sock, []string{"status", "--colour"}, 2, "", "unknown flag: --colour", true},
		{"too few args", f.sock, []string{"start"}, 2, "", "Run 'supctl start --help' for usage.", true},
		{"too many args", f.sock, []string{"signal", "HUP", "a", "b"}, 2, "", "accepts 2 arg(s), received 3", true},
		{"scale not a number", f.sock, []string{"scale", "db", "three"}, 2, "", `invalid N "three": want a whole number`, true},
		{"scale negative", f.sock, []string{"scale", "db", "--", "-1"}, 2, "", "invalid N -1: must not be negative", true},
		{"scale too few args", f.sock, []string{"scale", "db"}, 2, "", "accepts 2 arg(s), received 1", true},
		{"scale refused", f.sock, []string{"scale", "db", "2"}, 1, "", `supctl: "db" is not a replica set`, true},
		{"top without a terminal", f.sock, []string{"top"}, 2, "", `top needs a terminal (standard input and output are not both one); use "supctl tree"`, true},
		{"top as JSON", f.sock, []string{"-o", "json", "top"}, 2, "", "top has no JSON output", true},
		{"bad -o", f.sock, []string{"-o", "yaml", "status"}, 2, "", `invalid -o "yaml"`, true},
		{"bad duration", f.sock, []string{"stop", "--for", "10", "db"}, 2, "", `invalid argument "10" for "--for"`, true},
		{"negative duration", f.sock, []string{"stop", "--for", "-1m", "db"}, 2, "", "must not be negative", true},
		{"negative count", f.sock, []string{"logs", "-n", "-1"}, 2, "", "must not be negative", true},
		{"reopen with a path", f.sock, []string{"logs", "--reopen", "db"}, 2, "", "--reopen takes no PATH", true},
		{"unreachable", missing, []string{"status"}, 3, "", "cannot reach supd at " + missing + ": supd is not running or the socket path is wrong", true},
		{"unreachable follow", missing, []string{"logs", "-f"}, 3, "", "cannot reach supd at " + missing, true},
		{"unreachable version", missing, []string{"version"}, 3, "supctl dev (", "cannot reach supd", false},
		{"--socket wins", missing, []string{"--socket", f.sock, "status", "db"}, 0, "db ", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := supctl(tt.socket, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			if tt.stderrHas != "" && !strings.Contains(errOut, tt.stderrHas) {
				t.Errorf("stderr %q lacks %q", errOut, tt.stderrHas)
			}
			if tt.code == 0 && errOut != "" {
				t.Errorf("stderr %q on success", errOut)
			}
			if tt.stdoutNone && out != "" {
				t.Errorf("stdout %q, want none", out)
			}
			if tt.stdout != "" && !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout %q lacks %q", out, tt.stdout)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{short(0), "0s"},
		{short(45 * time.Second), "45s"},
		{short(3*time.Minute + 12*time.Second), "3m12s"},
		{short(3 * time.Minute), "3m"},
		{short(2*time.Hour + 5*time.Minute + 30*time.Second), "2h5m"},
		{short(3*24*time.Hour + 4*time.Hour), "3d4h"},
		{short(-time.Second), "0s"},
		{ago(t0, t0.Add(-59*time.Second)), "59s ago"},
		{ago(t0, t0.Add(-61*time.Second)), "1m ago"},
		{ago(t0, t0.Add(-47*time.Hour)), "47h ago"},
		{ago(t0, t0.Add(-49*time.Hour)), "2d ago"},
		{ago(t0, t0.Add(time.Second)), "0s ago"},
		{period(api.Duration(500 * time.Millisecond)), "500ms"},
		{period(api.Duration(time.Minute)), "1m"},
		{lastExit(&api.Exit{Reason: api.ReasonStartFailed, Time: t0}, t0), "start_failed, 0s ago"},
		{lastExit(nil, t0), "-"},
		{exitCause(&api.Exit{Code: api.IntPtr(0), Reason: api.ReasonStartFailed}), "code 0, start_failed"},
		{exitCause(&api.Exit{Code: api.IntPtr(3), Reason: api.ReasonExit}), "code 3, exit"},
		{exitCause(&api.Exit{Signal: "TERM", Reason: api.ReasonUnhealthy}), "signal TERM, unhealthy"},
		{exitCause(&api.Exit{Signal: "SEGV", Core: true, Reason: api.ReasonSignal}), "signal SEGV (core dumped), signal"},
		{exitCause(&api.Exit{Signal: "KILL", OOM: true, Reason: api.ReasonOOM}), "signal KILL (oom), oom"},
		{exitCause(&api.Exit{Reason: api.ReasonGaveUp}), "gave_up"},
		{displayPath(""), "/"},
		{table([][]string{{"a", "bb", ""}, {"ccc", "d", "e"}}), "a    bb\nccc  d   e\n"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

// The command tree builds on its own, for docs and completions (cobra adds
// help and completion when it executes).
func TestNewCommand(t *testing.T) {
	cmd := NewCommand(newApp(io.Discard, io.Discard))
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	want := "events logs reload restart scale shutdown signal start status stop top tree version"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("commands %q, want %q", got, want)
	}
}

// top reaches supd before it takes the screen: a wrong socket is exit 3,
// as for every command.
func TestTopUnreachable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.sock")
	var out, errb bytes.Buffer
	a := newApp(&out, &errb)
	a.isTerminal = func() bool { return true }
	code := a.run(context.Background(), []string{"--socket", missing, "top"})
	if code != exitUnreachable || !strings.Contains(errb.String(), "cannot reach supd at "+missing) || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and the socket named", code, out.String(), errb.String())
	}
}
