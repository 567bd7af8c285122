package tree_test

import (
	"errors"
	"testing"
	"time"

	"supd/config"
	"supd/tree"
)

func TestManualStopHoldsThroughGroupRestarts(t *testing.T) {
	root := supervisor("", config.OneForAll, worker("a"), worker("held"), worker("c"))
	run(t, root, func(h *harness) {
		if err := h.tr.StopNode(h.t.Context(), "held", 0); err != nil {
			t.Fatal(err)
		}
		h.wantState("held", tree.Stopped)
		if !h.node("held").Held {
			t.Fatal("not shown as held")
		}
		if b := h.node("").Budget; b.Used != 0 {
			t.Fatalf("a manual stop used budget: %+v", b)
		}
		h.l.Last("a").Exit(1) // one_for_all restarts everyone but the held node
		h.settle()
		h.wantState("a", tree.Running)
		h.wantState("c", tree.Running)
		h.wantState("held", tree.Stopped)
		h.wantStarts("held", 1)
		if err := h.tr.StartNode(h.t.Context(), "held"); err != nil {
			t.Fatal(err)
		}
		h.wantState("held", tree.Running)
		h.wantStarts("held", 2)
		if h.node("held").Held {
			t.Fatal("still held after start")
		}
	})
}

func TestStopForEndsByItself(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("w"))
	run(t, root, func(h *harness) {
		if err := h.tr.StopNode(h.t.Context(), "w", 10*time.Minute); err != nil {
			t.Fatal(err)
		}
		if n := h.node("w"); n.State != tree.Stopped || n.HeldUntil.IsZero() {
			t.Fatalf("node = %+v", n)
		}
		h.sleep(10*time.Minute - time.Millisecond)
		h.wantState("w", tree.Stopped)
		h.sleep(time.Millisecond)
		h.wantState("w", tree.Running)
		h.wantStarts("w", 2)
	})
}

func TestAutostartFalse(t *testing.T) {
	root := supervisor("", config.OneForAll, worker("a"), worker("lazy", func(w *config.Worker) { w.Autostart = false }))
	run(t, root, func(h *harness) {
		h.wantState("lazy", tree.Stopped)
		h.wantStarts("lazy", 0)
		h.wantState("", tree.Running)
		if err := h.tr.StartNode(h.t.Context(), "lazy"); err != nil {
			t.Fatal(err)
		}
		h.wantState("lazy", tree.Running)
		h.l.Last("a").Exit(1) // once started it takes part in group restarts
		h.settle()
		h.wantStarts("lazy", 2)
	})
}

func TestManualOperationsOnSubtrees(t *testing.T) {
	inner := supervisor("inner", config.OneForOne, worker("x"), worker("y"))
	root := supervisor("", config.OneForOne, worker("a"), sup(inner))
	run(t, root, func(h *harness) {
		ctx := h.t.Context()
		if err := h.tr.StopNode(ctx, "inner", 0); err != nil {
			t.Fatal(err)
		}
		h.wantState("inner", tree.Stopped)
		h.wantState("inner/x", tree.Stopped)
		if err := h.tr.StartNode(ctx, "inner/x"); !errors.Is(err, tree.ErrConflict) {
			t.Fatalf("start inside a stopped supervisor: %v", err)
		}
		if err := h.tr.RestartNode(ctx, "inner"); err != nil {
			t.Fatal(err)
		}
		h.wantState("inner/y", tree.Running)
		h.wantStarts("inner/x", 2)
		m := h.mark()
		if err := h.tr.RestartNode(ctx, "inner"); err != nil {
			t.Fatal(err)
		}
		want := []string{"inner:stopping", "inner/y:stopping", "inner/y:stopped", "inner/x:stopping", "inner/x:stopped",
			"inner:stopped", "inner:starting", "inner/x:starting", "inner/x:running", "inner/y:starting", "inner/y:running", "inner:running"}
		got := h.transitions(m)
		if len(got) != len(want) {
			t.Fatalf("transitions:\n got %v\nwant %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("transitions:\n got %v\nwant %v", got, want)
			}
		}
		if err := h.tr.StopNode(ctx, "nope/x", 0); !errors.Is(err, tree.ErrNotFound) {
			t.Fatalf("unknown path: %v", err)
		}
		if err := h.tr.StopNode(ctx, "", 0); !errors.Is(err, tree.ErrInvalid) {
			t.Fatalf("the root: %v", err)
		}
		if h.node("").Budget.Used != 0 {
			t.Fatal("manual operations used budget")
		}
	})
}

