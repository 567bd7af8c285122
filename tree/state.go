package tree

import (
	"time"

	"supd/config"
	"supd/osproc"
)

// State is a node's state (SPEC §2.7).
type State string

const (
	Stopped  State = "stopped"
	Starting State = "starting"
	Running  State = "running"
	Stopping State = "stopping"
	Backoff  State = "backoff" // workers only
	Exited   State = "exited"  // workers only
	Failed   State = "failed"
)

// active reports whether a node in state s has something running that a
// stop must end.
func (s State) active() bool { return s == Starting || s == Running || s == Stopping }

// Reasons for a supervisor's exit, besides the workers' reasons.
const (
	ReasonGaveUp       Reason = "gave_up"       // intensity exceeded
	ReasonAutoShutdown Reason = "auto_shutdown" // significant children ended
)

// ExitInfo describes how a run of a node ended.
type ExitInfo struct {
	// Status is how the worker's process ended; nil when no process ended
	// (exec failed, or the node is a supervisor).
	Status *osproc.Exit
	Reason Reason
	Detail string // a start failure's error, an unhealthy probe's output
	Time   time.Time
	Tail   []string // the worker's last lines
}

// String describes the exit for messages: the reason, then how the
// process ended, then the detail: "start_failed: code 0: exited before it
// was ready".
func (x *ExitInfo) String() string {
	s := string(x.Reason)
	if x.Status != nil {
		s += ": " + x.Status.String()
	}
	if x.Detail != "" {
		s += ": " + x.Detail
	}
	return s
}

// Code is the exit code an auto_shutdown takes from this exit (SPEC §2.6):
// the process's code, 128+n after a signal, and 1 for a start that failed
// without a failing code.
func (x *ExitInfo) Code() int {
	switch {
	case x == nil:
		return 0
	case x.Status != nil && x.Status.Signal != 0:
		return 128 + int(x.Status.Signal)
	case x.Status != nil && (x.Status.Code != 0 || x.Reason != ReasonStartFailed):
		return x.Status.Code
	case x.Reason == ReasonStartFailed:
		return 1
	}
	return 0
}

// RestartInfo is the restart an exit caused, as events show it.
type RestartInfo struct {
	Strategy config.Strategy
	Nodes    []string      // paths restarted, in start order
	Used     int           // restarts within Period, this one included
	Max      int           // max_restarts
	Period   time.Duration // the intensity window
	Delay    time.Duration // backoff before the failed worker starts again
	GaveUp   bool          // the restart exceeded intensity: the supervisor gave up instead
}

// EventKind says what an event is about.
type EventKind string

const (
	EventState EventKind = "state"
)

// Event is one change of state with its cause. Seq is set by whoever
// numbers events (the daemon's bus).
type Event struct {
	Seq     uint64
	Time    time.Time
	Kind    EventKind
	Path    string
	Old     State
	New     State
	Exit    *ExitInfo    // set when the change is an exit
	Restart *RestartInfo // set when the exit caused a restart or a give-up
	Message string
}
