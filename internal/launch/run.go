package launch

import (
	"context"
	"sync"
	"syscall"
	"time"

	"supd/config"
	"supd/internal/logcap"
	"supd/internal/notify"
	"supd/osproc"
	"supd/tree"
)

// tailLines is how many of a worker's last lines an exit event carries.
const tailLines = 10

// drainTimeout bounds the wait for a run's last output after its exit: the
// group was killed, but a process that escaped it may hold the pipe.
const drainTimeout = 2 * time.Second

// run is one run of a worker: the tree's Process.
type run struct {
	l    *Launcher
	path string
	w    *config.Worker
	mon  tree.Monitor
	log  *logcap.Log
	proc *osproc.Proc
	env  []string
	seq  uint64 // the log's last line before this run: its tail is what follows

	capture    *logcap.Capture
	readyPipe  *notify.ReadyPipe
	watchdog   *notify.Watchdog
	unregister func()

	mu      sync.Mutex // guards what the reaper, notify and tree goroutines share
	mainPID int
	ended   bool
	running bool      // the tree judged the run ready
	checks  []stopper // the readiness probe
	health  stopper   // the liveness probe, once running
}

type stopper interface{ Stop() }

func (r *run) Pid() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mainPID > 0 {
		return r.mainPID
	}
	return r.proc.Pid()
}

// Signal sends sig to the worker's process (its MAINPID= if it sent one), or
// with group to its whole process group and cgroup.
func (r *run) Signal(sig syscall.Signal, group bool) error {
	r.mu.Lock()
	main, ended := r.mainPID, r.ended
	r.mu.Unlock()
	if !group && main > 0 && !ended {
		// MAINPID= is trusted only while it names one of the worker's processes.
		return r.proc.SignalPid(main, sig)
	}
	return r.proc.Signal(sig, group)
}

func (r *run) Kill() { r.proc.Kill() }

// Running arms the watchdog and the health checks once the tree judged the
// run ready (SPEC §2.3, §2.4).
func (r *run) Running() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.running = true
	if r.watchdog != nil {
		r.watchdog.Arm()
	}
	if r.w.Health != nil {
		r.health = r.startHealth()
	}
}

func (r *run) handler() notify.Handler {
	return notify.Handler{
		Ready: r.mon.Ready,
		Status: func(s string) {
			r.mon.Status(tree.Notice{Status: &s})
		},
		Stopping: func() { r.mon.Status(tree.Notice{Stopping: true}) },
		MainPID: func(pid int) {
			r.mu.Lock()
			r.mainPID = pid
			r.mu.Unlock()
			r.mon.Status(tree.Notice{MainPID: pid})
		},
		WatchdogPing: func() {
			if r.watchdog != nil {
				r.watchdog.Ping()
			}
		},
	}
}

// exited is osproc's OnExit: it runs on the reaper goroutine and must not
// block, so the rest of the run's end happens on a goroutine of its own.
func (r *run) exited(e osproc.Exit) { go r.finish(e) }

// finish stops the run's checks, waits for its last lines and reports the
// exit with them.
func (r *run) finish(e osproc.Exit) {
	r.release()
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	if err := r.capture.Wait(ctx); err != nil {
		r.capture.Stop()
	}
	cancel()
	r.mon.Exited(e, r.log.LastSince(tailLines, r.seq))
}

// release stops everything that watches the run. It is idempotent.
func (r *run) release() {
	r.mu.Lock()
	r.ended = true
	checks, unregister := r.checks, r.unregister
	if r.health != nil {
		checks = append(checks, r.health)
	}
	r.checks, r.unregister, r.health = nil, nil, nil
	r.mu.Unlock()
	for _, c := range checks {
		c.Stop()
	}
	if r.watchdog != nil {
		r.watchdog.Stop()
	}
	if unregister != nil {
		unregister()
	}
	if r.readyPipe != nil {
		r.readyPipe.Close()
	}
}
