package osproc

import (
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Bounds of the guardian's work after supd died.
const (
	sweepRounds   = 50              // scans of /proc, each killing what the last one missed
	sweepDeadline = time.Second     // for all of them
	removeTimeout = 5 * time.Second // for the emptied cgroups to be removed
)

// cgroupsOf lists the cgroups to kill: base and everything below it,
// deepest first, then any process's cgroup outside base.
func cgroupsOf(base string, ws map[int]watched) []string {
	var dirs []string
	if base != "" {
		if _, err := os.Stat(base); err == nil {
			dirs = subtree(base)
		}
	}
	for _, w := range ws {
		if w.cgroup != "" && !slices.Contains(dirs, w.cgroup) && !under(w.cgroup, base) {
			dirs = append(dirs, w.cgroup)
		}
	}
	return dirs
}

// under reports whether dir is below base.
func under(dir, base string) bool {
	return base != "" && strings.HasPrefix(dir, base+"/")
}

// sweep kills what supd left: everything in dirs (cgroup.kill, atomic for
// each cgroup and what is below it), then the sessions of ws. It returns how
// many processes it found to kill.
func sweep(dirs []string, ws map[int]watched) int {
	found := map[int]bool{}
	for _, d := range dirs {
		pids, _ := (&cgroup{dir: d, fd: -1}).procs()
		for _, pid := range pids {
			found[pid] = true
		}
	}
	// The base (last of its subtree) first: one write kills every
	// worker's cgroup at once; the others' writes then find them dying.
	for _, d := range slices.Backward(dirs) {
		if err := os.WriteFile(d+"/cgroup.kill", []byte("1"), 0); err != nil {
			// No cgroup.kill before Linux 5.14: what it lists, one by one;
			// the sessions' scans below catch what forks meanwhile.
			pids, _ := (&cgroup{dir: d, fd: -1}).procs()
			for _, pid := range pids {
				unix.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	self := os.Getpid()
	signalled := map[int]bool{}
	deadline := time.Now().Add(sweepDeadline)
	for range sweepRounds {
		all, err := scanProcs()
		if err != nil {
			break
		}
		var fresh []procStat
		for _, st := range sessionsLeft(all, ws) {
			if st.pid != self && st.state != 'Z' && !signalled[st.pid] {
				signalled[st.pid], found[st.pid] = true, true
				fresh = append(fresh, st)
			}
		}
		if len(fresh) == 0 || time.Now().After(deadline) {
			break
		}
		signalExact(fresh, syscall.SIGKILL)
	}
	return len(found)
}

// sessionsLeft returns, from a scan of every process, the members of the
// sessions led by the processes of ws, their leaders included, and what
// hangs below them. A session whose leader's pid now names another process
// is skipped: pid S is not reused while any process is in session S, so
// that session has ended.
func sessionsLeft(all []procStat, ws map[int]watched) []procStat {
	ix := indexProcs(all)
	var out []procStat
	for _, sid := range slices.Sorted(maps.Keys(ws)) {
		if st, ok := ix.byPid[sid]; ok {
			if st.start != ws[sid].start {
				continue
			}
			out = append(out, st)
			out = append(out, ix.below(sid)...)
		}
		out = append(out, ix.session(sid)...)
	}
	return out
}

// removeCgroups removes the killed cgroups once they are empty, holding
// base's lock, which tells a supd starting meanwhile that they are taken
// care of. What it cannot remove in time is left to supd's next start.
func removeCgroups(base string, dirs []string) {
	if base != "" {
		f, err := os.Open(base)
		if err != nil {
			return
		}
		defer f.Close()
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			return // a new supd is on it
		}
	}
	deadline := time.Now().Add(removeTimeout)
	for _, d := range dirs {
		for {
			err := unix.Rmdir(d)
			if err == nil || err == unix.ENOENT || (err != unix.EBUSY && err != unix.ENOTEMPTY) ||
				time.Now().After(deadline) {
				break
			}
			// The cgroup empties a moment after its last process died.
			time.Sleep(5 * time.Millisecond)
		}
	}
}
