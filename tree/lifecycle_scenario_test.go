package tree_test

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/config"
	"supd/tree"
)

func TestShutdownStopsInReverseOrder(t *testing.T) {
	inner := supervisor("inner", config.OneForOne, worker("x"), worker("y"))
	root := supervisor("", config.OneForOne, worker("a"), sup(inner), worker("b"))
	run(t, root, func(h *harness) {
		m := h.mark()
		h.tr.Shutdown()
		<-h.tr.Done()
		want := []string{":stopping", "b:stopping", "b:stopped", "inner:stopping", "inner/y:stopping",
			"inner/y:stopped", "inner/x:stopping", "inner/x:stopped", "inner:stopped", "a:stopping", "a:stopped", ":stopped"}
		if got := h.transitions(m); !slices.Equal(got, want) {
			t.Fatalf("transitions:\n got %v\nwant %v", got, want)
		}
		if r := h.tr.Result(); r.Reason != "" {
			t.Fatalf("result = %+v", r)
		}
	})
}

func TestStopTimeoutEndsInSIGKILL(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("stubborn", func(w *config.Worker) {
		w.StopTimeout = 3 * time.Second
		w.StopSignal = syscall.SIGINT
	}))
	run(t, root, func(h *harness) {
		p := h.l.Last("stubborn")
		p.IgnoreTerm = true
		h.tr.Shutdown()
		h.sleep(2999 * time.Millisecond)
		h.wantState("stubborn", tree.Stopping)
		h.sleep(time.Millisecond)
		<-h.tr.Done()
		if got := p.Signals(); !slices.Equal(got, []syscall.Signal{syscall.SIGINT, syscall.SIGKILL}) {
			t.Fatalf("signals = %v", got)
		}
	})
}

func TestStopTimeoutZeroKillsAtOnce(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("w", func(w *config.Worker) { w.StopTimeout = 0 }))
	run(t, root, func(h *harness) {
		p := h.l.Last("w")
		p.IgnoreTerm = true
		h.tr.Shutdown()
		<-h.tr.Done()
		// OTP's brutal_kill: no stop_signal first (SPEC §1).
		if got := p.Signals(); !slices.Equal(got, []syscall.Signal{syscall.SIGKILL}) {
			t.Fatalf("signals = %v, want only KILL", got)
		}
	})
}

func TestSequentialStartWaitsForReadiness(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("db", readyNotify), worker("api"))
	run(t, root, func(h *harness) {
		h.wantState("db", tree.Starting)
		h.wantStarts("api", 0)
		h.wantState("", tree.Starting)
		h.sleep(time.Second)
		h.wantStarts("api", 0)
		h.l.Last("db").Ready()
		h.settle()
		h.wantState("db", tree.Running)
		h.wantState("api", tree.Running)
		h.wantState("", tree.Running)
		select {
		case <-h.tr.Ready():
		default:
			t.Fatal("Ready not closed")
		}
	})
}

func TestParallelStartDoesNotWait(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("db", readyNotify), worker("api"))
	root.Start = config.Parallel
	run(t, root, func(h *harness) {
		h.wantState("db", tree.Starting)
		h.wantState("api", tree.Running)
		h.wantState("", tree.Starting) // ready once all children are
		h.l.Last("db").Ready()
		h.settle()
		h.wantState("", tree.Running)
	})
}

func TestReadyAfter(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("slow", func(w *config.Worker) {
		w.Ready = config.Ready{Kind: config.ReadyAfter, After: 2 * time.Second}
	}), worker("next"))
	run(t, root, func(h *harness) {
		h.sleep(1999 * time.Millisecond)
		h.wantState("slow", tree.Starting)
		h.wantStarts("next", 0)
		h.sleep(time.Millisecond)
		h.wantState("slow", tree.Running)
		h.wantState("next", tree.Running)
	})
}

