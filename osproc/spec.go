package osproc

import "os"

// Spec describes one process to start.
type Spec struct {
	Argv []string // Argv[0] is looked up in PATH (of Env) when it has no slash
	Dir  string   // working directory; "" is supd's own
	Env  []string // the whole environment, "K=V"
	// PidEnv names variables to set to the process's own pid, such as
	// systemd's WATCHDOG_PID. The pid exists only after the fork, so the
	// process first runs as this same binary (see TrampolineArg), which
	// sets them and executes Argv[0] keeping its pid; a program exec would
	// refuse is still Start's error, checked before the fork.
	PidEnv []string
	Cred   *Cred    // nil: supd's own user and groups
	Stdin  *os.File // nil: /dev/null
	Stdout *os.File // nil: /dev/null
	Stderr *os.File // nil: /dev/null
	// ExtraFiles become fd 3, 4, ...; a nil entry leaves its descriptor
	// closed, so a file can be placed at any number with nothing else
	// open below it (s6's readiness fd N: N-3 nils, then the pipe).
	ExtraFiles []*os.File
	// The files above are the child's ends: Start takes their descriptors
	// with os.File.Fd, which leaves them in blocking mode, so the caller
	// closes them after Start rather than using them.
	// Cgroup names the worker's fresh cgroup (e.g. "web_api.7") when the host
	// has a writable cgroup v2; "" keeps the process in supd's own cgroup.
	// A counter is appended, so every start gets a directory never used
	// before.
	Cgroup string
	// OnExit is called exactly once, from the reaper goroutine, after the
	// main process was reaped and everything left in its process group and
	// cgroup was SIGKILLed. It must not block. It may run before Start has
	// returned, so it must not read Start's result: it carries what it needs
	// (say, the generation of this start) from before the call.
	OnExit func(Exit)
}

// Cred is the user and groups a process runs as.
type Cred struct {
	UID    uint32
	GID    uint32
	Groups []uint32 // supplementary groups; nil or empty clears them
}
