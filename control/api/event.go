package api

import "time"

// EventKind says what an Event reports.
type EventKind string

const (
	// EventState is a node's change of state.
	EventState EventKind = "state"
	// EventReloading is the start of a reload (SIGHUP, POST /v1/reload or
	// a change of the config file); an EventReload or EventReloadFailed
	// follows it.
	EventReloading EventKind = "reloading"
	// EventReload is a reload that was applied; Message summarises its plan.
	EventReload EventKind = "reload"
	// EventReloadFailed is a reload refused because the new config is
	// invalid (or supd is shutting down); Message holds the errors.
	// Nothing changed.
	EventReloadFailed EventKind = "reload_failed"
	// EventScale is a replica set's change of count, by `supctl scale` or
	// a reload; Path is the set, Message "4 → 8".
	EventScale EventKind = "scale"
	// EventShutdown is the start of supd's shutdown; Message says why.
	EventShutdown EventKind = "shutdown"
	// EventLagged is the last event a follower receives when it fell
	// behind and was dropped: events after Seq-1 were lost to it.
	EventLagged EventKind = "lagged"
)

// Event is one line of GET /v1/events. Fields that do not apply to the
// event's kind are absent.
type Event struct {
	// Seq increases by one with each event supd emits, so that a follower
	// can tell whether it missed any.
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Kind EventKind `json:"kind"`
	// Path is the node's path ("" for the root and for daemon-wide events).
	Path string `json:"path"`
	Old  State  `json:"old,omitempty"`
	New  State  `json:"new,omitempty"`
	// Reason says why the state changed: for an exit, the exit's reason
	// (exit, signal, oom, unhealthy, watchdog, start_failed, gave_up,
	// auto_shutdown); otherwise what caused it, where the backend says.
	Reason string `json:"reason,omitempty"`
	// Exit is the exit that caused the change, if one did.
	Exit *Exit `json:"exit,omitempty"`
	// Tail holds the last lines the worker printed before that exit.
	Tail []string `json:"tail,omitempty"`
	// Restart is the restart the change caused, if any.
	Restart *Restart `json:"restart,omitempty"`
	Message string   `json:"message,omitempty"`
}

// Restart describes a restart a supervisor decided: its strategy, the nodes
// it restarts (in start order), its restart budget after counting it, and
// the backoff before the failed worker starts again. GaveUp says the restart
// would have exceeded the budget, so the supervisor gave up instead.
type Restart struct {
	Strategy string   `json:"strategy"`
	Nodes    []string `json:"nodes"`
	Used     int      `json:"used"`
	Max      int      `json:"max"`
	Period   Duration `json:"period"`
	Delay    Duration `json:"delay"`
	GaveUp   bool     `json:"gave_up"`
}
