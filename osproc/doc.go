// Package osproc starts worker processes and is the only waiter for them.
//
// It owns: spawning (Start) with its own session (so its own process
// group, which no other worker can join), a parent-death
// signal, credentials, working directory, environment, file descriptors and,
// where the host allows, a fresh cgroup v2 per start; the one reaper of the
// whole process; how a process ended (Exit: code and signal kept apart, core
// dump, OOM kill); signal names (ParseSignal, SignalName); signalling or
// killing a worker's whole process tree (Proc.Signal, Proc.SignalPid,
// Proc.Kill, KillAll); and what supd reads of other processes in /proc and
// cgroupfs (ProcessGroup, CgroupOf: parsed here and nowhere else).
//
// # Goroutines
//
// Init (or the first Start) starts goroutines that live as long as the
// process, so goroutine-leak checks must ignore them
// (goleak.IgnoreAnyFunction("supd/osproc.reapLoop") and
// goleak.IgnoreAnyFunction("supd/osproc.spawnLoop")):
//
//   - reapLoop, the reaper: on every SIGCHLD it reaps every exited child
//     with waitid(P_ALL)/wait4 and delivers each exit to the Proc
//     registered for that pid, calling its Spec.OnExit; unregistered pids
//     (orphans reparented to supd) are reaped too. It also
//     removes the cgroups of ended workers, retrying with a backoff timer
//     while the kernel still counts them busy.
//   - spawnLoop, the spawners (Spawners of them): every fork runs on one of
//     these goroutines, each locked to its OS thread for life, because the
//     parent-death signal (SIGKILL) fires when the forking thread exits, not
//     the process. They fork concurrently: a fork-exec waits for the
//     child's exec, and a second one in flight uses the other core.
//
// # Exactly one waiter
//
// A registration lock is held, shared, across fork and registration by each
// spawner and, exclusively, around the wait loop by the reaper, so a pid is
// registered before it can be reaped. After Init nothing else in the process may wait for
// children: os/exec's Cmd.Wait (and so Cmd.Run, Output) would race with the
// reaper and lose the exit status. Run other programs through Start. Tests
// build their helpers before anything starts the reaper.
//
// The reaper looks at an exited child before reaping it (waitid WNOWAIT):
// while the zombie holds its pid, the process group is SIGKILLed and the
// Proc marked ended, so no signal sent through a Proc can ever hit a
// recycled pid or process group.
//
// # A worker's whole process tree
//
// When the main process of a worker ends, everything left in its process
// group and cgroup is SIGKILLed (cgroup.kill), and only then is OnExit
// called. With a cgroup this holds for every descendant, even those that
// double-forked into a session of their own: no process a worker started
// survives it.
//
// Without cgroups (Spec.Cgroup empty, or a host without a writable cgroup2
// mount) containment is the worker's session (session.go): each worker
// leads one, and what it starts stays in it unless it calls setsid(2).
// Signal with group, Kill and the end of the main process reach the
// process group, every member of the session that was reparented to supd
// (a child subreaper, so every descendant that loses its parent is), and
// everything still linked by parent to the main process or to those. What
// escapes is a process that left the session and whose parent died (a
// daemon's classic double fork): reparented to supd, it cannot be told
// apart from other orphans and survives its worker until KillAll, which
// also kills every child of supd's that is not a registered Proc. supd
// reaps such orphans, so none is left a zombie.
//
// # Cgroups
//
// Init finds a writable cgroup2 mount in /proc/self/mountinfo (on hybrid
// hosts it is not /sys/fs/cgroup but e.g. /sys/fs/cgroup/unified) and
// supd's own cgroup in /proc/self/cgroup, and creates a base cgroup
// supd.<pid>.<starttime> below it, flock'ed while supd lives. Base cgroups
// of supds that died (owner not running and lock free) are killed and
// removed, so workers' descendants that outlived a SIGKILLed supd die at
// the next start. Each Start with Spec.Cgroup gets a fresh cgroup below the
// base (a cgroup that was once cgroup.kill'ed kills what is cloned into it),
// entered at clone time (CLONE_INTO_CGROUP), and removed after the worker
// ended. Under systemd, supd's unit needs Delegate=yes for this to be
// proper. If anything about cgroups fails, the worker runs in its process
// group alone and the failure is logged. SUPD_CGROUPS=off (CgroupsEnv) in
// supd's environment makes Init act as on a host without cgroups, for tests.
//
// # The guardian
//
// The parent-death signal kills a worker's main process when supd dies,
// even by SIGKILL, but not what the worker started. StartGuardian forks
// supd's guardian (guardian.go, guardmain.go): this binary again, named
// supd-guardian, in a session of its own, with no parent-death signal,
// blocked reading a pipe from supd. The spawner and the reaper tell it,
// under the registration lock, of every process registered (pid, start
// time, cgroup) and reaped, through a writer goroutine that keeps at most
// one pending entry per process, so neither ever waits for it. When the
// pipe closes without StopGuardian's goodbye, supd died: the guardian
// kills supd's base cgroup (cgroup.kill) and, by a scan of /proc, every
// process of the live processes' sessions and what is linked below those,
// reports it on stderr, removes the emptied cgroups and exits. Its exit is
// registered like a worker's: expected after the goodbye, logged as an
// error otherwise. As PID 1 no guardian is started: the kernel kills the
// whole pid namespace with supd. What neither reaches, because the guardian
// died with supd, Init's cleanup of dead supds' cgroups kills at the next
// start.
//
// # The process's own pid in its environment
//
// systemd's WATCHDOG_PID must be exactly the worker's pid, which is unknown
// before the fork. A Start with Spec.PidEnv therefore executes this same
// binary (/proc/self/exe) with TrampolineArg; its main hands over to
// TrampolineMain, which sets the variables to its own pid and executes the
// real program, keeping the pid. Descriptors need no such help: a nil
// Spec.ExtraFiles entry leaves its number closed, so any fd can be placed.
//
// # PID 1
//
// As PID 1 (in a container) every orphan of the container is reparented to
// supd; the reaper waits for any child, so it reaps them all and nothing
// more is needed.
package osproc
