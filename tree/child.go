package tree

import (
	"time"

	"supd/config"
)

// stopKind says why a child is being stopped; it decides how its exit counts.
type stopKind int

const (
	stopNone    stopKind = iota
	stopOrdered          // by its supervisor: a strategy's restart, a shutdown, a manual stop
	stopFailure          // unhealthy, watchdog or ready_timeout: the exit is abnormal
)

// wantKind is what a manual operation waits for.
type wantKind int

const (
	wantStopped wantKind = iota
	wantRunning
)

type waiter struct {
	want  wantKind
	reply chan error
}

// child is a supervisor's record of one child. Only the owner touches it.
type child struct {
	idx  int
	name string
	path string
	node config.Node
	sup  *supervisor // the owner of a nested supervisor; nil for a worker

	state     State
	gen       uint64 // generation of the current (or last) start
	proc      Process
	pid       int
	since     time.Time // when state last changed
	startedAt time.Time // when the current run started
	readyAt   time.Time // when the current run became ready

	restarts    int // restarts its supervisor decided
	backoffStep int
	notBefore   time.Time // backoff: no start before this
	lastExit    *ExitInfo

	held      bool           // stopped by `supctl stop` (or autostart: false)
	autoHeld  bool           // held only because of autostart: false
	holdUntil time.Time      // a hold that ends by itself
	removing  bool           // removed by a reload: stopping, then gone
	touched   bool           // in its supervisor's touched list, for the next publish
	timed     bool           // in its supervisor's timed list: it may have a deadline
	ran       *config.Worker // the spec of the current (or last) run
	rollGen   uint64         // a rolling restart stopped the run of this generation

	stop       stopKind
	failReason Reason
	failDetail string
	killAt     time.Time // stop_timeout: SIGKILL then
	readyBy    time.Time // ready_timeout
	afterAt    time.Time // `ready: {after: D}` is met then

	status         string // sd_notify STATUS=
	notifyStopping bool   // sd_notify STOPPING=1

	restartAfterStop bool // a manual restart: start again once stopped
	significantEnded bool // significant, ended and not restarted (SPEC §2.6)
	exitCode         int  // a nested supervisor's auto_shutdown code
	waiters          []waiter
	snap             *Snapshot // the last published, reused while unchanged
}

func (c *child) isWorker() bool { return c.node.Worker != nil }

// resolve answers, through s, the waiters that wait for w with err.
func (c *child) resolve(s *supervisor, w wantKind, err error) {
	kept := c.waiters[:0]
	for _, x := range c.waiters {
		if x.want == w {
			s.answer(x.reply, err)
		} else {
			kept = append(kept, x)
		}
	}
	c.waiters = kept
}

// next is the earliest deadline the child has armed, zero for none. A backoff
// that has run out is no deadline: its start waits for something else (the
// supervisor's stops), and every step tries it again.
func (c *child) next(now time.Time) time.Time {
	t := earlier(earlier(c.killAt, c.readyBy), earlier(c.afterAt, c.holdUntil))
	if c.state == Backoff && c.notBefore.After(now) {
		t = earlier(t, c.notBefore)
	}
	return t
}

// earlier is the earlier of two deadlines, a zero one being none.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// shutdownCode is the code a significant child's end gives an auto_shutdown.
func (c *child) shutdownCode() int {
	if !c.isWorker() {
		return c.exitCode
	}
	return c.lastExit.Code()
}
