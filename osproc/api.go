package osproc

import (
	"os"
	"syscall"
)

// Spec describes one process to start.
type Spec struct {
	Argv       []string   // Argv[0] is looked up in PATH (of Env) when it has no slash
	Dir        string     // working directory
	Env        []string   // the whole environment, "K=V"
	Cred       *Cred      // nil: supd's own user and groups
	Stdin      *os.File   // nil: /dev/null
	Stdout     *os.File   // nil: /dev/null
	Stderr     *os.File   // nil: /dev/null
	ExtraFiles []*os.File // become fd 3, 4, ...
	// Cgroup names the worker's fresh cgroup (e.g. "web_api.7") when the host
	// has a writable cgroup v2; "" keeps the process in supd's own cgroup.
	Cgroup string
	// OnExit is called exactly once, from the reaper goroutine, after the
	// main process was reaped and everything left in its process group and
	// cgroup was SIGKILLed. It must not block.
	OnExit func(Exit)
}

// Cred is the user and groups a process runs as.
type Cred struct {
	UID    uint32
	GID    uint32
	Groups []uint32
}

// Proc is a started process. Its methods are safe for concurrent use.
type Proc struct {
	pid    int
	pgid   int
	cgroup string // path of its cgroup directory, "" if none
	state  *procState
}

var _ = syscall.SIGKILL

type procState struct{}

// Start starts a process in its own process group (and cgroup, when
// Spec.Cgroup is set and cgroups are available), with a parent-death signal,
// and registers it with the reaper before it can exit.
func Start(spec Spec) (*Proc, error) { panic("osproc: not written yet") }

// Pid is the process id.
func (p *Proc) Pid() int { return p.pid }

// Signal sends sig to the process, or with group to its whole process group
// and cgroup.
func (p *Proc) Signal(sig syscall.Signal, group bool) error { panic("osproc: not written yet") }

// Kill SIGKILLs every process in the process group and cgroup.
func (p *Proc) Kill() { panic("osproc: not written yet") }

// KillAll SIGKILLs every process group and cgroup of every live Proc: the
// last resort of a shutdown.
func KillAll() { panic("osproc: not written yet") }

// ParseSignal accepts "TERM", "SIGTERM", "term" or a number.
func ParseSignal(s string) (syscall.Signal, error) { panic("osproc: not written yet") }
