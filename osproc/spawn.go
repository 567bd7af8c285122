package osproc

import (
	"runtime"
	"syscall"
)

// spawnReq asks a spawner to fork and exec one process.
type spawnReq struct {
	path  string
	argv  []string
	attr  *syscall.ProcAttr
	p     *Proc
	reply chan error
}

// Spawners is how many forks osproc runs at once: one spawner goroutine
// each, on an OS thread of its own. A fork-exec waits while the child
// executes (the child borrows the parent's memory until its exec), so a
// second one in flight keeps the other core busy; more than the cores
// gains nothing. Callers that start many processes at once (a parallel
// start) gain by calling Start from this many goroutines.
var Spawners = min(max(runtime.GOMAXPROCS(0), 2), 4)

// spawnLoop is a spawner goroutine. It is locked to its OS thread for the
// life of the process because the parent-death signal fires when the
// thread that forked a child exits, not the process: a child forked from an
// ordinary goroutine could be SIGKILLed whenever the Go runtime retires that
// thread. Spawners fork concurrently (Go's ForkExec allows it), each holding
// the registration lock shared, so that the reaper, which holds it
// exclusively, never sees a child before it was registered.
func spawnLoop(reqs <-chan spawnReq) {
	runtime.LockOSThread() // never unlocked
	for r := range reqs {
		regMu.RLock()
		pid, err := syscall.ForkExec(r.path, r.argv, r.attr)
		if err == nil {
			r.p.pid, r.p.pgid = pid, pid // its own session: pgid = sid = pid
			procsMu.Lock()
			procs[pid] = r.p
			procsMu.Unlock()
			if guard != nil && !r.p.guardian {
				guard.watch(pid, r.p) // safe for concurrent spawners
			}
		}
		regMu.RUnlock()
		r.reply <- err
	}
}
