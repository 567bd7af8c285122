package importer

import "time"

// The types below are a supd.yaml as an import writes it: the fields of
// SPEC §1 as written (not as resolved by config.Load), each optional, with
// the notes that explain them. Every string is supd text: a literal `$`
// that supd must not expand is already written `$$` (see lit).

// File is a whole supd.yaml.
type File struct {
	Head            []string // comment lines at the top of the file
	Logs            *Logs
	ShutdownTimeout time.Duration // 0: unset
	Defaults        *Worker       // Name and Command unset
	Root            *Supervisor
	Notes           Notes // keyed by the top-level field: "logs", "defaults"...
}

// Notes holds the comment lines written above each field of a node, keyed
// by the field's name; the key "" is the node itself.
type Notes map[string][]string

// add appends a note to field.
func (n *Notes) add(field, text string) {
	if *n == nil {
		*n = Notes{}
	}
	(*n)[field] = append((*n)[field], text)
}

// moveNotes moves the notes of a field that is not written to the node.
func moveNotes(n *Notes, field string) {
	for _, t := range (*n)[field] {
		n.add("", t)
	}
	delete(*n, field)
}

// Node is one child of a supervisor: exactly one of Worker and Supervisor.
type Node struct {
	Worker     *Worker
	Supervisor *Supervisor
}

func (n Node) name() string {
	if n.Worker != nil {
		return n.Worker.Name
	}
	return n.Supervisor.Name
}

// rename gives the node a new name, with a note saying why.
func (n Node) rename(name, why string) {
	if n.Worker != nil {
		n.Worker.Name = name
		n.Worker.Notes.add("name", why)
		return
	}
	n.Supervisor.Name = name
	n.Supervisor.Notes.add("name", why)
}

// Supervisor is a supervisor node; the root has no Name.
type Supervisor struct {
	Name         string
	Strategy     string
	MaxRestarts  *int
	Period       time.Duration
	Start        string
	Stop         string
	Restart      string
	AutoShutdown string
	Significant  bool
	Children     []Node
	Notes        Notes
}

// Worker is a worker node, or the `defaults:` block.
type Worker struct {
	Name         string
	Command      Command
	Dir          string
	Env          []EnvVar
	ClearEnv     bool
	User         string
	Group        string
	Restart      string
	SuccessCodes []string // exit codes (digits) and signal names
	Autostart    *bool
	Backoff      *Backoff
	Ready        *Ready
	ReadyTimeout time.Duration
	Health       *Health
	StopSignal   string
	StopTimeout  *time.Duration // Infinity: wait forever
	Significant  bool
	Replicas     *int
	Logs         *Logs
	Notes        Notes
}

// Infinity is the StopTimeout written `infinity`.
const Infinity time.Duration = -1

// Command is a list (the argv) or, when Argv is nil, a shell string.
type Command struct {
	Argv  []string
	Shell string
}

func (c Command) set() bool { return c.Argv != nil || c.Shell != "" }

// EnvVar is one entry of `env:`, kept in the source's order.
type EnvVar struct{ Name, Value string }

// Backoff is a `backoff:` block; nil fields are unset.
type Backoff struct {
	Initial, Max   *time.Duration
	Factor, Jitter *float64
}

// Ready is a `ready:` block: After, or Probe, or neither (started: true).
type Ready struct {
	After *time.Duration
	Probe *Probe
}

// Probe is an exec, http or tcp check; Interval and Timeout 0 are unset.
type Probe struct {
	Exec     Command
	HTTP     string
	TCP      string
	Interval time.Duration
	Timeout  time.Duration
}

// Health is a `health:` block.
type Health struct {
	Probe
	Failures int           // 0: unset
	Grace    time.Duration // 0: unset
}

// Logs is a `logs:` block, global or a worker's.
type Logs struct {
	Dir      *string // "" turns file logging off
	File     string
	MaxSize  int64 // bytes; 0: unset
	MaxFiles *int
	Compress bool
	Forward  string // "", "auto", "true" or "false"
}

func ptr[T any](v T) *T { return &v }
