package tree_test

import (
	"fmt"
	"testing"
	"time"

	"supd/config"
	"supd/tree"
)

func TestRootGivesUpWhenIntensityIsExceeded(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("a"), worker("crash"))
	run(t, root, func(h *harness) {
		for i := 0; i < 3; i++ {
			h.l.Last("crash").Exit(1)
			h.settle()
			h.wantState("crash", tree.Running)
		}
		m := h.mark()
		h.l.Last("crash").Exit(1)
		h.settle()
		select {
		case <-h.tr.Done():
		default:
			t.Fatal("the root did not give up after the 4th restart in 5s")
		}
		if r := h.tr.Result(); r.Reason != tree.ReasonGaveUp {
			t.Fatalf("result = %+v", r)
		}
		got := h.transitions(m)
		want := []string{"crash:failed", ":stopping", "a:stopping", "a:stopped", ":failed"}
		if len(got) != len(want) {
			t.Fatalf("transitions %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("transitions %v, want %v", got, want)
			}
		}
		if e := h.lastEvent("crash"); e.Restart == nil || !e.Restart.GaveUp || e.Restart.Used != 4 {
			t.Fatalf("give-up event = %+v", e.Restart)
		}
	})
}

func TestIntensityWindowSlides(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("crash"))
	root.MaxRestarts, root.Period = 2, 5*time.Second
	run(t, root, func(h *harness) {
		// Two restarts per 2.5 s, forever: never more than 2 within 5 s.
		for i := 0; i < 10; i++ {
			h.l.Last("crash").Exit(1)
			h.settle()
			h.wantState("crash", tree.Running)
			h.sleep(2500 * time.Millisecond)
		}
		// Then three within the window: give up.
		for i := 0; i < 3; i++ {
			h.l.Last("crash").Exit(1)
			h.settle()
		}
		<-h.tr.Done()
	})
}

// Failure escalates: w crash-loops, b gives up, a restarts b until a gives
// up, and the root restarts a until the root gives up.
func TestEscalationThroughThreeLevels(t *testing.T) {
	b := supervisor("b", config.OneForOne, worker("w"))
	a := supervisor("a", config.OneForOne, sup(b))
	root := supervisor("", config.OneForOne, worker("other"), sup(a))
	for _, s := range []*config.Supervisor{root, a, b} {
		s.MaxRestarts = 1
	}
	run(t, root, func(h *harness) {
		h.wantState("a/b/w", tree.Running)
		h.wantState("a/b", tree.Running)
		h.wantState("a", tree.Running)
		crash := func() {
			h.l.Last("a/b/w").Exit(1)
			h.settle()
		}
		crash() // b restarts w (1 of 1)
		h.wantStarts("a/b/w", 2)
		crash() // b gives up; a restarts b (1 of 1), with a fresh history
		h.wantState("a/b", tree.Running)
		h.wantStarts("a/b/w", 3)
		if n := h.node("a").Budget; n.Used != 1 {
			t.Fatalf("a budget = %+v", n)
		}
		if n := h.node("a/b").Budget; n.Used != 0 {
			t.Fatalf("a restarted b but b kept its history: %+v", n)
		}
		crash() // b restarts w
		crash() // b gives up; a gives up; root restarts a (1 of 1)
		h.wantState("a", tree.Running)
		h.wantStarts("a/b/w", 5)
		if n := h.node("").Budget; n.Used != 1 {
			t.Fatalf("root budget = %+v", n)
		}
		if h.l.Starts("other") != 1 {
			t.Fatal("one_for_one root touched a sibling")
		}
		for i := 0; i < 4; i++ { // and the next round makes the root give up
			crash()
		}
		<-h.tr.Done()
		if r := h.tr.Result(); r.Reason != tree.ReasonGaveUp {
			t.Fatalf("result = %+v", r)
		}
	})
}

func TestSubSupervisorGivingUp(t *testing.T) {
	for _, tt := range []struct {
		restart config.Restart
		state   tree.State
		starts  int
	}{
		{config.Permanent, tree.Running, 3},
		{config.Transient, tree.Failed, 1},
		{config.Temporary, tree.Failed, 1},
	} {
		t.Run(string(tt.restart), func(t *testing.T) {
			s := supervisor("s", config.OneForOne, worker("w"))
			s.MaxRestarts, s.Restart = 0, tt.restart
			root := supervisor("", config.OneForOne, worker("x"), sup(s))
			run(t, root, func(h *harness) {
				h.l.Last("s/w").Exit(1) // s gives up at once
				h.settle()
				h.wantState("s", tt.state)
				h.l.Last("s/w").Exit(1)
				h.settle()
				h.wantStarts("s/w", tt.starts)
				if tt.restart != config.Permanent {
					if e := h.node("s").LastExit; e == nil || e.Reason != tree.ReasonGaveUp {
						t.Fatalf("last exit = %+v", e)
					}
				}
			})
		})
	}
}

func TestBackoffGrowsAndResetsAfterAPeriodOfReadiness(t *testing.T) {
	root := supervisor("", config.OneForOne, worker("w", backoff(100*time.Millisecond)))
	root.MaxRestarts = 100
	run(t, root, func(h *harness) {
		delays := func() time.Duration {
			h.l.Last("w").Exit(1)
			h.settle()
			d := h.lastEvent("w").Restart.Delay
			h.sleep(d)
			h.wantState("w", tree.Running)
			return d
		}
		for _, want := range []time.Duration{100, 200, 400, 800} {
			if got := delays(); got != want*time.Millisecond {
				t.Fatalf("delay = %v, want %v", got, want*time.Millisecond)
			}
		}
		h.sleep(5*time.Second + time.Millisecond) // ready for longer than period
		if got := delays(); got != 100*time.Millisecond {
			t.Fatalf("delay after a long run = %v, want 100ms", got)
		}
	})
}

// Each change of a nested supervisor's state is one event, and its exit
// event carries the restart its parent decided.
func TestNestedSupervisorEventsOncePerChange(t *testing.T) {
	s := supervisor("s", config.OneForOne, worker("w"))
	s.MaxRestarts = 0
	root := supervisor("", config.OneForOne, sup(s))
	run(t, root, func(h *harness) {
		var got []string
		for _, x := range h.transitions(0) {
			if x[:2] == "s:" {
				got = append(got, x)
			}
		}
		if want := "[s:starting s:running]"; fmt.Sprint(got) != want {
			t.Fatalf("start: %v, want %s", got, want)
		}
		m := h.mark()
		h.l.Last("s/w").Exit(1) // s gives up at once, and is restarted
		h.settle()
		want := "[s/w:failed s:stopping s:failed s:starting s/w:starting s/w:running s:running]"
		if got := fmt.Sprint(h.transitions(m)); got != want {
			t.Fatalf("give-up: %v\nwant %s", got, want)
		}
		exit := h.eventInto(m, "s", tree.Failed)
		if exit.Exit == nil || exit.Exit.Reason != tree.ReasonGaveUp || exit.Restart == nil || exit.Restart.Used != 1 {
			t.Fatalf("s's exit event = %+v", exit)
		}
	})
}
