package config

import (
	"syscall"
	"time"
)

// Infinity is the StopTimeout that waits forever.
const Infinity time.Duration = -1

// Config is a validated configuration. It is immutable once loaded and is
// shared by pointer.
type Config struct {
	File            string // the config path as given (absolute)
	Dir             string // folder that relative paths resolve against
	Version         int
	Control         Control
	Logs            Logs // global log defaults, Dir made absolute (per-worker values are resolved into Worker.Logs)
	ShutdownTimeout time.Duration
	Root            *Supervisor

	name string         // the config path as given to Load, for messages
	pos  map[string]pos // field path (as in errors) → position of its value, for Lint
}

// Control is the control socket's configuration, and control.http's.
type Control struct {
	Socket string // "" means the default of SPEC §1, resolved by the daemon
	Mode   uint32 // file mode bits, default 0660
	Group  string // group name or number as written; "" for none
	GID    int    // resolved group id, -1 when Group is ""
	HTTP   string // control.http: HOST:PORT of the read-only TCP listener; "" for none
}

// Forward says whether a worker's lines are copied to supd's stdout.
type Forward int

const (
	ForwardAuto Forward = iota
	ForwardOn
	ForwardOff
)

// Logs is the global `logs:` block.
type Logs struct {
	Dir      string
	MaxSize  int64
	MaxFiles int
	Compress bool
	Ring     int64
	Forward  Forward
}

// WorkerLogs is a worker's resolved log settings.
type WorkerLogs struct {
	File     string // absolute path of the log file, "" for none
	MaxSize  int64
	MaxFiles int
	Compress bool
	Ring     int64 // bytes of in-memory tail
	Forward  bool  // resolved: auto became true or false
}

// Strategy is a supervisor's restart strategy.
type Strategy string

const (
	OneForOne  Strategy = "one_for_one"
	OneForAll  Strategy = "one_for_all"
	RestForOne Strategy = "rest_for_one"
)

// StartMode says whether siblings start one after another or all at once.
type StartMode string

const (
	Sequential StartMode = "sequential"
	Parallel   StartMode = "parallel"
)

// StopMode says whether siblings stop one after another (in reverse order)
// or all at once. It has the two values of StartMode, Sequential and
// Parallel.
type StopMode = StartMode

// Restart is a child's restart type.
type Restart string

const (
	Permanent Restart = "permanent"
	Transient Restart = "transient"
	Temporary Restart = "temporary"
)

// AutoShutdown says when significant children make a supervisor exit.
type AutoShutdown string

const (
	Never          AutoShutdown = "never"
	AnySignificant AutoShutdown = "any_significant"
	AllSignificant AutoShutdown = "all_significant"
)

// Node is one child of a supervisor: exactly one of Worker and Supervisor is set.
type Node struct {
	Worker     *Worker
	Supervisor *Supervisor
}

// Name is the node's name among its siblings.
func (n Node) Name() string {
	if n.Worker != nil {
		return n.Worker.Name
	}
	return n.Supervisor.Name
}

// RestartType is how the parent treats the node's exit.
func (n Node) RestartType() Restart {
	if n.Worker != nil {
		return n.Worker.Restart
	}
	return n.Supervisor.Restart
}

// IsSignificant reports the node's `significant` field.
func (n Node) IsSignificant() bool {
	if n.Worker != nil {
		return n.Worker.Significant
	}
	return n.Supervisor.Significant
}

// Supervisor is a supervisor node. The root has an empty Name.
type Supervisor struct {
	Name         string
	Strategy     Strategy
	MaxRestarts  int
	Period       time.Duration
	Start        StartMode
	Stop         StopMode
	Restart      Restart
	AutoShutdown AutoShutdown
	Significant  bool
	Children     []Node

	// Replicas is set when the node is a worker with `replicas:` (SPEC
	// §2.10): Children are its instances, and Replicas makes more.
	Replicas *ReplicaSet
}

// Worker is a worker node. Its fields are split in two so that reload can
// tell what restarts a worker: Process holds every field that defines the
// process, Tuning every field that applies in place. A test fails when a
// field is added to Worker outside these two.
type Worker struct {
	Name string
	Process
	Tuning
}

// Process is the part of a worker's spec whose change restarts it.
type Process struct {
	Command  Command
	Dir      string            // absolute working directory
	Env      map[string]string // added to (or, with ClearEnv, replacing) supd's environment
	ClearEnv bool
	User     *Credential // nil: supd's own
	Ready    Ready
	Watchdog time.Duration // 0: none
	Logs     WorkerLogs
}

// Tuning is the part of a worker's spec that applies without a restart.
type Tuning struct {
	Restart      Restart
	SuccessCodes SuccessCodes
	Autostart    bool
	Backoff      Backoff
	ReadyTimeout time.Duration
	Health       *Health // nil: none
	StopSignal   syscall.Signal
	StopTimeout  time.Duration // 0: SIGKILL at once; Infinity: wait forever
	Significant  bool
}

// Command is what a worker runs.
type Command struct {
	Argv  []string // the argv; for a shell string, ["/bin/sh", "-c", string]
	Shell bool     // written as a string
}

// Credential is a resolved `user`/`group`.
type Credential struct {
	User   string // as written, for messages
	Group  string
	UID    uint32
	GID    uint32
	Groups []uint32 // supplementary groups
}

// SuccessCodes lists the exits that count as normal.
type SuccessCodes struct {
	Codes   []int
	Signals []syscall.Signal
}

// Backoff is a worker's restart delay.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
	Factor  float64
	Jitter  float64
}

// ReadyKind is how a worker's readiness is judged.
type ReadyKind string

const (
	ReadyStarted ReadyKind = "started"
	ReadyAfter   ReadyKind = "after"
	ReadyNotify  ReadyKind = "notify"
	ReadyFD      ReadyKind = "fd"
	ReadyProbe   ReadyKind = "probe"
)

// Ready is a worker's `ready:` block.
type Ready struct {
	Kind  ReadyKind
	After time.Duration // ReadyAfter
	FD    int           // ReadyFD
	Probe *Probe        // ReadyProbe
}

// Probe is an exec, http or tcp check; exactly one of Exec, HTTP and TCP is set.
type Probe struct {
	Exec     []string // argv; a string was turned into ["/bin/sh", "-c", s]
	HTTP     string
	TCP      string
	Interval time.Duration
	Timeout  time.Duration
}

// Health is a worker's liveness probe.
type Health struct {
	Probe
	Failures int
	Grace    time.Duration
}
