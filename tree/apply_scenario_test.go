package tree_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"supd/config"
	"supd/tree"
)

// plan builds a plan from "path:action" pairs; unnamed paths are kept.
func plan(changes ...string) config.Plan {
	var p config.Plan
	for _, c := range changes {
		i := len(c) - 1
		for c[i] != ':' {
			i--
		}
		p.Changes = append(p.Changes, config.Change{Path: c[:i], Action: config.Action(c[i+1:])})
	}
	return p
}

func (h *harness) apply(root *config.Supervisor, p config.Plan) {
	h.t.Helper()
	if err := h.tr.Apply(context.Background(), root, p); err != nil {
		h.t.Fatalf("apply: %v", err)
	}
	h.settle()
}

func (h *harness) pids(paths ...string) []int {
	var out []int
	for _, p := range paths {
		out = append(out, h.node(p).Pid)
	}
	return out
}

func TestReloadRestartsAChangedWorkerAlone(t *testing.T) {
	root := supervisor("", config.OneForAll, worker("a"), worker("b"), worker("c"))
	run(t, root, func(h *harness) {
		before := h.pids("a", "b", "c")
		next := supervisor("", config.OneForAll, worker("a"),
			worker("b", func(w *config.Worker) { w.Command.Argv = []string{"/bin/b", "--new"} }), worker("c"))
		m := h.mark()
		h.apply(next, plan("b:restart"))
		after := h.pids("a", "b", "c")
		if after[0] != before[0] || after[2] != before[2] || after[1] == before[1] {
			t.Fatalf("pids %v → %v: want only b replaced, even under one_for_all", before, after)
		}
		if argv := h.l.Last("b").Worker.Command.Argv; !slices.Equal(argv, []string{"/bin/b", "--new"}) {
			t.Fatalf("b runs %v, want the new command", argv)
		}
		if n := h.node(""); n.Budget.Used != 0 || h.node("b").Restarts != 0 {
			t.Fatalf("a reload counted: budget %d, restarts %d", n.Budget.Used, h.node("b").Restarts)
		}
		if got, want := fmt.Sprint(h.transitions(m)), "[b:stopping b:stopped b:starting b:running]"; got != want {
			t.Fatalf("transitions %s, want %s", got, want)
		}
	})
}

func TestReloadUpdatesInPlace(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("a"))
	run(t, root, func(h *harness) {
		p := h.l.Last("a")
		next := supervisor("", config.OneForOne, worker("a", restart(config.Temporary), func(w *config.Worker) {
			w.Health = &config.Health{Probe: config.Probe{TCP: "127.0.0.1:1", Interval: time.Second}, Failures: 3}
		}))
		next.MaxRestarts = 7
		h.apply(next, plan("a:update"))
		if h.l.Last("a") != p || p.Exited() {
			t.Fatal("an update restarted the worker")
		}
		if tuned := p.Tuned(); len(tuned) != 1 || tuned[0].Health == nil {
			t.Fatalf("tuned %v, want the new health check", tuned)
		}
		if b := h.node("").Budget; b.Max != 7 {
			t.Fatalf("budget %+v, want max 7", b)
		}
		p.Exit(1) // temporary now: not restarted
		h.settle()
		h.wantState("a", tree.Failed)
		h.wantStarts("a", 1)
	})
}

func TestReloadKeepsUntouchedNodes(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("a"), sup(supervisor("s", config.OneForOne, worker("w"))))
	run(t, root, func(h *harness) {
		before := h.pids("a", "s/w")
		m := h.mark()
		next := supervisor("", config.OneForOne, worker("a"), sup(supervisor("s", config.OneForOne, worker("w"))))
		h.apply(next, plan())
		if after := h.pids("a", "s/w"); !slices.Equal(before, after) {
			t.Fatalf("pids %v → %v", before, after)
		}
		if got := h.transitions(m); len(got) != 0 {
			t.Fatalf("a reload of the same config emitted %v", got)
		}
	})
}

