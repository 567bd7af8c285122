package launch

import (
	"context"
	"fmt"
	"os"
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
	seq  uint64 // the log's last line before this run: its tail is what follows

	// Set by prepare and start, before anything else may read them.
	proc      process
	env       []string
	capture   *logcap.Capture
	readyPipe *notify.ReadyPipe
	watchdog  *notify.Watchdog

	// mu is a leaf lock: it guards the fields below and is held only to
	// read or write them, never across a call (see doc.go).
	mu       sync.Mutex
	mainPID  int
	ended    bool
	watchers []stopper // what release stops: registration, probes
	health   stopper   // the liveness probe, which a reload may replace

	running bool // the tree judged the run ready; read and written on the owner's goroutine only
}

type stopper interface{ Stop() }

// stopFunc is a stopper from a func, such as an unregister.
type stopFunc func()

func (f stopFunc) Stop() { f() }

// notified reports whether the worker speaks sd_notify.
func (r *run) notified() bool { return r.w.Ready.Kind == config.ReadyNotify || r.w.Watchdog > 0 }

// prepare sets up what the process starts with: its environment, the
// capture of its output, its readiness pipe and its watchdog.
func (r *run) prepare() (osproc.Spec, error) {
	w := r.w
	s := osproc.Spec{
		Argv: w.Command.Argv, Dir: w.Dir, Cred: cred(w.User),
		Cgroup: cgroupName(r.path), // osproc makes each start's cgroup unique
		OnExit: r.exited,
	}
	var extra []string
	if r.notified() {
		extra = append(extra, r.l.notify.Env())
	}
	if w.Watchdog > 0 {
		extra = append(extra, notify.WatchdogEnv(w.Watchdog)...)
		s.PidEnv = []string{"WATCHDOG_PID"}
		r.watchdog = notify.NewWatchdog(w.Watchdog, func() {
			r.mon.Failed(tree.ReasonWatchdog, "no WATCHDOG=1 within "+w.Watchdog.String())
		})
	}
	if w.Ready.Kind == config.ReadyFD {
		p, err := notify.NewReadyPipe(w.Ready.FD, r.mon.Ready)
		if err != nil {
			return s, err
		}
		r.readyPipe = p
		f, fd := p.Child()
		s.ExtraFiles = make([]*os.File, fd-2) // nothing open below fd
		s.ExtraFiles[fd-3] = f
	}
	c, err := r.log.Capture()
	if err != nil {
		return s, fmt.Errorf("capturing output: %w", err)
	}
	r.capture = c
	s.Stdout, s.Stderr = c.Stdout(), c.Stderr()
	r.env = environ(r.l.o.Env, w, extra...)
	s.Env = r.env
	return s, nil
}

// start starts the process. The child's ends of the pipes are closed here,
// whether or not it started: from then on EOF means the child is done.
func (r *run) start(s osproc.Spec) error {
	proc, err := r.l.start(s)
	r.capture.CloseWriters()
	if r.readyPipe != nil {
		r.readyPipe.Started()
	}
	if err != nil {
		return err
	}
	r.proc = proc
	return nil
}

// abort undoes what prepare set up, for a run that never started.
func (r *run) abort() {
	if r.capture != nil {
		r.capture.CloseWriters()
		r.capture.Stop()
	}
	r.release()
}

// watch starts what follows a started process: its sd_notify registration
// (datagrams it sent meanwhile were parked) and its readiness probe. The
// run may already have ended; keep then stops them again at once.
func (r *run) watch() {
	if r.notified() {
		// Its own process group: pgid = pid.
		r.keep(stopFunc(r.l.notify.Register(r.proc.Pid(), r.proc.CgroupPath(), r.handler())))
	}
	if r.w.Ready.Kind == config.ReadyProbe {
		r.keep(r.startReadyProbe())
	}
}

// keep adds s to what release stops or, when the run has already ended,
// stops it now: whichever of a watcher's start and the run's end comes
// first, the watcher is stopped exactly once.
func (r *run) keep(s stopper) {
	r.mu.Lock()
	ended := r.ended
	if !ended {
		r.watchers = append(r.watchers, s)
	}
	r.mu.Unlock()
	if ended {
		s.Stop()
	}
}

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
// run ready (SPEC §2.3, §2.4). After the run's end it starts nothing that
// lasts: a stopped watchdog stays stopped, and keep stops the probe.
func (r *run) Running() {
	r.running = true
	if r.watchdog != nil {
		r.watchdog.Arm()
	}
	if r.w.Health != nil && !r.isEnded() {
		r.setHealth(r.startHealth())
	}
}

func (r *run) isEnded() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ended
}

// setHealth makes s (nil for none) the run's liveness probe, stopping the
// one before it; after the run's end it stops s at once.
func (r *run) setHealth(s stopper) {
	r.mu.Lock()
	old, ended := r.health, r.ended
	if !ended {
		r.health = s
	}
	r.mu.Unlock()
	if old != nil {
		old.Stop()
	}
	if ended && s != nil {
		s.Stop()
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

// finish stops the run's watchers, waits for its last lines and reports the
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

// release ends the run: it stops everything that watches it, and whatever
// keep is handed afterwards. It is idempotent.
func (r *run) release() {
	r.mu.Lock()
	r.ended = true
	watchers := r.watchers
	if r.health != nil {
		watchers = append(watchers, r.health)
	}
	r.watchers, r.health = nil, nil
	r.mu.Unlock()
	for _, s := range watchers {
		s.Stop()
	}
	if r.watchdog != nil {
		r.watchdog.Stop()
	}
	if r.readyPipe != nil {
		r.readyPipe.Close()
	}
}
