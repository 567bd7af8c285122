package tree

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"supd/config"

	"supd/osproc"
)

// msg is the sealed type of everything an owner receives.
type msg interface{ isMsg() }

// From a worker's launcher, tagged with the generation of the run.
type (
	workerExited struct {
		c    *child
		gen  uint64
		exit osproc.Exit
		tail []string
	}
	workerReady struct {
		c   *child
		gen uint64
	}
	workerFailed struct {
		c      *child
		gen    uint64
		reason Reason
		detail string
	}
	workerNotice struct {
		c   *child
		gen uint64
		n   Notice
	}
)

// From a nested supervisor to its parent, tagged with the generation of the
// start the parent asked for: the changes it makes to its own state, which
// its parent records (and emits).
type (
	supReady struct {
		c   *child
		gen uint64
	}
	supStopping struct { // it began to stop all its children by itself
		c   *child
		gen uint64
	}
	supExited struct {
		c      *child
		gen    uint64
		reason Reason // "" when it stopped because it was asked to
		code   int    // exit code of the last significant worker, for auto_shutdown
	}
)

// From a parent to a nested supervisor (or from the Tree to the root).
type (
	startSelf struct{ gen uint64 }
	stopSelf  struct{}
	// applyPlan carries a reload to a supervisor: its new spec and the
	// whole plan's actions by path. done is counted down once the
	// supervisor has taken its step (its nested owners count their own).
	applyPlan struct {
		spec    *config.Supervisor
		actions map[string]config.Action
		done    *sync.WaitGroup
		refused *atomic.Pointer[error] // set by the root when it cannot apply
	}
	// endSelf ends a removed supervisor's owner, which has stopped all
	// its children.
	endSelf struct{}
)

// op is a manual operation.
type op int

const (
	opStart op = iota
	opStop
	opRestart
	opSignal
)

// command is a manual operation on the child named name. reply gets the
// outcome once the operation is complete, or an error at once; it must have
// room for one value.
type command struct {
	op    op
	name  string
	hold  time.Duration // opStop: 0 holds until start
	sig   syscall.Signal
	group bool
	reply chan error
}

func (workerExited) isMsg() {}
func (workerReady) isMsg()  {}
func (workerFailed) isMsg() {}
func (workerNotice) isMsg() {}
func (supReady) isMsg()     {}
func (supStopping) isMsg()  {}
func (supExited) isMsg()    {}
func (startSelf) isMsg()    {}
func (stopSelf) isMsg()     {}
func (applyPlan) isMsg()    {}
func (endSelf) isMsg()      {}
func (command) isMsg()      {}

// monitor is the Monitor a launcher reports one run through.
type monitor struct {
	box *mailbox
	c   *child
	gen uint64
}

func (m monitor) Ready() { m.box.post(workerReady{m.c, m.gen}) }
func (m monitor) Exited(e osproc.Exit, tail []string) {
	m.box.post(workerExited{m.c, m.gen, e, tail})
}
func (m monitor) Failed(r Reason, d string) { m.box.post(workerFailed{m.c, m.gen, r, d}) }
func (m monitor) Status(n Notice)           { m.box.post(workerNotice{m.c, m.gen, n}) }

// parentLink is how a supervisor reports the changes it makes to its own
// state to whoever keeps its record and emits its events: its parent's
// owner (childLink), or for the root the Tree (rootLink). It is called
// from the supervisor's own goroutine.
type parentLink interface {
	ready(gen uint64)
	stopping(gen uint64)
	exited(gen uint64, reason Reason, code int)
}

// childLink reports to the parent's owner through its mailbox, after the
// nested supervisor's step is published (supervisor.report).
type childLink struct {
	from *supervisor // the nested supervisor
	box  *mailbox    // its parent's
	c    *child      // the parent's record of it
}

func (l childLink) ready(gen uint64) {
	l.from.report(func() { l.box.post(supReady{l.c, gen}) })
}

func (l childLink) stopping(gen uint64) {
	l.from.report(func() { l.box.post(supStopping{l.c, gen}) })
}

func (l childLink) exited(gen uint64, reason Reason, code int) {
	l.from.report(func() { l.box.post(supExited{c: l.c, gen: gen, reason: reason, code: code}) })
}
