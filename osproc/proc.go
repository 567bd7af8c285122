package osproc

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Proc is a started process. Its methods are safe for concurrent use.
type Proc struct {
	// Set before the process is registered with the reaper, then read-only.
	pid      int
	pgid     int
	cg       *cgroup // nil: its process group only
	onExit   func(Exit)
	guardian bool // the guardian, which it is not told of

	done chan struct{} // closed by the reaper after OnExit returned
	exit Exit          // written by the reaper before done is closed

	// mu orders signals against reaping: the reaper sets exited under mu
	// before it reaps the pid, and signals check it under mu, so a signal
	// can never reach a recycled pid or process group.
	mu     sync.Mutex
	exited bool
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.pid }

// Cgroup is the directory of the process's cgroup, or "" when it has none.
func (p *Proc) Cgroup() string {
	if p.cg == nil {
		return ""
	}
	return p.cg.dir
}

// CgroupPath is the process's cgroup as /proc/<pid>/cgroup and CgroupOf
// name it (e.g. "/supd.812.4711/web_api.7"), or "" when it has none.
func (p *Proc) CgroupPath() string {
	if p.cg == nil {
		return ""
	}
	return p.cg.path
}

// Done is closed once the process was reaped, its group and cgroup killed
// and OnExit returned.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exit is how the process ended; valid once Done is closed.
func (p *Proc) Exit() Exit { return p.exit }

// Signal sends sig to the process, or with group to its whole process group
// and to every process of its cgroup outside that group (or, without a
// cgroup, every process of its session outside the group, and every
// descendant still linked by parent to it or to one of those). Once the
// process was reaped it returns an error wrapping os.ErrProcessDone.
func (p *Proc) Signal(sig syscall.Signal, group bool) error {
	target := p.pid
	var outside []procStat
	if group {
		target = -p.pgid
		if p.cg == nil {
			// Walked before the group is signalled: a descendant whose
			// parent dies of it is reparented and drops out of the walk.
			// Should the pid be reaped and recycled meanwhile, exited is
			// already set below and nothing is sent.
			outside = outsideGroup(p.tree(), p.pgid)
		}
	}
	p.mu.Lock()
	if p.exited {
		p.mu.Unlock()
		return fmt.Errorf("signal %s to %d: %w", SignalName(sig), p.pid, os.ErrProcessDone)
	}
	err := unix.Kill(target, sig)
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("signal %s to %d: %w", SignalName(sig), target, err)
	}
	if group && p.cg != nil {
		outside = p.cgroupOutside()
	}
	signalExact(outside, sig)
	return nil
}

// ErrNotMember is returned by SignalPid for a pid that is not one of the
// worker's processes.
var ErrNotMember = errors.New("not a process of the worker")

// SignalPid sends sig to pid if it is one of the worker's processes: in its
// cgroup or, without one, in its session or below it. It serves
// sd_notify's MAINPID=, whose pid must not be trusted blindly. The process
// is pinned with a pidfd before the check, so a recycled pid is never
// signalled. Once the main process was reaped it returns an error wrapping
// os.ErrProcessDone.
func (p *Proc) SignalPid(pid int, sig syscall.Signal) error {
	if pid == p.pid {
		return p.Signal(sig, false)
	}
	fail := func(err error) error {
		return fmt.Errorf("signal %s to %d: %w", SignalName(sig), pid, err)
	}
	if pid <= 0 {
		return fail(ErrNotMember)
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fail(err)
	}
	defer unix.Close(fd)
	if p.cg == nil {
		desc := descendantsOf(p.pid)
		// Under mu the main process is not reaped, so its pid and group id
		// are still its own.
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.exited {
			return fail(os.ErrProcessDone)
		}
		member := slices.ContainsFunc(desc, func(st procStat) bool { return st.pid == pid })
		// Its session cannot be joined, only inherited.
		if st, err := readStat(pid); err == nil && (st.pgid == p.pgid || st.sid == p.pid) {
			member = true
		}
		if !member {
			return fail(ErrNotMember)
		}
	} else {
		p.mu.Lock()
		exited := p.exited
		p.mu.Unlock()
		if exited {
			return fail(os.ErrProcessDone)
		}
		if pids, err := p.cg.procs(); err != nil || !slices.Contains(pids, pid) {
			return fail(ErrNotMember)
		}
	}
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		return fail(err)
	}
	return nil
}

// Kill SIGKILLs every process in the process group and cgroup (without a
// cgroup, also what Signal with group reaches outside the group). It is
// harmless after the process ended.
func (p *Proc) Kill() {
	var desc []procStat
	if p.cg == nil {
		desc = p.tree()
	}
	p.kill(desc)
}

// tree lists what the process started, for a Proc without a cgroup: its
// descendants, and the members of its session that were reparented to
// supd with what is below them. Some may be in its process group.
func (p *Proc) tree() []procStat {
	desc := descendantsOf(p.pid)
	regMu.Lock()
	desc = append(desc, strandedOf(p.pid)...)
	regMu.Unlock()
	return desc
}

// kill is Kill with the process's tree found before the call (for
// KillAll, from one scan for every Proc).
func (p *Proc) kill(desc []procStat) {
	var outside []procStat
	if p.cg == nil {
		outside = outsideGroup(desc, p.pgid) // as in Signal
	}
	p.mu.Lock()
	live := !p.exited
	if live {
		unix.Kill(-p.pgid, syscall.SIGKILL)
	}
	p.mu.Unlock()
	if p.cg != nil {
		p.cg.kill()
	} else if live {
		signalExact(outside, syscall.SIGKILL)
	}
}

// outsideGroup lists the processes of desc that left the process group pgid.
func outsideGroup(desc []procStat, pgid int) []procStat {
	var out []procStat
	for _, st := range desc {
		if st.pgid != pgid {
			out = append(out, st)
		}
	}
	return out
}

// cgroupOutside lists the processes of the cgroup outside the process
// group, which the group signal already reached.
func (p *Proc) cgroupOutside() []procStat {
	pids, err := p.cg.procs()
	if err != nil {
		return nil
	}
	var out []procStat
	for _, pid := range pids {
		if pid == p.pid {
			continue // a session leader cannot leave its group
		}
		if st, err := readStat(pid); err == nil && st.pgid != p.pgid {
			out = append(out, st)
		}
	}
	return out
}
