package daemon

import (
	"reflect"
	"testing"

	"supd/config"
	"supd/control/api"
	"supd/tree"
)

// Snapshot builders for the tables below.
func wk(path string, st tree.State, opts ...func(*tree.Snapshot)) *tree.Snapshot {
	s := &tree.Snapshot{Path: path, State: st}
	for _, o := range opts {
		o(s)
	}
	return s
}

func sv(path string, st tree.State, mode config.StartMode, children ...*tree.Snapshot) *tree.Snapshot {
	return &tree.Snapshot{Path: path, State: st, Supervisor: true, Start: mode, Children: children}
}

func exitedOnce(s *tree.Snapshot) {
	s.LastExit = &tree.ExitInfo{Reason: tree.ReasonStartFailed}
	s.Restarts = 1
}

func held(s *tree.Snapshot) { s.Held = true }

const (
	seq = config.Sequential
	par = config.Parallel
)

func TestInitialStartDone(t *testing.T) {
	tests := []struct {
		name string
		root *tree.Snapshot
		want bool
	}{
		{"root running", sv("", tree.Running, seq, wk("a", tree.Running)), true},
		{"first start under way", sv("", tree.Starting, par, wk("a", tree.Running), wk("b", tree.Starting)), false},
		{"not started yet behind a starting one", sv("", tree.Starting, seq, wk("a", tree.Starting), wk("b", tree.Stopped)), false},
		{"a failed first start, parallel", sv("", tree.Starting, par, wk("a", tree.Running), wk("b", tree.Backoff, exitedOnce)), true},
		{"retrying after a failed first start", sv("", tree.Starting, par, wk("a", tree.Starting, exitedOnce), wk("b", tree.Running)), true},
		{"a failed first start blocks the rest, sequential", sv("", tree.Starting, seq,
			wk("a", tree.Running), wk("b", tree.Backoff, exitedOnce), wk("c", tree.Stopped), wk("d", tree.Stopped)), true},
		{"failed first start, parallel, one still starting", sv("", tree.Starting, par,
			wk("a", tree.Backoff, exitedOnce), wk("b", tree.Starting)), false},
		{"held workers take no part", sv("", tree.Starting, seq, wk("a", tree.Running), wk("b", tree.Stopped, held), wk("c", tree.Starting)), false},
		{"held workers take no part, done", sv("", tree.Running, seq, wk("a", tree.Running), wk("b", tree.Stopped, held)), true},
		{"exited for good", sv("", tree.Starting, par, wk("a", tree.Exited), wk("b", tree.Failed)), true},
		{"nested, still starting", sv("", tree.Starting, seq, wk("a", tree.Running),
			sv("web", tree.Starting, par, wk("web/api", tree.Running), wk("web/front", tree.Starting))), false},
		{"nested failed start blocks its later siblings", sv("", tree.Starting, seq,
			sv("web", tree.Starting, par, wk("web/api", tree.Backoff, exitedOnce), wk("web/front", tree.Running)),
			wk("b", tree.Stopped)), true},
		{"nested not started yet", sv("", tree.Starting, seq, wk("a", tree.Starting), sv("web", tree.Stopped, par, wk("web/api", tree.Stopped))), false},
		{"nested supervisor that gave up", sv("", tree.Starting, seq, sv("web", tree.Failed, par, wk("web/api", tree.Stopped)), wk("b", tree.Running)), true},
		{"empty root", sv("", tree.Running, seq), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := initialStartDone(tt.root); got != tt.want {
				t.Errorf("initialStartDone = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNotReady(t *testing.T) {
	cfg := func(sig ...string) *config.Config {
		w := func(name string) config.Node {
			wk := &config.Worker{Name: name}
			for _, s := range sig {
				if s == name {
					wk.Significant = true
				}
			}
			return config.Node{Worker: wk}
		}
		web := &config.Supervisor{Name: "web", Children: []config.Node{w("api"), w("front")}}
		return &config.Config{Root: &config.Supervisor{Children: []config.Node{w("db"), {Supervisor: web}, w("job")}}}
	}
	tree1 := func(db, api, front, job tree.State, opts ...func(*tree.Snapshot)) *tree.Snapshot {
		webState := tree.Running
		w := sv("web", webState, par, wk("web/api", api), wk("web/front", front, opts...))
		return sv("", tree.Running, seq, wk("db", db), w, wk("job", job))
	}
	nr := func(pairs ...string) []api.NotReady {
		var out []api.NotReady
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, api.NotReady{Path: pairs[i], State: api.State(pairs[i+1])})
		}
		return out
	}
	tests := []struct {
		name string
		cfg  *config.Config
		root *tree.Snapshot
		want []api.NotReady
	}{
		{"all running", cfg(), tree1(tree.Running, tree.Running, tree.Running, tree.Running), nil},
		{"every node counts without significant ones", cfg(), tree1(tree.Running, tree.Backoff, tree.Running, tree.Starting),
			nr("web/api", "backoff", "job", "starting")},
		{"an exited worker is fine", cfg(), tree1(tree.Running, tree.Running, tree.Running, tree.Exited), nil},
		{"a failed worker is not", cfg(), tree1(tree.Running, tree.Running, tree.Running, tree.Failed), nr("job", "failed")},
		{"only significant nodes count", cfg("job"), tree1(tree.Backoff, tree.Backoff, tree.Running, tree.Running), nil},
		{"a significant node that is not ready", cfg("job", "db"), tree1(tree.Backoff, tree.Backoff, tree.Running, tree.Starting),
			nr("db", "backoff", "job", "starting")},
		{"held nodes are left out", cfg(), tree1(tree.Running, tree.Running, tree.Stopped, tree.Running, held), nil},
		{"a stopped worker that is not held", cfg(), tree1(tree.Running, tree.Running, tree.Stopped, tree.Running), nr("web/front", "stopped")},
		{"a supervisor counts too", cfg(), sv("", tree.Starting, seq, wk("db", tree.Running),
			sv("web", tree.Starting, par, wk("web/api", tree.Running), wk("web/front", tree.Starting)), wk("job", tree.Stopped)),
			nr("web", "starting", "web/front", "starting", "job", "stopped")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notReady(tt.cfg, tt.root); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("notReady = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStatusLine(t *testing.T) {
	tests := []struct {
		root *tree.Snapshot
		want string
	}{
		{sv("", tree.Running, seq), "0 running, 0 failed"},
		{sv("", tree.Running, seq, wk("a", tree.Running), sv("w", tree.Running, par, wk("w/b", tree.Running), wk("w/c", tree.Backoff))),
			"2 running, 1 backoff, 0 failed"},
		{sv("", tree.Starting, seq, wk("a", tree.Starting), wk("b", tree.Stopped), wk("c", tree.Exited), wk("d", tree.Failed)),
			"0 running, 1 starting, 1 stopped, 1 exited, 1 failed"},
		{sv("", tree.Stopping, seq, wk("a", tree.Stopping), wk("b", tree.Running)), "shutting down: 1 running, 1 stopping, 0 failed"},
	}
	for _, tt := range tests {
		if got := statusLine(tt.root); got != tt.want {
			t.Errorf("statusLine = %q, want %q", got, tt.want)
		}
	}
}