func TestExitBeforeReadyIsAStartFailureAndIsRetried(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("db", readyNotify, backoff(time.Second)), worker("api"))
	run(t, root, func(h *harness) {
		h.l.Last("db").Exit(0)
		h.settle()
		h.wantState("db", tree.Backoff)
		e := h.node("db").LastExit
		if e.Reason != tree.ReasonStartFailed {
			t.Fatalf("reason = %s", e.Reason)
		}
		h.wantStarts("api", 0) // the children after it wait
		h.sleep(time.Second)
		h.wantStarts("db", 2)
		h.l.Last("db").Ready()
		h.settle()
		h.wantState("api", tree.Running)
	})
}

func TestReadyTimeoutIsAStartFailure(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("db", readyNotify, func(w *config.Worker) { w.ReadyTimeout = 5 * time.Second }))
	run(t, root, func(h *harness) {
		p := h.l.Last("db")
		h.sleep(5 * time.Second)
		if !p.Exited() {
			t.Fatal("not stopped at ready_timeout")
		}
		e := h.node("db").LastExit
		if e == nil || e.Reason != tree.ReasonStartFailed || !strings.Contains(e.Detail, "not ready within 5s") {
			t.Fatalf("last exit = %+v", e)
		}
		h.wantStarts("db", 2)
	})
}

func TestExecFailureIsRetriedAndCounted(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("bad", backoff(100*time.Millisecond)))
	// Every exec of "bad" fails: 1 try and 3 restarts, then the root gives up.
	runWith(t, root, func(h *harness) { h.l.ExecErr = map[string]error{"bad": syscall.ENOENT} }, func(h *harness) {
		h.sleep(10 * time.Second)
		<-h.tr.Done()
		if r := h.tr.Result(); r.Reason != tree.ReasonGaveUp {
			t.Fatalf("result = %+v", r)
		}
		e := h.node("bad").LastExit
		if e.Reason != tree.ReasonStartFailed || !strings.Contains(e.Detail, "no such file") {
			t.Fatalf("last exit = %+v", e)
		}
		if got := h.node("bad").Restarts; got != 4 {
			t.Fatalf("restarts = %d, want 4 (3 allowed, the 4th gave up)", got)
		}
	})
}

func TestUnhealthyAndWatchdogAreAbnormal(t *testing.T) {
	for _, r := range []tree.Reason{tree.ReasonUnhealthy, tree.ReasonWatchdog} {
		t.Run(string(r), func(t *testing.T) {
			root := supervisor("", config.OneForOne, worker("w", restart(config.Transient)))
			run(t, root, func(h *harness) {
				p := h.l.Last("w")
				p.Fail(r, "probe said no")
				h.settle()
				wantSig := syscall.SIGTERM
				if r == tree.ReasonWatchdog {
					wantSig = syscall.SIGABRT
				}
				if got := p.Signals(); len(got) != 1 || got[0] != wantSig {
					t.Fatalf("signals = %v, want %v", got, wantSig)
				}
				h.wantStarts("w", 2) // transient: abnormal, so restarted
				e := h.node("w").LastExit
				if e.Reason != r || e.Detail != "probe said no" {
					t.Fatalf("last exit = %+v", e)
				}
			})
		})
	}
}

func TestStaleReportsAreDropped(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("w", readyNotify))
	run(t, root, func(h *harness) {
		old := h.l.Last("w")
		old.Ready()
		h.settle()
		done := make(chan error, 1)
		go func() { done <- h.tr.RestartNode(h.t.Context(), "w") }()
		h.settle()
		cur := h.l.Last("w")
		if cur == old || !old.Exited() {
			t.Fatal("restart did not replace the process")
		}
		old.Ready() // a late report of the old run
		old.Exit(1)
		h.settle()
		h.wantState("w", tree.Starting)
		if h.node("w").Restarts != 0 {
			t.Fatal("a manual restart counted as a restart")
		}
		cur.Ready()
		h.settle()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		h.wantState("w", tree.Running)
		if b := h.node("").Budget; b.Used != 0 {
			t.Fatalf("manual restart used budget: %+v", b)
		}
	})
}

