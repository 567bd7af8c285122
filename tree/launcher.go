package tree

import (
	"syscall"

	"supd/config"
	"supd/osproc"
)

// Launcher runs workers for the tree. The tree calls it from a supervisor's
// owner goroutine, so Launch must not block for long: it starts the process
// and returns; everything after that arrives through the Monitor.
type Launcher interface {
	// Launch starts one run of a worker. An error is a start failure
	// (exec failed, credentials refused, a log file cannot be opened).
	Launch(spec LaunchSpec) (Process, error)
	// Retire says that the worker at path was removed from the tree (by a
	// reload) after its last run ended: what the launcher keeps for it
	// across runs, such as its log, can go.
	Retire(path string)
}

// LaunchSpec is what the launcher needs for one start of a worker.
type LaunchSpec struct {
	Path    string // e.g. "web/api"
	Gen     uint64 // the generation of this start; results belong to it
	Worker  *config.Worker
	Monitor Monitor // where the launcher reports this run's progress
}

// Process is one running worker as the tree sees it.
type Process interface {
	// Pid is the pid supd reports and signals (MAINPID= may change it).
	Pid() int
	// Signal sends sig to the worker's process, or with group to its whole
	// process group and cgroup.
	Signal(sig syscall.Signal, group bool) error
	// Kill SIGKILLs every process left in the worker's group and cgroup.
	Kill()
	// Running tells the launcher that the tree judged the run ready: health
	// checks and the watchdog are armed from then on.
	Running()
	// Tune applies a reload's changes of the worker's live fields to the
	// running process: its health check and its log settings. The fields
	// that define the process do not change (those restart it).
	Tune(w *config.Worker)
}

// Monitor receives a run's progress. Each method posts a message tagged with
// the run's generation to the owning supervisor; it never blocks on a
// supervisor that has gone, and reports for an older generation are dropped.
type Monitor interface {
	// Ready says the worker met its readiness condition (notify, fd, probe).
	// Readiness `started` and `after` are judged by the tree itself.
	Ready()
	// Exited reports the end of the run: the main process was reaped and
	// whatever it left in its group was killed. tail holds its last lines.
	Exited(exit osproc.Exit, tail []string)
	// Failed asks the tree to stop the worker as a failure: reason is
	// ReasonUnhealthy or ReasonWatchdog, detail what the probe saw.
	Failed(reason Reason, detail string)
	// Status reports sd_notify's STATUS= text, STOPPING=1 and MAINPID=.
	Status(n Notice)
}

// Notice is a worker's sd_notify state other than readiness.
type Notice struct {
	Status   *string // STATUS=; nil when not sent
	Stopping bool    // STOPPING=1
	MainPID  int     // MAINPID=; 0 when not sent
}

// Reason says why a worker exited.
type Reason string

const (
	ReasonExit        Reason = "exit"
	ReasonSignal      Reason = "signal"
	ReasonOOM         Reason = "oom"
	ReasonUnhealthy   Reason = "unhealthy"
	ReasonWatchdog    Reason = "watchdog"
	ReasonStartFailed Reason = "start_failed"
)
