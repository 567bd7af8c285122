package tree_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"supd/config"
	"supd/tree"
)

// configDirs holds each test's config folder: the configs a test loads
// share it, as a reloaded file does.
var configDirs sync.Map

// loadRoot loads a config written in a test; replica sets can only come
// from config, which builds their instances.
func loadRoot(t *testing.T, yaml string) *config.Supervisor {
	t.Helper()
	dir, _ := configDirs.LoadOrStore(t, t.TempDir())
	f := filepath.Join(dir.(string), "supd.yaml")
	if err := os.WriteFile(f, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _, err := config.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return c.Root
}

func apiYAML(replicas int, arg string) string {
	return fmt.Sprintf(`version: 1
root:
  children:
    - {name: db, command: ["/bin/db"]}
    - name: api
      command: ["/bin/api", "%s", "--port=${SUPD_INSTANCE}"]
      replicas: %d
      backoff: {initial: 0s, jitter: 0}
`, arg, replicas)
}

func (h *harness) children(path string) []string {
	var out []string
	for _, c := range h.node(path).Children {
		out = append(out, c.Name)
	}
	return out
}

func TestReplicasStartAsInstances(t *testing.T) {
	root := loadRoot(t, apiYAML(3, "v1"))
	run(t, root, func(h *harness) {
		if got := fmt.Sprint(h.children("api")); got != "[0 1 2]" {
			t.Fatalf("instances %s", got)
		}
		for i := range 3 {
			p := h.l.Last(fmt.Sprintf("api/%d", i))
			if p == nil || p.Worker.Env["SUPD_INSTANCE"] != fmt.Sprint(i) || p.Worker.Env["SUPD_REPLICAS"] != "3" ||
				!slices.Contains(p.Worker.Command.Argv, fmt.Sprintf("--port=%d", i)) {
				t.Fatalf("instance %d runs %+v", i, p)
			}
		}
		if n := h.node("api"); !n.Supervisor || n.Replicas != 3 || n.Strategy != config.OneForOne {
			t.Fatalf("api is %+v", n)
		}
		// A crashing instance is restarted alone.
		before := h.pids("api/0", "api/2")
		h.l.Last("api/1").Exit(1)
		h.settle()
		h.wantStarts("api/1", 2)
		if after := h.pids("api/0", "api/2"); !slices.Equal(before, after) {
			t.Fatalf("the others were touched: %v → %v", before, after)
		}
	})
}

func TestScaleUpAndDownKeepsTheOthers(t *testing.T) {
	root := loadRoot(t, apiYAML(2, "v1"))
	run(t, root, func(h *harness) {
		ctx := context.Background()
		before := h.pids("api/0", "api/1")
		m := h.mark()
		if err := h.tr.Scale(ctx, "api", 5); err != nil {
			t.Fatal(err)
		}
		h.settle()
		if got := fmt.Sprint(h.children("api")); got != "[0 1 2 3 4]" {
			t.Fatalf("after scale up: %s", got)
		}
		if after := h.pids("api/0", "api/1"); !slices.Equal(before, after) {
			t.Fatalf("scale up touched the others: %v → %v", before, after)
		}
		if p := h.l.Last("api/4"); p.Worker.Env["SUPD_REPLICAS"] != "5" {
			t.Fatalf("api/4's SUPD_REPLICAS %q", p.Worker.Env["SUPD_REPLICAS"])
		}
		if e := h.eventInto(m, "api/4", tree.Running); e.Path == "" {
			t.Fatal("no running event for api/4")
		}
		if err := h.tr.Scale(ctx, "api", 1); err != nil {
			t.Fatal(err)
		}
		h.settle()
		if got := fmt.Sprint(h.children("api")); got != "[0]" {
			t.Fatalf("after scale down: %s", got)
		}
		if got := h.l.Retired(); !slices.Equal(got, []string{"api/4", "api/3", "api/2", "api/1"}) &&
			!slices.Equal(got, []string{"api/1", "api/2", "api/3", "api/4"}) {
			t.Fatalf("retired %v", got)
		}
		if h.pids("api/0")[0] != before[0] {
			t.Fatal("scale down touched api/0")
		}
		var scales []string
		for _, e := range h.events[m:] {
			if e.Kind == tree.EventScale {
				scales = append(scales, e.Path+" "+e.Message)
			}
		}
		if got := fmt.Sprint(scales); got != "[api 2 → 5 api 5 → 1]" {
			t.Fatalf("scale events %s", got)
		}
		if n := h.node(""); n.Budget.Used != 0 || h.node("api").Budget.Used != 0 {
			t.Fatal("a scale counted toward intensity")
		}
		if err := h.tr.Scale(ctx, "api", 0); err != nil {
			t.Fatal(err)
		}
		h.settle()
		if n := h.node("api"); len(n.Children) != 0 || n.Replicas != 0 || n.State != tree.Running {
			t.Fatalf("at 0: %+v", n)
		}
		if err := h.tr.Scale(ctx, "api", 2); err != nil {
			t.Fatal(err)
		}
		h.settle()
		h.wantState("api/1", tree.Running)
	})
}

func TestScaleErrors(t *testing.T) {
	root := loadRoot(t, apiYAML(1, "v1"))
	run(t, root, func(h *harness) {
		ctx := context.Background()
		for _, tt := range []struct {
			path string
			n    int
			want error
		}{
			{"db", 2, tree.ErrConflict},
			{"", 2, tree.ErrConflict},
			{"nope", 2, tree.ErrNotFound},
			{"api", -1, tree.ErrInvalid},
			{"api/0", 2, tree.ErrConflict},
		} {
			if err := h.tr.Scale(ctx, tt.path, tt.n); !errors.Is(err, tt.want) {
				t.Errorf("scale %q %d: %v, want %v", tt.path, tt.n, err, tt.want)
			}
		}
	})
}

// A reload keeps a count set by scale when replicas: is unchanged, scales
// when it changed, and restarts the instances whose process changed one
// after another, each running again before the next stops.
func TestReloadReplicas(t *testing.T) {
	root := loadRoot(t, apiYAML(2, "v1"))
	run(t, root, func(h *harness) {
		ctx := context.Background()
		if err := h.tr.Scale(ctx, "api", 3); err != nil {
			t.Fatal(err)
		}
		h.settle()
		h.apply(loadRoot(t, apiYAML(2, "v1")), plan())
		if got := fmt.Sprint(h.children("api")); got != "[0 1 2]" {
			t.Fatalf("a reload with replicas unchanged lost the scale: %s", got)
		}
		before := h.pids("api/0", "api/1", "api/2")
		h.apply(loadRoot(t, apiYAML(4, "v1")), plan())
		if got := fmt.Sprint(h.children("api")); got != "[0 1 2 3]" {
			t.Fatalf("a reload to replicas 4: %s", got)
		}
		if after := h.pids("api/0", "api/1", "api/2"); !slices.Equal(before, after) {
			t.Fatalf("a reload's scale touched the others: %v → %v", before, after)
		}
		// A new command: rolling, instance by instance.
		for _, p := range []string{"api/0", "api/1", "api/2", "api/3"} {
			h.l.Last(p).IgnoreTerm = true // each stop takes its stop_timeout
		}
		h.apply(loadRoot(t, apiYAML(4, "v2")), plan())
		h.wantState("api/0", tree.Stopping)
		for _, p := range []string{"api/1", "api/2", "api/3"} {
			h.wantState(p, tree.Running)
			if h.l.Last(p).Exited() {
				t.Fatalf("%s stopped before api/0 ran again", p)
			}
		}
		for i := range 4 {
			h.sleep(10 * time.Second)
			if argv := h.l.Last(fmt.Sprintf("api/%d", i)).Worker.Command.Argv; argv[1] != "v2" {
				t.Fatalf("api/%d runs %v after its turn", i, argv)
			}
		}
		h.wantStarts("api/3", 2)
		if h.node("api").Budget.Used != 0 {
			t.Fatal("the rolling restart counted toward intensity")
		}
	})
}