func TestReloadRemovesAndAddsInOrder(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("a"), worker("gone"), worker("c"))
	run(t, root, func(h *harness) {
		old := h.l.Last("gone")
		next := supervisor("", config.OneForOne, worker("a"), worker("new1", readyNotify), worker("c"), worker("new2"))
		m := h.mark()
		h.apply(next, plan("gone:remove", "new1:add", "new2:add"))
		if !old.Exited() {
			t.Fatal("the removed worker still runs")
		}
		// Sequential: new2 waits for new1's readiness.
		h.wantState("new1", tree.Starting)
		h.wantStarts("new2", 0)
		h.l.Last("new1").Ready()
		h.settle()
		h.wantState("new2", tree.Running)
		var names []string
		for _, c := range h.tr.Snapshot().Children {
			names = append(names, c.Name)
		}
		if got := fmt.Sprint(names); got != "[a new1 c new2]" {
			t.Fatalf("children %s", got)
		}
		if got := h.l.Retired(); !slices.Equal(got, []string{"gone"}) {
			t.Fatalf("retired %v", got)
		}
		want := "[gone:stopping gone:stopped new1:starting new1:running new2:starting new2:running]"
		if got := fmt.Sprint(h.transitions(m)); got != want {
			t.Fatalf("transitions %s\nwant %s", got, want)
		}
	})
}

func TestReloadRemovedSubtreeIsStoppedAndItsOwnerEnds(t *testing.T) {
	inner := supervisor("inner", config.OneForOne, worker("x"))
	root := supervisor("", config.OneForOne, worker("a"), sup(supervisor("s", config.OneForOne, worker("w1"), worker("w2"), sup(inner))))
	run(t, root, func(h *harness) {
		if n := h.tr.Owners(); n != 3 {
			t.Fatalf("%d owners, want 3", n)
		}
		next := supervisor("", config.OneForOne, worker("a"))
		h.apply(next, plan("s:remove", "s/w1:remove", "s/w2:remove", "s/inner:remove", "s/inner/x:remove"))
		if n := h.tr.Owners(); n != 1 {
			t.Fatalf("%d owners after removing s and s/inner, want 1", n)
		}
		for _, p := range []string{"s/w1", "s/w2", "s/inner/x"} {
			if !h.l.Last(p).Exited() {
				t.Fatalf("%s still runs", p)
			}
		}
		if n := h.tr.Snapshot().Find("s"); n != nil {
			t.Fatalf("s is still in the tree: %+v", n)
		}
		if err := h.tr.StopNode(context.Background(), "s/w1", 0); !errors.Is(err, tree.ErrNotFound) {
			t.Fatalf("stop of a removed node: %v", err)
		}
		if got := fmt.Sprint(h.l.Retired()); got != "[s/w1 s/w2 s/inner/x]" {
			t.Fatalf("retired %s", got)
		}
		// The bubble ends only if the removed owners' goroutines did.
	})
}

func TestReloadAddsASubtreeStartedInOrder(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("a"))
	run(t, root, func(h *harness) {
		next := supervisor("", config.OneForOne,
			sup(supervisor("s", config.OneForOne, worker("db", readyNotify), worker("api"))), worker("a"))
		h.apply(next, plan("s:add", "s/db:add", "s/api:add"))
		if n := h.tr.Owners(); n != 2 {
			t.Fatalf("%d owners, want 2", n)
		}
		h.wantState("s", tree.Starting)
		h.wantStarts("s/api", 0)
		h.l.Last("s/db").Ready()
		h.settle()
		h.wantState("s/api", tree.Running)
		h.wantState("s", tree.Running)
		// The added owner serves commands.
		if err := h.tr.RestartNode(context.Background(), "s/api"); err != nil {
			t.Fatal(err)
		}
		h.wantStarts("s/api", 2)
	})
}

