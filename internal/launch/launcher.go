package launch

import (
	"fmt"
	"log/slog"
	"syscall"

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
	// The seams to the OS, which tests replace with fakes.
	notify notifier                           // o.Notify
	start  func(osproc.Spec) (process, error) // osproc.Start
	// starting bounds the starts under way across all supervisors: each
	// holds its pipes' four ends and its cgroup open until its exec, and
	// only osproc.Spawners of them fork at once, so that 100 supervisors
	// starting together do not hold 700 descriptors more than they need
	// (near the open-file limit, a start would fail with EMFILE).
	starting chan struct{}
}

// notifier is what a run needs of the sd_notify socket (notify.Receiver).
type notifier interface {
	Env() string
	Register(pgid int, cgroup string, h notify.Handler) (unregister func())
}

// process is what a run needs of its started process (osproc.Proc).
type process interface {
	Pid() int
	CgroupPath() string
	Signal(sig syscall.Signal, group bool) error
	SignalPid(pid int, sig syscall.Signal) error
	Kill()
}

// New returns a Launcher.
func New(o Options) *Launcher {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	l := &Launcher{o: o, start: startProcess, starting: make(chan struct{}, 2*osproc.Spawners)}
	if o.Notify != nil {
		l.notify = o.Notify
	}
	return l
}

func startProcess(s osproc.Spec) (process, error) {
	p, err := osproc.Start(s)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// logOf returns the worker's log, created on its first start; it lives
// across runs so a restart appends to the same ring and file.
func (l *Launcher) logOf(path string, cfg config.WorkerLogs) (*logcap.Log, error) {
	if lg := l.o.Hub.Log(path); lg != nil {
		// A reload may have changed the settings (a new destination
		// restarts the worker, and opens here).
		return lg, lg.Update(cfg)
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
	lg, err := l.logOf(spec.Path, spec.Worker.Logs)
	if err != nil {
		return nil, fmt.Errorf("opening the log: %w", err)
	}
	r := &run{l: l, path: spec.Path, w: spec.Worker, mon: spec.Monitor, log: lg, seq: lg.Seq()}
	l.starting <- struct{}{}
	ospec, err := r.prepare()
	if err == nil {
		err = r.start(ospec)
	}
	<-l.starting
	if err != nil {
		r.abort()
		return nil, err
	}
	r.watch()
	return r, nil
}
