package health

import (
	"context"
	"fmt"
	"time"
)

// Schedule is how a Checker runs its probe.
type Schedule struct {
	Interval time.Duration // from the start of one probe to the start of the next (up to 1/20 later, see onTick); <= 0: 1s
	Timeout  time.Duration // a probe still running then is cancelled and fails; <= 0: Interval
	Grace    time.Duration // before the first probe
	Failures int           // consecutive failures that make a worker unhealthy; <= 0: 1
}

func (s Schedule) normalized() Schedule {
	if s.Interval <= 0 {
		s.Interval = time.Second
	}
	if s.Timeout <= 0 {
		s.Timeout = s.Interval
	}
	if s.Failures <= 0 {
		s.Failures = 1
	}
	return s
}

// Checker runs a probe on a schedule on one goroutine of its own. A
// goroutine (rather than a timer whose callback starts each probe) makes
// "one probe in flight" true by construction, lets Stop wait for the end
// of everything the checker does, and costs nothing while it sleeps; the
// probe itself runs on it, so a probe adds no goroutine.
//
// A probe that outlives the next tick delays it: probes never pile up.
type Checker struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Liveness starts a `health:` check: after s.Grace, a probe every
// s.Interval; s.Failures consecutive failures (a success resets the count)
// call unhealthy once, with what the last one saw, and end the checker.
func Liveness(p Prober, s Schedule, unhealthy func(detail string)) *Checker {
	s = s.normalized()
	failed := 0
	return start(p, s, func(r Result) bool {
		if r.OK {
			failed = 0
			return true
		}
		failed++
		if failed < s.Failures {
			return true
		}
		if s.Failures == 1 {
			unhealthy(r.Detail)
		} else {
			unhealthy(fmt.Sprintf("%d consecutive probes failed, the last: %s", failed, r.Detail))
		}
		return false
	})
}

// Readiness starts a `ready:` probe: after s.Grace, a probe every
// s.Interval until the first success, which calls ready once and ends the
// checker. Failures are not counted: ready_timeout bounds the wait.
func Readiness(p Prober, s Schedule, ready func()) *Checker {
	return start(p, s.normalized(), func(r Result) bool {
		if r.OK {
			ready()
			return false
		}
		return true
	})
}

// start runs the loop; judge sees each result and says whether to go on.
// The callbacks run on the checker's goroutine: they must not block, and
// must not call Stop.
func start(p Prober, s Schedule, judge func(Result) bool) *Checker {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Checker{cancel: cancel, done: make(chan struct{})}
	go c.run(ctx, p, s, judge)
	return c
}

func (c *Checker) run(ctx context.Context, p Prober, s Schedule, judge func(Result) bool) {
	defer close(c.done)
	due := time.Now().Add(s.Grace) // when the next probe is due
	t := time.NewTimer(s.Grace)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, s.Timeout)
		r := p.Probe(pctx)
		cancel()
		if ctx.Err() != nil {
			return // stopped: the result belongs to nobody
		}
		if !judge(r) {
			return
		}
		now := time.Now()
		due = due.Add(s.Interval)
		if due.Before(now) {
			due = now // the probe outlived the interval: the next one at once
		}
		t.Reset(onTick(due, s.Interval).Sub(now))
	}
}

// tickMax bounds how much later than due onTick makes a probe.
const tickMax = 50 * time.Millisecond

// onTick rounds due up to the next tick: a multiple of min(tickMax,
// interval/20) of the wall clock, the same ticks for every checker.
//
// Why: the probes of workers started at different moments are spread over
// the interval, and a probe that wakes alone costs a wakeup of an idle
// thread, an epoll_wait and a pass of the scheduler for itself; probes that
// wake together share them. For 500 workers probed over HTTP every second
// that is several times the CPU. A probe is then at most 1/20 of its
// interval late, and the lateness does not add up (due advances by exactly
// the interval). Only the offset within a tick is taken from the wall
// clock, so a step of the clock moves no probe by more than a tick.
func onTick(due time.Time, interval time.Duration) time.Time {
	q := min(tickMax, interval/20)
	if q <= 0 {
		return due
	}
	late := (q - time.Duration(due.UnixNano()%int64(q))) % q
	return due.Add(late)
}

// Stop cancels a running probe and ends the checker. It is idempotent, and
// it returns only once the checker's goroutine is gone: no callback runs
// after it. It must not be called from the checker's own callback.
func (c *Checker) Stop() {
	c.cancel()
	<-c.done
}

// Done is closed when the checker has ended: stopped, or finished by its
// callback.
func (c *Checker) Done() <-chan struct{} { return c.done }