func TestSignificantAnyShutsDownWithTheJobsCode(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("db"), worker("tests", restart(config.Transient), significant))
	root.AutoShutdown = config.AnySignificant
	run(t, root, func(h *harness) {
		h.l.Last("tests").Exit(7)
		h.settle()
		// Exit 7 is abnormal: transient restarts it, so no shutdown yet.
		h.wantStarts("tests", 2)
		h.l.Last("tests").Exit(0)
		h.settle()
		<-h.tr.Done()
		if r := h.tr.Result(); r.Reason != tree.ReasonAutoShutdown || r.Code != 0 {
			t.Fatalf("result = %+v", r)
		}
		if !h.l.Last("db").Exited() {
			t.Fatal("db left running")
		}
	})
}

func TestSignificantTemporaryExitCode(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("db"), worker("job", restart(config.Temporary), significant))
	root.AutoShutdown = config.AnySignificant
	run(t, root, func(h *harness) {
		h.l.Last("job").Exit(5)
		h.settle()
		<-h.tr.Done()
		if r := h.tr.Result(); r.Reason != tree.ReasonAutoShutdown || r.Code != 5 {
			t.Fatalf("result = %+v", r)
		}
	})
}

func TestSignificantAllWaitsForEvery(t *testing.T) {
	jobs := supervisor("jobs", config.OneForOne,
		worker("j1", restart(config.Temporary), significant),
		worker("j2", restart(config.Temporary), significant),
		worker("svc"))
	jobs.AutoShutdown, jobs.Restart, jobs.Significant = config.AllSignificant, config.Transient, true
	root := supervisor("", config.OneForOne, worker("db"), sup(jobs))
	root.AutoShutdown = config.AnySignificant
	run(t, root, func(h *harness) {
		h.l.Last("jobs/j1").Exit(0)
		h.settle()
		h.wantState("jobs", tree.Running)
		h.l.Last("jobs/j2").Exit(3)
		h.settle()
		// jobs shuts down normally; it is transient and significant, so
		// the root shuts down too, with j2's code.
		<-h.tr.Done()
		if r := h.tr.Result(); r.Reason != tree.ReasonAutoShutdown || r.Code != 3 {
			t.Fatalf("result = %+v", r)
		}
	})
}

func TestNonSignificantExitTriggersNothing(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("db"), worker("once", restart(config.Temporary)))
	root.AutoShutdown = config.AnySignificant
	run(t, root, func(h *harness) {
		h.l.Last("once").Exit(0)
		h.settle()
		select {
		case <-h.tr.Done():
			t.Fatal("a non-significant exit shut the tree down")
		default:
		}
		h.wantState("once", tree.Exited)
	})
}

// A manual restart of the worker a sequential start waits on keeps the
// order: the next sibling starts only once the restarted run is ready.
func TestRestartDuringSequentialStartKeepsOrder(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("db", readyNotify), worker("api"))
	run(t, root, func(h *harness) {
		done := make(chan error, 1)
		go func() { done <- h.tr.RestartNode(h.t.Context(), "db") }()
		h.settle()
		h.wantStarts("db", 2)
		h.wantStarts("api", 0)
		h.l.Last("db").Ready()
		h.settle()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		h.wantState("api", tree.Running)
	})
}
