package osproc

import (
	"runtime"
	"syscall"
)

// spawnReq asks the spawner to fork and exec one process.
type spawnReq struct {
	path  string
	argv  []string
	attr  *syscall.ProcAttr
	p     *Proc
	reply chan error
}

// spawnLoop is the spawner goroutine. It is locked to its OS thread for
// the life of the process because the parent-death signal fires when the
// thread that forked a child exits, not the process: a child forked from an
// ordinary goroutine could be SIGKILLed whenever the Go runtime retires that
// thread.
func spawnLoop(reqs <-chan spawnReq) {
	runtime.LockOSThread() // never unlocked
	for r := range reqs {
		regMu.Lock()
		pid, err := syscall.ForkExec(r.path, r.argv, r.attr)
		if err == nil {
			r.p.pid, r.p.pgid = pid, pid // its own session: pgid = sid = pid
			procs[pid] = r.p
			if guard != nil && !r.p.guardian {
				guard.watch(pid, r.p)
			}
		}
		regMu.Unlock()
		r.reply <- err
	}
}
