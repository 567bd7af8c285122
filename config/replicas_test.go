package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const replicasYAML = `version: 1
logs: {dir: /var/log/supd}
defaults:
  env: {SHARD: "s${SUPD_INSTANCE}"}
root:
  max_restarts: 7
  period: 1m
  children:
    - name: web
      children:
        - name: api
          command: [serve, "--port=80${SUPD_INSTANCE}", --fixed]
          replicas: 3
          significant: true
          restart: transient
          dir: /srv/${SUPD_INSTANCE}
          env: {NAME: "api-${SUPD_INSTANCE}", PLAIN: p}
          ready: {tcp: "localhost:80${SUPD_INSTANCE}", interval: 2s}
          health: {http: "http://localhost:90${SUPD_INSTANCE}/"}
    - name: shell
      command: exec ./api --port=$((8080 + SUPD_INSTANCE))
      replicas: 2
      logs: {file: "/tmp/shell-${SUPD_INSTANCE}.log"}
      ready: {exec: [check, "${SUPD_INSTANCE}"]}
    - name: none
      command: [x]
      replicas: 0
`

func TestReplicaSetShape(t *testing.T) {
	c := mustParse(t, replicasYAML)
	web := c.Root.Children[0].Supervisor
	set := web.Children[0].Supervisor
	if set == nil || set.Replicas == nil {
		t.Fatalf("api is %+v, want a replica set", web.Children[0])
	}
	want := Supervisor{Name: "api", Strategy: OneForOne, MaxRestarts: 3, Period: 5 * time.Second,
		Start: Parallel, Stop: Parallel, Restart: Permanent, AutoShutdown: Never, Significant: true}
	got := *set
	got.Children, got.Replicas = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("set\n got %+v\nwant %+v (intensity from its parent web)", got, want)
	}
	if set.Replicas.Count != 3 || len(set.Children) != 3 {
		t.Errorf("count %d, %d children", set.Replicas.Count, len(set.Children))
	}
	if top := c.Root.Children[1].Supervisor; top.MaxRestarts != 7 || top.Period != time.Minute {
		t.Errorf("a set under the root has intensity %d in %v, want the root's 7 in 1m", top.MaxRestarts, top.Period)
	}
	if none := c.Root.Children[2].Supervisor; none.Replicas.Count != 0 || none.Children == nil || len(none.Children) != 0 {
		t.Errorf("replicas: 0 = %+v", none)
	}

	var paths []string
	for path := range c.All() {
		paths = append(paths, path)
	}
	wantPaths := []string{"web", "web/api", "web/api/0", "web/api/1", "web/api/2", "shell", "shell/0", "shell/1", "none"}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("paths = %v, want %v", paths, wantPaths)
	}
	if n, ok := c.Lookup("web/api/2"); !ok || n.Worker == nil || n.Worker.Name != "2" {
		t.Errorf("Lookup(web/api/2) = %+v, %v", n, ok)
	}
}

func TestReplicaInstances(t *testing.T) {
	c := mustParse(t, replicasYAML)
	api := c.Root.Children[0].Supervisor.Children[0].Supervisor
	w1 := api.Children[1].Worker
	tests := []struct {
		name      string
		got, want any
	}{
		{"name", w1.Name, "1"},
		{"argv", w1.Command.Argv, []string{"serve", "--port=801", "--fixed"}},
		{"dir", w1.Dir, "/srv/1"},
		{"env", w1.Env, map[string]string{"NAME": "api-1", "PLAIN": "p", "SHARD": "s1", "SUPD_INSTANCE": "1", "SUPD_REPLICAS": "3"}},
		{"ready", *w1.Ready.Probe, Probe{TCP: "localhost:801", Interval: 2 * time.Second, Timeout: time.Second}},
		{"ready exec", c.Root.Children[1].Supervisor.Children[1].Worker.Ready.Probe.Exec, []string{"check", "1"}},
		{"health http", w1.Health.HTTP, "http://localhost:901/"},
		{"log under dir", w1.Logs.File, "/var/log/supd/web_api_1.log"},
		{"restart applies to each", w1.Restart, Transient},
		{"significant is the set's", w1.Significant, false},
		{"shell command", c.Root.Children[1].Supervisor.Children[0].Worker.Command.Argv,
			[]string{"/bin/sh", "-c", "exec ./api --port=$((8080 + SUPD_INSTANCE))"}},
		{"explicit log file", c.Root.Children[1].Supervisor.Children[1].Worker.Logs.File, "/tmp/shell-1.log"},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}

	// A scale makes instances of another count, each its own copy.
	w5, err := api.Replicas.Instance(5, 8)
	if err != nil {
		t.Fatal(err)
	}
	if w5.Name != "5" || w5.Env["SUPD_REPLICAS"] != "8" || w5.Dir != "/srv/5" || w5.Logs.File != "/var/log/supd/web_api_5.log" ||
		w5.Ready.Probe.TCP != "localhost:805" || w1.Ready.Probe.TCP != "localhost:801" {
		t.Errorf("instance 5 of 8 = %+v", w5)
	}
	again, _ := api.Replicas.Instance(1, 3)
	if !reflect.DeepEqual(again, w1) {
		t.Errorf("Instance(1, 3) differs from the loaded instance 1:\n%+v\n%+v", again, w1)
	}
	for _, in := range [][2]int{{-1, 3}, {3, 3}, {0, 0}, {0, MaxReplicas + 1}} {
		if _, err := api.Replicas.Instance(in[0], in[1]); err == nil {
			t.Errorf("Instance(%d, %d) = nil error", in[0], in[1])
		}
	}
}

// TestInstanceAddressCheck checks that an address made per instance is
// checked per instance, naming where it was written.
func TestInstanceAddressCheck(t *testing.T) {
	c := mustParse(t, "version: 1\nroot: {children: [{name: api, command: [x], replicas: 2,\n  ready: {tcp: \"localhost:6553${SUPD_INSTANCE}\"}}]}\n")
	r := c.Root.Children[0].Supervisor.Replicas
	if _, err := r.Instance(5, 6); err != nil {
		t.Errorf("instance 5 (port 65535): %v", err)
	}
	_, err := r.Instance(6, 7)
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 || !errors.Is(err, ErrInvalid) {
		t.Fatalf("instance 6 (port 65536): err = %v", err)
	}
	want := `supd.yaml:3:16: root.children[0] "api/6": ready.tcp: "localhost:65536" is not HOST:PORT`
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v\nwant %s…", err, want)
	}
}

// TestReplicasBudget checks that instances count toward the node budget,
// so that aliases cannot multiply replica sets beyond it.
func TestReplicasBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nroot:\n  children:\n")
	for i := range 4 {
		b.WriteString("    - {name: w" + string(rune('a'+i)) + ", command: [x], replicas: 100000}\n")
	}
	_, _, err := parseString(t, b.String(), "")
	if err == nil || !strings.Contains(err.Error(), "config too large") {
		t.Fatalf("err = %.500v", err)
	}
}
