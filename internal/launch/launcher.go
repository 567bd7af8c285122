package launch

import (
	"fmt"
	"log/slog"
	"os"

	"supd/config"
	"supd/internal/logcap"
	"supd/internal/notify"
	"supd/osproc"
	"supd/tree"
)

// Options are the Launcher's collaborators.
type Options struct {
	Hub       *logcap.Hub       // every worker's log, by path
	Forwarder *logcap.Forwarder // supd's stdout, shared by all workers
	Notify    *notify.Receiver  // the workers' sd_notify socket
	Log       *slog.Logger
	Env       []string // supd's environment
}

// Launcher starts workers for the tree.
type Launcher struct {
	o Options
}

// New returns a Launcher.
func New(o Options) *Launcher {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Launcher{o: o}
}

// logOf returns the worker's log, created on its first start; it lives
// across runs so a restart appends to the same ring and file.
func (l *Launcher) logOf(path string, cfg config.WorkerLogs) (*logcap.Log, error) {
	if lg := l.o.Hub.Log(path); lg != nil {
		return lg, nil
	}
	lg, err := logcap.NewLog(path, cfg, l.o.Forwarder, l.o.Log)
	if err != nil {
		return nil, err
	}
	if err := l.o.Hub.Add(lg); err != nil {
		lg.Close()
		return nil, err
	}
	return lg, nil
}

// Launch starts one run of a worker (tree.Launcher).
func (l *Launcher) Launch(spec tree.LaunchSpec) (tree.Process, error) {
	w := spec.Worker
	lg, err := l.logOf(spec.Path, w.Logs)
	if err != nil {
		return nil, fmt.Errorf("opening the log: %w", err)
	}
	r := &run{l: l, path: spec.Path, w: w, mon: spec.Monitor, log: lg, seq: lg.Seq()}
	var extra, pidEnv []string
	if w.Ready.Kind == config.ReadyNotify || w.Watchdog > 0 {
		extra = append(extra, l.o.Notify.Env())
	}
	if w.Watchdog > 0 {
		extra = append(extra, notify.WatchdogEnv(w.Watchdog)...)
		pidEnv = []string{"WATCHDOG_PID"}
		r.watchdog = notify.NewWatchdog(w.Watchdog, func() {
			r.mon.Failed(tree.ReasonWatchdog, "no WATCHDOG=1 within "+w.Watchdog.String())
		})
	}
	var files []*os.File
	if w.Ready.Kind == config.ReadyFD {
		p, err := notify.NewReadyPipe(w.Ready.FD, r.mon.Ready)
		if err != nil {
			return nil, err
		}
		r.readyPipe = p
		f, fd := p.Child()
		files = make([]*os.File, fd-2) // nothing open below fd
		files[fd-3] = f
	}
	capture, err := lg.Capture()
	if err != nil {
		r.release()
		return nil, fmt.Errorf("capturing output: %w", err)
	}
	r.capture = capture
	env := environ(l.o.Env, w, extra...)
	r.env = env
	ospec := osproc.Spec{
		Argv: w.Command.Argv, Dir: w.Dir, Env: env, PidEnv: pidEnv,
		Stdout: capture.Stdout(), Stderr: capture.Stderr(), ExtraFiles: files,
		Cred:   cred(w.User),
		Cgroup: cgroupName(spec.Path), // osproc makes each start's cgroup unique
		OnExit: r.exited,
	}
	proc, err := osproc.Start(ospec)
	capture.CloseWriters()
	if r.readyPipe != nil {
		r.readyPipe.Started()
	}
	if err != nil {
		capture.Stop()
		r.release()
		return nil, err
	}
	r.proc = proc
	// The run may already have ended: watch it only while it has not.
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return r, nil
	}
	if w.Ready.Kind == config.ReadyNotify || w.Watchdog > 0 {
		r.unregister = l.o.Notify.Register(proc.Pid(), proc.CgroupPath(), r.handler()) // its own group: pgid = pid
	}
	if w.Ready.Kind == config.ReadyProbe {
		r.checks = append(r.checks, r.startReadyProbe())
	}
	return r, nil
}