func TestReloadKeepsHolds(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("a"), worker("b"))
	run(t, root, func(h *harness) {
		if err := h.tr.StopNode(context.Background(), "b", 0); err != nil {
			t.Fatal(err)
		}
		next := supervisor("", config.OneForOne, worker("a"), worker("b", func(w *config.Worker) { w.Command.Argv = []string{"/bin/new"} }))
		h.apply(next, plan("b:restart"))
		h.wantState("b", tree.Stopped)
		h.wantStarts("b", 1)
		if !h.node("b").Held {
			t.Fatal("the hold was lost")
		}
		if err := h.tr.StartNode(context.Background(), "b"); err != nil {
			t.Fatal(err)
		}
		if argv := h.l.Last("b").Worker.Command.Argv; argv[0] != "/bin/new" {
			t.Fatalf("b started %v, want the reloaded spec", argv)
		}
	})
}

func TestReloadKeepsTheRestartHistoryAndNewLimitsApply(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("crash"))
	run(t, root, func(h *harness) {
		h.l.Last("crash").Exit(1)
		h.l.Last("crash").Exit(1) // the same one: a report of an old run is dropped
		h.settle()
		h.wantState("crash", tree.Running)
		next := supervisor("", config.OneForOne, worker("crash"))
		next.MaxRestarts = 1
		h.apply(next, plan(":update"))
		if b := h.node("").Budget; b.Used != 1 || b.Max != 1 {
			t.Fatalf("budget %+v, want 1 of 1 kept", b)
		}
		h.l.Last("crash").Exit(1)
		h.settle()
		select {
		case <-h.tr.Done():
		default:
			t.Fatal("the root did not give up at the lowered max_restarts")
		}
	})
}

func TestReloadAutostartTrueStartsAHeldWorker(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("lazy", func(w *config.Worker) { w.Autostart = false }))
	run(t, root, func(h *harness) {
		h.wantStarts("lazy", 0)
		h.apply(supervisor("", config.OneForOne, worker("lazy")), plan("lazy:update"))
		h.wantState("lazy", tree.Running)
	})
}

func TestReloadChangesAKind(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("x"))
	run(t, root, func(h *harness) {
		old := h.l.Last("x")
		next := supervisor("", config.OneForOne, sup(supervisor("x", config.OneForOne, worker("w"))))
		h.apply(next, plan("x:add", "x/w:add"))
		if !old.Exited() {
			t.Fatal("the old worker x still runs")
		}
		h.wantState("x", tree.Running)
		h.wantState("x/w", tree.Running)
		if got := len(h.tr.Snapshot().Children); got != 1 {
			t.Fatalf("%d children, want 1", got)
		}
	})
}

func TestReloadDuringShutdownIsRefused(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("stubborn"))
	run(t, root, func(h *harness) {
		h.l.Last("stubborn").IgnoreTerm = true
		h.tr.Shutdown()
		h.settle()
		err := h.tr.Apply(context.Background(), supervisor("", config.OneForOne), plan("stubborn:remove"))
		if !errors.Is(err, tree.ErrConflict) {
			t.Fatalf("apply during shutdown: %v, want a conflict", err)
		}
		h.wantState("stubborn", tree.Stopping)
	})
}

func TestReloadDuringACrashLoop(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("loop", backoff(time.Second)))
	root.MaxRestarts = 100
	run(t, root, func(h *harness) {
		h.l.Last("loop").Exit(1)
		h.settle()
		h.wantState("loop", tree.Backoff)
		fixed := supervisor("", config.OneForOne, worker("loop", backoff(time.Second), func(w *config.Worker) { w.Command.Argv = []string{"/bin/fixed"} }))
		fixed.MaxRestarts = 100
		h.apply(fixed, plan("loop:restart"))
		h.sleep(time.Second)
		if argv := h.l.Last("loop").Worker.Command.Argv; argv[0] != "/bin/fixed" {
			t.Fatalf("the restart after backoff runs %v, want the reloaded command", argv)
		}
		h.wantStarts("loop", 2)
	})
}
