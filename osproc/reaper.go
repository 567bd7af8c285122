package osproc

import (
	"errors"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The registration lock: each spawner holds it shared across fork and
// registration, the reaper exclusively around its wait loop, so a pid is
// always registered before it can be reaped, and spawners fork at once.
// procs is written by spawners under regMu shared plus procsMu, and by the
// reaper under regMu alone (exclusive, so no spawner is in it).
var (
	regMu   sync.RWMutex
	procsMu sync.Mutex
	procs   = map[int]*Proc{} // live processes by pid
)

// Test hooks, set before the reaper starts.
var (
	testHookExited  func(pid int)              // before each reap, the child still a zombie
	testHookReaped  func(pid int, orphan bool) // after each reap
	testHookRemoved func(dir string)           // after each cgroup removal
)

// reaped is a registered process whose wait status was collected.
type reaped struct {
	p  *Proc
	ws syscall.WaitStatus
}

// removal is a cgroup directory waiting for its last process to go.
type removal struct {
	dir   string
	since time.Time
}

// removalTimeout bounds the retries of one cgroup removal.
const removalTimeout = 30 * time.Second

// reapLoop is the reaper goroutine: on every SIGCHLD it reaps every exited
// child, finishes the registered ones and retries pending cgroup removals,
// which also get a backoff timer of their own (the cgroup empties a moment
// after its last process exited).
func reapLoop(log *slog.Logger, sigc <-chan os.Signal, rmdirc <-chan []string) {
	var pending []removal
	delay := time.Millisecond
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		for _, r := range reapAll(log) {
			pending = append(pending, finish(r)...)
			delay = time.Millisecond
		}
		pending = removeDirs(log, pending)
		if len(pending) > 0 {
			timer.Reset(delay)
		}
		select {
		case <-sigc:
		case dirs := <-rmdirc:
			for _, d := range dirs {
				pending = append(pending, removal{d, time.Now()})
			}
			delay = time.Millisecond
		case <-timer.C:
			delay = min(2*delay, time.Second)
		}
	}
}

// reapAll collects every exited child. Each is first looked at without
// reaping it (WNOWAIT): while it is a zombie its pid, and so its process
// group and session id, cannot be reused, so its group (and, without a
// cgroup, the rest of its session) is killed and its Proc marked exited
// before the pid is freed.
func reapAll(log *slog.Logger) []reaped {
	regMu.Lock()
	defer regMu.Unlock()
	var out []reaped
	for {
		pid, err := peekExited()
		if err != nil {
			if !errors.Is(err, unix.ECHILD) {
				log.Error("wait for children", "err", err)
			}
			return out
		}
		if pid == 0 {
			return out
		}
		if testHookExited != nil {
			testHookExited(pid)
		}
		p := procs[pid]
		if p != nil {
			p.mu.Lock()
			p.exited = true
			unix.Kill(-p.pgid, syscall.SIGKILL)
			p.mu.Unlock()
			if p.cg == nil {
				// The zombie still holds its session id: what is left of
				// its session outside the group is the worker's.
				signalExact(strandedOf(p.pid), syscall.SIGKILL)
			}
		}
		var ws syscall.WaitStatus
		var wpid int
		for {
			wpid, err = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
			if err != syscall.EINTR {
				break
			}
		}
		switch {
		case err != nil:
			// Someone else reaped it: a stray Wait outside osproc.
			log.Error("reap child", "pid", pid, "err", err)
		case wpid != pid:
			// Cannot be, after waitid saw it exit; never spin on it.
			log.Error("reap child", "pid", pid, "err", "not reapable")
			return out
		}
		if p != nil {
			delete(procs, pid)
			if guard != nil && !p.guardian {
				// With a cgroup, what it left is killed only in finish:
				// the guardian kills the base cgroup, which holds it.
				guard.forget(pid)
			}
			out = append(out, reaped{p, ws})
		}
		if testHookReaped != nil {
			testHookReaped(pid, p == nil)
		}
	}
}

// peekExited returns the pid of an exited child without reaping it, 0 when
// none has exited.
func peekExited() (int, error) {
	var si unix.Siginfo
	for {
		err := unix.Waitid(unix.P_ALL, 0, &si, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		return siginfoPid(&si), nil
	}
}

// siginfoPid reads si_pid. The union after si_signo, si_errno and si_code
// is aligned like a pointer: at offset 16 on 64-bit systems, 12 on 32-bit.
func siginfoPid(si *unix.Siginfo) int {
	const word = unsafe.Sizeof(uintptr(0))
	off := (3*unsafe.Sizeof(int32(0)) + word - 1) &^ (word - 1)
	return int(*(*int32)(unsafe.Add(unsafe.Pointer(si), off)))
}

// finish completes a registered process: OOM kills read, its cgroup
// killed, OnExit called, Done closed. It returns its cgroup for removal.
func finish(r reaped) []removal {
	p := r.p
	e := FromWaitStatus(r.ws)
	var rm []removal
	if p.cg != nil {
		e.OOM = e.Signal == syscall.SIGKILL && p.cg.oomKills() > 0
		p.cg.kill()
		rm = append(rm, removal{p.cg.dir, time.Now()})
	}
	p.exit = e
	if p.onExit != nil {
		p.onExit(e)
	}
	close(p.done)
	return rm
}

// removeDirs tries each pending removal in order (a cgroup's children come
// before it) and returns those still busy.
func removeDirs(log *slog.Logger, pending []removal) []removal {
	keep := pending[:0]
	for _, r := range pending {
		err := unix.Rmdir(r.dir)
		switch {
		case err == nil:
			if testHookRemoved != nil {
				testHookRemoved(r.dir)
			}
		case err == unix.ENOENT:
		case (err == unix.EBUSY || err == unix.ENOTEMPTY) && time.Since(r.since) < removalTimeout:
			keep = append(keep, r)
		default:
			log.Warn("remove cgroup", "dir", r.dir, "err", err)
		}
	}
	return keep
}

// KillAll SIGKILLs the process group and cgroup of every live Proc and every
// other child of this process (orphans reparented to it): the last resort of
// a shutdown. The guardian is spared: it leaves with StopGuardian.
func KillAll() {
	regMu.Lock()
	live := make([]*Proc, 0, len(procs))
	for _, p := range procs {
		if !p.guardian { // it leaves with StopGuardian
			live = append(live, p)
		}
	}
	// Under regMu no registered child is being forked or reaped, so every
	// child not in procs is an orphan.
	all, _ := scanProcs()
	self := os.Getpid()
	var strays []procStat
	for _, st := range all {
		if st.ppid == self && procs[st.pid] == nil {
			strays = append(strays, st)
		}
	}
	signalExact(strays, syscall.SIGKILL)
	regMu.Unlock()
	ix := indexProcs(all)
	for _, p := range live {
		p.kill(append(ix.below(p.pid), ix.session(p.pid)...))
	}
}
