package api

import (
	"encoding/json"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// The JSON shapes are a contract with scripts using `supctl -o json`:
// these goldens must only ever grow.
func TestNodeJSON(t *testing.T) {
	started := t0.Add(-time.Minute)
	tests := []struct {
		name string
		node Node
		want string
	}{
		{
			name: "worker running after an exit",
			node: Node{
				Path: "web/api", Name: "api", Kind: KindWorker, State: StateRunning, PID: 42,
				Since: t0, StartedAt: &started, Restarts: 2,
				LastExit: &Exit{Code: IntPtr(1), Reason: ReasonExit, Time: started},
				Status:   "listening",
			},
			want: `{"path":"web/api","name":"api","kind":"worker","state":"running","pid":42,` +
				`"since":"2025-03-01T12:00:00Z","started_at":"2025-03-01T11:59:00Z","restarts":2,` +
				`"last_exit":{"code":1,"signal":"","core":false,"oom":false,"reason":"exit","detail":"","time":"2025-03-01T11:59:00Z"},` +
				`"status":"listening","stopping":false,"held":false,"held_until":null}`,
		},
		{
			name: "worker killed by a signal, held",
			node: Node{
				Path: "w", Name: "w", Kind: KindWorker, State: StateStopped, Since: t0,
				LastExit: &Exit{Signal: "KILL", Core: true, Reason: ReasonWatchdog, Time: t0},
				Held:     true, HeldUntil: &started,
			},
			want: `{"path":"w","name":"w","kind":"worker","state":"stopped","pid":0,` +
				`"since":"2025-03-01T12:00:00Z","started_at":null,"restarts":0,` +
				`"last_exit":{"code":null,"signal":"KILL","core":true,"oom":false,"reason":"watchdog","detail":"","time":"2025-03-01T12:00:00Z"},` +
				`"status":"","stopping":false,"held":true,"held_until":"2025-03-01T11:59:00Z"}`,
		},
		{
			name: "supervisor without children",
			node: Node{
				Kind: KindSupervisor, State: StateRunning, Since: t0, StartedAt: &started,
				Strategy: "one_for_one", Start: "sequential",
				Budget:   &Budget{Used: 1, Max: 3, Period: Duration(5 * time.Second)},
				Children: []Node{},
			},
			want: `{"path":"","name":"","kind":"supervisor","state":"running","pid":0,` +
				`"since":"2025-03-01T12:00:00Z","started_at":"2025-03-01T11:59:00Z","restarts":0,` +
				`"last_exit":null,"status":"","stopping":false,"held":false,"held_until":null,` +
				`"strategy":"one_for_one","start":"sequential","budget":{"used":1,"max":3,"period":"5s"},"children":[]}`,
		},
		{
			name: "replica set scaled to zero",
			node: Node{
				Path: "api", Name: "api", Kind: KindSupervisor, State: StateRunning, Since: t0, StartedAt: &started,
				Strategy: "one_for_one", Start: "parallel",
				Budget:   &Budget{Max: 3, Period: Duration(5 * time.Second)},
				Replicas: IntPtr(0), Children: []Node{},
			},
			want: `{"path":"api","name":"api","kind":"supervisor","state":"running","pid":0,` +
				`"since":"2025-03-01T12:00:00Z","started_at":"2025-03-01T11:59:00Z","restarts":0,` +
				`"last_exit":null,"status":"","stopping":false,"held":false,"held_until":null,` +
				`"strategy":"one_for_one","start":"parallel","budget":{"used":0,"max":3,"period":"5s"},"replicas":0,"children":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.node)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b, tt.want)
			}
			var back Node
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			b2, _ := json.Marshal(back)
			if string(b2) != tt.want {
				t.Errorf("round trip changed it:\n%s", b2)
			}
		})
	}
}

func TestNodeWalkFind(t *testing.T) {
	root := Node{Kind: KindSupervisor, Children: []Node{
		{Path: "a", Kind: KindSupervisor, Children: []Node{{Path: "a/x"}, {Path: "a/y"}}},
		{Path: "b"},
	}}
	var order []string
	root.Walk(func(n *Node) { order = append(order, n.Path) })
	if got, want := len(order), 5; got != want {
		t.Fatalf("walked %d nodes, want %d", got, want)
	}
	for i, p := range []string{"", "a", "a/x", "a/y", "b"} {
		if order[i] != p {
			t.Errorf("walk[%d] = %q, want %q", i, order[i], p)
		}
	}
	tests := []struct {
		path string
		ok   bool
	}{{"a/y", true}, {"b", true}, {"", true}, {"a/z", false}, {"y", false}}
	for _, tt := range tests {
		n := root.Find(tt.path)
		if (n != nil) != tt.ok || (n != nil && n.Path != tt.path) {
			t.Errorf("Find(%q) = %v, want found=%v", tt.path, n, tt.ok)
		}
	}
}
