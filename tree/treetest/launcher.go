package treetest

import (
	"fmt"
	"sync"
	"syscall"

	"supd/config"
	"supd/osproc"
	"supd/tree"
)

// Launcher is a fake tree.Launcher. Its zero value is ready to use.
type Launcher struct {
	mu     sync.Mutex
	nextID int
	procs  []*Proc
	// ExecErr makes launches of these paths fail as exec would; set it
	// before the tree starts, or use SetExecErr.
	ExecErr map[string]error
	// OnLaunch, if set, is called with every new process (outside the lock).
	OnLaunch func(*Proc)
	retired  []string
}

// Proc is a fake process.
type Proc struct {
	Path   string
	Gen    uint64
	PID    int
	Worker *config.Worker // the spec it was launched with
	// IgnoreTerm makes the process survive every signal but SIGKILL.
	IgnoreTerm bool

	l       *Launcher
	mon     tree.Monitor
	signals []syscall.Signal
	exited  bool
	running bool
	tuned   []*config.Worker
}

// Launch starts a fake process that runs until the test ends it.
func (l *Launcher) Launch(spec tree.LaunchSpec) (tree.Process, error) {
	l.mu.Lock()
	if err := l.ExecErr[spec.Path]; err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("exec %q: %w", spec.Path, err)
	}
	l.nextID++
	p := &Proc{Path: spec.Path, Gen: spec.Gen, PID: 1000 + l.nextID, Worker: spec.Worker, l: l, mon: spec.Monitor}
	l.procs = append(l.procs, p)
	hook := l.OnLaunch
	l.mu.Unlock()
	if hook != nil {
		hook(p)
	}
	return p, nil
}

// Retire implements tree.Launcher; it records path.
func (l *Launcher) Retire(path string) {
	l.mu.Lock()
	l.retired = append(l.retired, path)
	l.mu.Unlock()
}

// Retired returns the paths retired so far, in order.
func (l *Launcher) Retired() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.retired...)
}

// SetExecErr makes launches of path fail with err (nil: succeed again).
func (l *Launcher) SetExecErr(path string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ExecErr == nil {
		l.ExecErr = make(map[string]error)
	}
	if err == nil {
		delete(l.ExecErr, path)
	} else {
		l.ExecErr[path] = err
	}
}

// Procs returns every process launched for path, oldest first; path ""
// returns all.
func (l *Launcher) Procs(path string) []*Proc {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*Proc
	for _, p := range l.procs {
		if path == "" || p.Path == path {
			out = append(out, p)
		}
	}
	return out
}

// Last returns the newest process of path, or nil.
func (l *Launcher) Last(path string) *Proc {
	ps := l.Procs(path)
	if len(ps) == 0 {
		return nil
	}
	return ps[len(ps)-1]
}

// Starts is how many times path was launched.
func (l *Launcher) Starts(path string) int { return len(l.Procs(path)) }

// Live returns the processes that have not exited.
func (l *Launcher) Live() []*Proc {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*Proc
	for _, p := range l.procs {
		if !p.exited {
			out = append(out, p)
		}
	}
	return out
}

// Pid implements tree.Process.
func (p *Proc) Pid() int { return p.PID }

// Signal records sig; the process dies by it unless it ignores it.
func (p *Proc) Signal(sig syscall.Signal, group bool) error {
	p.l.mu.Lock()
	if p.exited {
		p.l.mu.Unlock()
		return fmt.Errorf("signal %d: process already finished", p.PID)
	}
	p.signals = append(p.signals, sig)
	ignore := p.IgnoreTerm && sig != syscall.SIGKILL
	p.l.mu.Unlock()
	if !ignore && sig != 0 {
		p.Die(sig)
	}
	return nil
}

// Running implements tree.Process; it records that the tree judged the run ready.
func (p *Proc) Running() {
	p.l.mu.Lock()
	p.running = true
	p.l.mu.Unlock()
}

// WasRunning reports whether the tree told the process it is ready.
func (p *Proc) WasRunning() bool {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	return p.running
}

// Tune implements tree.Process; it records w.
func (p *Proc) Tune(w *config.Worker) {
	p.l.mu.Lock()
	p.tuned = append(p.tuned, w)
	p.l.mu.Unlock()
}

// Tuned returns the specs a reload tuned the process to, in order.
func (p *Proc) Tuned() []*config.Worker {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	return append([]*config.Worker(nil), p.tuned...)
}

// Kill implements tree.Process.
func (p *Proc) Kill() { _ = p.Signal(syscall.SIGKILL, true) }

// Signals returns the signals the process received.
func (p *Proc) Signals() []syscall.Signal {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	return append([]syscall.Signal(nil), p.signals...)
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	return p.exited
}

func (p *Proc) end(e osproc.Exit) {
	p.l.mu.Lock()
	if p.exited {
		p.l.mu.Unlock()
		return
	}
	p.exited = true
	p.l.mu.Unlock()
	p.mon.Exited(e, []string{fmt.Sprintf("last line of %s", p.Path)})
}

// Exit ends the process with code.
func (p *Proc) Exit(code int) { p.end(osproc.Exit{Code: code}) }

// Die ends the process by sig.
func (p *Proc) Die(sig syscall.Signal) { p.end(osproc.Exit{Signal: sig}) }

// Ready reports readiness (for notify, fd and probe readiness).
func (p *Proc) Ready() { p.mon.Ready() }

// Fail reports a failed health check or watchdog.
func (p *Proc) Fail(r tree.Reason, detail string) { p.mon.Failed(r, detail) }

// Status reports an sd_notify notice.
func (p *Proc) Status(n tree.Notice) { p.mon.Status(n) }
