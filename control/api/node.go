package api

import "time"

// Kind says whether a node is a worker or a supervisor.
type Kind string

const (
	KindWorker     Kind = "worker"
	KindSupervisor Kind = "supervisor"
)

// State is a node's state (SPEC §2.7).
type State string

const (
	StateStopped  State = "stopped"
	StateStarting State = "starting"
	StateRunning  State = "running"
	StateStopping State = "stopping"
	StateBackoff  State = "backoff"
	StateExited   State = "exited"
	StateFailed   State = "failed"
)

// WorkerStates and SupervisorStates list every state of each kind, in the
// order a node usually moves through them.
var (
	WorkerStates     = []State{StateStopped, StateStarting, StateRunning, StateStopping, StateBackoff, StateExited, StateFailed}
	SupervisorStates = []State{StateStopped, StateStarting, StateRunning, StateStopping, StateFailed}
)

// Reason says why a run ended.
type Reason string

const (
	// A worker's reasons.
	ReasonExit        Reason = "exit"
	ReasonSignal      Reason = "signal"
	ReasonOOM         Reason = "oom"
	ReasonUnhealthy   Reason = "unhealthy"
	ReasonWatchdog    Reason = "watchdog"
	ReasonStartFailed Reason = "start_failed"
	// A supervisor's reasons.
	ReasonGaveUp       Reason = "gave_up"       // its restart intensity was exceeded
	ReasonAutoShutdown Reason = "auto_shutdown" // its significant children ended (SPEC §2.6)
)

// Tree is the body of GET /v1/tree.
type Tree struct {
	Root Node `json:"root"`
}

// Node is one node of the tree as the API shows it: the body of
// GET /v1/nodes/{path} and of the node actions, and the elements of
// Tree. The root has the path "" and the name "".
type Node struct {
	Path  string `json:"path"`
	Name  string `json:"name"`
	Kind  Kind   `json:"kind"`
	State State  `json:"state"`
	// PID is the pid supd reports and signals (sd_notify MAINPID= may change
	// it); 0 when the node has no process (always 0 for a supervisor).
	PID int `json:"pid"`
	// Since is when the current state began.
	Since time.Time `json:"since"`
	// StartedAt is when the current run started (its uptime is measured
	// from it); null when the node is not starting, running or stopping.
	StartedAt *time.Time `json:"started_at"`
	// Restarts counts the restarts of this node by its supervisor since supd
	// started (manual restarts and reload restarts are not counted).
	Restarts int `json:"restarts"`
	// LastExit is how the previous run ended; null when it never ended.
	LastExit *Exit `json:"last_exit"`
	// Status is the worker's last sd_notify STATUS= text, "" if none.
	Status string `json:"status"`
	// Stopping is true once the worker sent sd_notify STOPPING=1.
	Stopping bool `json:"stopping"`
	// Held is true while a `supctl stop` hold keeps the node stopped;
	// HeldUntil is when a `stop --for` hold ends, null for a hold that
	// lasts until `supctl start`.
	Held      bool       `json:"held"`
	HeldUntil *time.Time `json:"held_until"`

	// Supervisors only; absent on workers.
	Strategy string  `json:"strategy,omitempty"` // one_for_one, one_for_all, rest_for_one
	Start    string  `json:"start,omitempty"`    // sequential, parallel
	Budget   *Budget `json:"budget,omitempty"`
	// Replicas is the number of instances a replica set runs (SPEC §2.10);
	// absent on every other node. Only a replica set can be scaled.
	Replicas *int `json:"replicas,omitempty"`
	// Children are in start order. A supervisor always has the field
	// (possibly []); a worker never has it.
	Children []Node `json:"children,omitzero"`
}

// Exit is how a run ended. Code and Signal are kept apart: an exit by a
// signal is never flattened to 128+n.
type Exit struct {
	// Code is the exit code, null when the process was ended by a signal
	// (or never ran, for a start failure).
	Code *int `json:"code"`
	// Signal is the name of the signal that ended it without "SIG"
	// ("TERM", "KILL"), "" for a plain exit.
	Signal string `json:"signal"`
	Core   bool   `json:"core"` // a core was dumped
	OOM    bool   `json:"oom"`  // the kernel's OOM killer ended it
	Reason Reason `json:"reason"`
	// Detail says more where there is more to say: why a start failed, what
	// a failing health probe saw. "" otherwise.
	Detail string    `json:"detail"`
	Time   time.Time `json:"time"`
}

// Budget is a supervisor's restart intensity: Used of its Max restarts
// within the sliding window Period.
type Budget struct {
	Used   int      `json:"used"`
	Max    int      `json:"max"`
	Period Duration `json:"period"`
}

// Walk calls fn for n and every node below it, depth first in start order.
func (n *Node) Walk(fn func(*Node)) {
	fn(n)
	for i := range n.Children {
		n.Children[i].Walk(fn)
	}
}

// Find returns the node at path within n's subtree, or nil.
func (n *Node) Find(path string) *Node {
	var found *Node
	n.Walk(func(c *Node) {
		if found == nil && c.Path == path {
			found = c
		}
	})
	return found
}

// IntPtr returns a pointer to a copy of v, for Exit.Code.
func IntPtr(v int) *int { return &v }
