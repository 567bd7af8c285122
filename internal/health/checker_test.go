package health

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// script is a Prober that returns scripted results, each after a delay,
// and records when probes started and how many ran at once.
type script struct {
	start  time.Time
	steps  []step
	mu     sync.Mutex
	calls  []time.Duration // start of each probe, from start
	active int
	most   int // the most probes in flight at once
	cancel int // probes that saw their context end
}

type step struct {
	ok    bool
	delay time.Duration // how long the probe takes
}

func (s *script) Probe(ctx context.Context) Result {
	s.mu.Lock()
	i := len(s.calls)
	s.calls = append(s.calls, time.Since(s.start))
	s.active++
	s.most = max(s.most, s.active)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
	}()
	st := step{ok: true}
	if i < len(s.steps) {
		st = s.steps[i]
	}
	select {
	case <-time.After(st.delay):
	case <-ctx.Done():
		s.mu.Lock()
		s.cancel++
		s.mu.Unlock()
		return Result{Detail: fmt.Sprintf("probe %d: timed out", i)}
	}
	return Result{OK: st.ok, Detail: fmt.Sprintf("probe %d", i)}
}

func steps(pattern string) []step {
	var out []step
	for _, c := range pattern {
		out = append(out, step{ok: c == 'S'})
	}
	return out
}

func ms(n ...int) []time.Duration {
	var out []time.Duration
	for _, x := range n {
		out = append(out, time.Duration(x)*time.Millisecond)
	}
	return out
}

func TestLiveness(t *testing.T) {
	tests := []struct {
		name      string
		sched     Schedule
		steps     []step
		calls     []time.Duration // probe start times
		unhealthy time.Duration   // when unhealthy was called; 0 if never
		detail    string
	}{
		{
			name:      "three consecutive failures",
			sched:     Schedule{Interval: 100 * time.Millisecond, Timeout: 50 * time.Millisecond, Failures: 3},
			steps:     steps("FFSFFF"),
			calls:     ms(0, 100, 200, 300, 400, 500),
			unhealthy: 500 * time.Millisecond,
			detail:    "3 consecutive probes failed, the last: probe 5",
		},
		{
			name:      "grace before the first probe",
			sched:     Schedule{Interval: 100 * time.Millisecond, Timeout: 50 * time.Millisecond, Grace: time.Second, Failures: 1},
			steps:     steps("SF"),
			calls:     ms(1000, 1100),
			unhealthy: 1100 * time.Millisecond,
			detail:    "probe 1",
		},
		{
			name:  "successes keep it healthy",
			sched: Schedule{Interval: 100 * time.Millisecond, Timeout: 50 * time.Millisecond, Failures: 2},
			steps: steps("FSFSFS"),
			calls: ms(0, 100, 200, 300, 400, 500, 600),
		},
		{
			name:  "a timeout is a failure",
			sched: Schedule{Interval: 100 * time.Millisecond, Timeout: 30 * time.Millisecond, Failures: 2},
			steps: []step{{ok: true, delay: time.Hour}, {ok: true, delay: time.Hour}},
			calls: ms(0, 100),
			// The second probe starts at 100ms and is cut off at 130ms.
			unhealthy: 130 * time.Millisecond,
			detail:    "2 consecutive probes failed, the last: probe 1: timed out",
		},
		{
			name:  "a slow probe delays the next, never overlaps it",
			sched: Schedule{Interval: 100 * time.Millisecond, Timeout: time.Second, Failures: 1},
			steps: []step{{ok: true, delay: 250 * time.Millisecond}, {ok: true}, {ok: true, delay: 30 * time.Millisecond}, {ok: false}},
			calls: ms(0, 250, 350, 450),
			// probe 0 took 250ms: probe 1 at once; probe 2 at 350; probe 3 at 450 fails.
			unhealthy: 450 * time.Millisecond,
			detail:    "probe 3",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{start: time.Now(), steps: tc.steps}
				var got []string
				var at time.Duration
				c := Liveness(s, tc.sched, func(d string) {
					got = append(got, d)
					at = time.Since(s.start)
				})
				time.Sleep(tc.calls[len(tc.calls)-1] + tc.sched.Interval/2)
				synctest.Wait()
				c.Stop()
				if !reflect.DeepEqual(s.calls, tc.calls) {
					t.Errorf("probes started at %v, want %v", s.calls, tc.calls)
				}
				if s.most != 1 {
					t.Errorf("%d probes in flight at once", s.most)
				}
				switch {
				case tc.unhealthy == 0 && len(got) > 0:
					t.Errorf("unhealthy(%q) at %v, want never", got, at)
				case tc.unhealthy != 0 && (len(got) != 1 || got[0] != tc.detail || at != tc.unhealthy):
					t.Errorf("unhealthy %q at %v, want once, %q at %v", got, at, tc.detail, tc.unhealthy)
				}
			})
		})
	}
}

// TestLivenessEndsAfterUnhealthy: once unhealthy, the checker probes no more.
func TestLivenessEndsAfterUnhealthy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{start: time.Now(), steps: steps("FFFFFF")}
		n := 0
		c := Liveness(s, Schedule{Interval: time.Second, Timeout: time.Second, Failures: 2}, func(string) { n++ })
		<-c.Done()
		time.Sleep(time.Minute)
		if n != 1 || len(s.calls) != 2 {
			t.Fatalf("unhealthy %d times after %d probes; want once after 2", n, len(s.calls))
		}
		c.Stop()
	})
}

