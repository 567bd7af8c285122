package tree_test

import (
	"slices"
	"syscall"
	"testing"
	"time"

	"supd/config"
	"supd/tree"
)

func TestOneForOneRestartsOnlyTheFailedChild(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("a"), worker("b", backoff(100*time.Millisecond)), worker("c"))
	run(t, root, func(h *harness) {
		a, c := h.l.Last("a"), h.l.Last("c")
		h.l.Last("b").Exit(1)
		h.settle()
		h.wantState("b", tree.Backoff)
		e := h.lastEvent("b")
		if e.Exit == nil || e.Exit.Status == nil || e.Exit.Status.Code != 1 || e.Exit.Reason != tree.ReasonExit || e.Restart == nil {
			t.Fatalf("exit event = %+v", e)
		}
		if e.Restart.Delay != 100*time.Millisecond || e.Restart.Used != 1 || e.Restart.Max != 3 {
			t.Fatalf("restart = %+v", *e.Restart)
		}
		if len(e.Exit.Tail) == 0 {
			t.Fatalf("exit event carries no tail")
		}
		h.sleep(99 * time.Millisecond)
		h.wantState("b", tree.Backoff)
		h.sleep(time.Millisecond)
		h.wantState("b", tree.Running)
		h.wantStarts("b", 2)
		if h.l.Last("a") != a || h.l.Last("c") != c || a.Exited() || c.Exited() {
			t.Fatal("one_for_one touched a sibling")
		}
		if got := h.node("b").Restarts; got != 1 {
			t.Fatalf("restarts = %d", got)
		}
	})
}

func TestOneForAllStopsInReverseThenStartsInOrder(t *testing.T) {
	root := supervisor("", config.OneForAll, worker("a"), worker("b"), worker("c"), worker("d"))
	run(t, root, func(h *harness) {
		m := h.mark()
		h.l.Last("b").Exit(1)
		h.settle()
		got := h.transitions(m)
		want := []string{"b:backoff", "d:stopping", "d:stopped", "c:stopping", "c:stopped", "a:stopping", "a:stopped",
			"a:starting", "a:running", "b:starting", "b:running", "c:starting", "c:running", "d:starting", "d:running"}
		if !slices.Equal(got, want) {
			t.Fatalf("transitions:\n got %v\nwant %v", got, want)
		}
		for _, p := range []string{"a", "b", "c", "d"} {
			h.wantStarts(p, 2)
		}
		if r := h.lastEvent("b"); r.New != tree.Running {
			t.Fatalf("b: %+v", r)
		}
	})
}

func TestRestForOneRestartsTheRest(t *testing.T) {
	root := supervisor("", config.RestForOne, worker("db"), worker("api"), worker("web"))
	run(t, root, func(h *harness) {
		db := h.l.Last("db")
		m := h.mark()
		h.l.Last("api").Die(syscall.SIGSEGV)
		h.settle()
		got := h.transitions(m)
		want := []string{"api:backoff", "web:stopping", "web:stopped", "api:starting", "api:running", "web:starting", "web:running"}
		if !slices.Equal(got, want) {
			t.Fatalf("transitions:\n got %v\nwant %v", got, want)
		}
		if h.l.Last("db") != db || db.Exited() {
			t.Fatal("rest_for_one touched a child before the failed one")
		}
		ev := h.eventInto(m, "api", tree.Backoff)
		if ev.Exit.Reason != tree.ReasonSignal || ev.Exit.Status == nil || ev.Exit.Status.Signal != syscall.SIGSEGV {
			t.Fatalf("exit = %+v", ev.Exit)
		}
		if !slices.Equal(ev.Restart.Nodes, []string{"api", "web"}) || ev.Restart.Strategy != config.RestForOne {
			t.Fatalf("restart = %+v", ev.Restart)
		}
	})
}

func TestStrategyRestartCountsOnce(t *testing.T) {
	root := supervisor("", config.OneForAll, worker("a"), worker("b"), worker("c"))
	run(t, root, func(h *harness) {
		h.l.Last("a").Exit(1)
		h.settle()
		if b := h.node("").Budget; b.Used != 1 || b.Max != 3 {
			t.Fatalf("budget = %+v, want 1 of 3", b)
		}
	})
}

func TestRestartTypes(t *testing.T) {
	tests := []struct {
		restart  config.Restart
		code     int
		restarts bool
		state    tree.State
	}{
		{config.Permanent, 0, true, tree.Running},
		{config.Permanent, 1, true, tree.Running},
		{config.Transient, 0, false, tree.Exited},
		{config.Transient, 1, true, tree.Running},
		{config.Temporary, 0, false, tree.Exited},
		{config.Temporary, 1, false, tree.Failed},
	}
	for _, tt := range tests {
		t.Run(string(tt.restart)+"/"+string(rune('0'+tt.code)), func(t *testing.T) {
			root := supervisor("", config.OneForAll, worker("w", restart(tt.restart)), worker("sib"))
			run(t, root, func(h *harness) {
				h.l.Last("w").Exit(tt.code)
				h.settle()
				h.wantState("w", tt.state)
				starts := 1
				if tt.restarts {
					starts = 2
				}
				h.wantStarts("w", starts)
				// A worker that is not restarted triggers nothing in its siblings.
				h.wantStarts("sib", starts)
			})
		})
	}
}

func TestSuccessCodesIncludeSignal(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("w", restart(config.Transient), func(w *config.Worker) {
		w.SuccessCodes = config.SuccessCodes{Codes: []int{0}, Signals: []syscall.Signal{syscall.SIGTERM}}
	}))
	run(t, root, func(h *harness) {
		h.l.Last("w").Die(syscall.SIGTERM)
		h.settle()
		h.wantState("w", tree.Exited)
	})
}

func TestSignalFromOutsideIsAbnormal(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("w", restart(config.Transient)))
	run(t, root, func(h *harness) {
		if err := h.tr.SignalNode(h.t.Context(), "w", syscall.SIGTERM, false); err != nil {
			t.Fatal(err)
		}
		h.settle()
		// A `supctl signal` is not a stop: the exit by TERM is abnormal.
		h.wantStarts("w", 2)
		if e := h.node("w").LastExit; e == nil || e.Reason != tree.ReasonSignal {
			t.Fatalf("last exit = %+v", e)
		}
	})
}