// A start that fails in a parallel one_for_all supervisor restarts every
// sibling, none lost from the start queue.
func TestParallelOneForAllStartFailure(t *testing.T) {
	root := supervisor("", config.OneForAll, worker("a"), worker("bad", backoff(time.Second)), worker("c"))
	root.Start = config.Parallel
	root.MaxRestarts = 10
	runWith(t, root, func(h *harness) { h.l.ExecErr = map[string]error{"bad": syscall.EACCES} }, func(h *harness) {
		h.wantState("bad", tree.Backoff)
		h.l.SetExecErr("bad", nil) // it would start now
		h.sleep(time.Second)
		for _, p := range []string{"a", "bad", "c"} {
			h.wantState(p, tree.Running)
		}
		if h.l.Starts("a") < 2 || h.l.Starts("c") < 1 {
			t.Fatalf("a started %d, c %d times", h.l.Starts("a"), h.l.Starts("c"))
		}
	})
}

// A manual start that waits for readiness is answered when a shutdown
// stops the node first.
func TestStartWaiterAnsweredByShutdown(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("slow", readyNotify, func(w *config.Worker) { w.Autostart = false }))
	run(t, root, func(h *harness) {
		done := make(chan error, 1)
		go func() { done <- h.tr.StartNode(h.t.Context(), "slow") }()
		h.settle()
		h.wantState("slow", tree.Starting)
		h.tr.Shutdown()
		h.settle()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "stopped before it was ready") {
				t.Fatalf("start answered %v", err)
			}
		default:
			t.Fatal("the start waiter was never answered")
		}
	})
}

// stop: parallel gives every child its stop at once, each with its own
// stop_signal and stop_timeout, and the supervisor still waits for all of
// them before it exits (or restarts anything).
func TestStopParallel(t *testing.T) {
	root := supervisor("", config.OneForOne,
		worker("a"),
		worker("b", func(w *config.Worker) { w.StopSignal = syscall.SIGINT; w.StopTimeout = 2 * time.Second }),
		worker("c", func(w *config.Worker) { w.StopTimeout = 5 * time.Second }))
	root.Stop = config.Parallel
	run(t, root, func(h *harness) {
		h.l.Last("b").IgnoreTerm = true
		h.l.Last("c").IgnoreTerm = true
		m := h.mark()
		h.tr.Shutdown()
		h.settle()
		for _, p := range []string{"a", "b", "c"} {
			if sig := h.l.Last(p).Signals(); len(sig) == 0 {
				t.Fatalf("%s got no stop at once", p)
			}
		}
		if got := h.l.Last("b").Signals()[0]; got != syscall.SIGINT {
			t.Fatalf("b got %v, want its own stop_signal INT", got)
		}
		h.sleep(2 * time.Second) // b's stop_timeout: b is killed, c still waits
		h.wantState("b", tree.Stopped)
		h.wantState("c", tree.Stopping)
		h.wantState("", tree.Stopping)
		h.sleep(3 * time.Second)
		<-h.tr.Done()
		want := "[:stopping c:stopping b:stopping a:stopping a:stopped b:stopped c:stopped :stopped]"
		if got := fmt.Sprint(h.transitions(m)); got != want {
			t.Fatalf("transitions %s\nwant %s", got, want)
		}
	})
}

// A strategy's restart stops the others (under stop: parallel at once) and
// starts nothing until all of them stopped; the failed child waits out its
// backoff meanwhile without the owner spinning on its due deadline.
func TestStrategyRestartWaitsForEveryStop(t *testing.T) {
	for _, mode := range []config.StopMode{config.Sequential, config.Parallel} {
		t.Run(string(mode), func(t *testing.T) {
			root := supervisor("", config.OneForAll, worker("a"), worker("b"), worker("c", func(w *config.Worker) { w.StopTimeout = time.Second }))
			root.Stop = mode
			run(t, root, func(h *harness) {
				h.l.Last("c").IgnoreTerm = true
				h.l.Last("a").Exit(1)
				h.settle()
				h.wantStarts("a", 1)
				h.wantState("c", tree.Stopping)
				if mode == config.Parallel {
					h.wantState("b", tree.Stopped)
				} else {
					h.wantState("b", tree.Running) // after c, in reverse order
				}
				h.sleep(time.Second)
				for _, p := range []string{"a", "b", "c"} {
					h.wantStarts(p, 2)
					h.wantState(p, tree.Running)
				}
			})
		})
	}
}