func TestReadiness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{start: time.Now(), steps: steps("FFFFS")}
		var readyAt []time.Duration
		c := Readiness(s, Schedule{Interval: time.Second, Timeout: time.Second, Failures: 1}, func() {
			readyAt = append(readyAt, time.Since(s.start))
		})
		<-c.Done()
		time.Sleep(time.Minute) // no probe after the success
		synctest.Wait()
		if want := []time.Duration{4 * time.Second}; !reflect.DeepEqual(readyAt, want) {
			t.Fatalf("ready at %v, want %v", readyAt, want)
		}
		if len(s.calls) != 5 {
			t.Fatalf("%d probes, want 5", len(s.calls))
		}
		c.Stop()
	})
}

func TestStop(t *testing.T) {
	tests := []struct {
		name   string
		steps  []step
		stopAt time.Duration
		probes int // started before the stop
		cancel int // cut off by it
	}{
		{"while sleeping", steps("FF"), 150 * time.Millisecond, 2, 0},
		{"during grace", steps("F"), 10 * time.Millisecond, 0, 0},
		{"during a probe", []step{{ok: false}, {ok: false, delay: time.Hour}}, 150 * time.Millisecond, 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{start: time.Now(), steps: tc.steps}
				grace := time.Duration(0)
				if tc.name == "during grace" {
					grace = time.Second
				}
				var mu sync.Mutex
				stopped := false
				late := false
				c := Liveness(s, Schedule{Interval: 100 * time.Millisecond, Timeout: time.Hour, Grace: grace, Failures: 2}, func(string) {
					mu.Lock()
					late = late || stopped
					mu.Unlock()
				})
				time.Sleep(tc.stopAt)
				// Two concurrent Stops, then a third: all return, none early.
				var wg sync.WaitGroup
				for range 2 {
					wg.Go(c.Stop)
				}
				wg.Wait()
				select {
				case <-c.Done():
				default:
					t.Fatal("Stop returned before the checker ended")
				}
				c.Stop()
				mu.Lock()
				stopped = true
				mu.Unlock()
				time.Sleep(time.Minute)
				synctest.Wait()
				if late {
					t.Fatal("callback ran after Stop")
				}
				if len(s.calls) != tc.probes || s.cancel != tc.cancel {
					t.Fatalf("%d probes, %d cancelled; want %d and %d", len(s.calls), s.cancel, tc.probes, tc.cancel)
				}
			})
		})
	}
}

// TestStopDiscardsResult: a probe that ends because of Stop reports
// nothing, even a failure that would have been the last straw.
func TestStopDiscardsResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{start: time.Now(), steps: []step{{ok: false, delay: time.Hour}}}
		called := false
		c := Liveness(s, Schedule{Interval: time.Second, Timeout: 2 * time.Hour, Failures: 1}, func(string) { called = true })
		time.Sleep(time.Second)
		c.Stop()
		if called {
			t.Fatal("unhealthy called for a probe cut off by Stop")
		}
	})
}

func TestScheduleDefaults(t *testing.T) {
	got := Schedule{}.normalized()
	want := Schedule{Interval: time.Second, Timeout: time.Second, Failures: 1}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if got := (Schedule{Interval: 3 * time.Second}).normalized(); got.Timeout != 3*time.Second {
		t.Fatalf("timeout defaults to %v, want the interval", got.Timeout)
	}
	if got := (Schedule{Failures: 2}).normalized(); got.Failures != 2 {
		t.Fatalf("failures %d, want 2", got.Failures)
	}
}

// TestProbesOnSharedTicks: after the first, probes start on ticks that all
// checkers share (multiples of interval/20, at most 50ms, of the clock),
// less than a tick after they are due, and the lateness does not add up.
func TestProbesOnSharedTicks(t *testing.T) {
	tests := []struct {
		name     string
		offset   time.Duration // the checker starts this long after a whole second
		interval time.Duration
		calls    []time.Duration // probe starts, from that whole second
	}{
		{"1s: 50ms ticks", 13 * time.Millisecond, time.Second, ms(13, 1050, 2050, 3050)},
		{"not a multiple of the tick", 13 * time.Millisecond, 1010 * time.Millisecond, ms(13, 1050, 2050, 3050, 4100)},
		{"100ms: 5ms ticks", 13 * time.Millisecond, 100 * time.Millisecond, ms(13, 115, 215, 315)},
		{"due on a tick", 0, time.Second, ms(0, 1000, 2000)},
		{"10ms: 500µs ticks", 1, 10 * time.Millisecond, []time.Duration{1, 10500 * time.Microsecond, 20500 * time.Microsecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{start: time.Now()} // the bubble's clock starts on a whole second
				time.Sleep(tc.offset)
				c := Liveness(s, Schedule{Interval: tc.interval, Timeout: time.Millisecond, Failures: 1}, func(string) {})
				time.Sleep(tc.calls[len(tc.calls)-1] - tc.offset + tc.interval/2)
				synctest.Wait()
				c.Stop()
				if !reflect.DeepEqual(s.calls, tc.calls) {
					t.Errorf("probes started at %v, want %v", s.calls, tc.calls)
				}
			})
		})
	}
}
