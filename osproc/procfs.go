package osproc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// procStat is what osproc needs from /proc/<pid>/stat. A pid and its start
// time name a process for good: a recycled pid has a later start time.
type procStat struct {
	pid, ppid, pgid, sid int
	state                byte
	start                uint64 // clock ticks after boot
}

// parseStat parses the text of /proc/<pid>/stat. The command name is in
// parentheses and may itself hold spaces and parentheses, so the fields are
// counted from the last ')'.
func parseStat(b []byte) (procStat, error) {
	open := bytes.IndexByte(b, '(')
	close := bytes.LastIndexByte(b, ')')
	if open < 1 || close < open {
		return procStat{}, fmt.Errorf("parse stat %q: no command name", b)
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return procStat{}, fmt.Errorf("parse stat: pid: %w", err)
	}
	f := bytes.Fields(b[close+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("parse stat of %d: too few fields", pid)
	}
	st := procStat{pid: pid, state: f[0][0]}
	if st.ppid, err = strconv.Atoi(string(f[1])); err != nil {
		return procStat{}, fmt.Errorf("parse stat of %d: ppid: %w", pid, err)
	}
	if st.pgid, err = strconv.Atoi(string(f[2])); err != nil {
		return procStat{}, fmt.Errorf("parse stat of %d: pgrp: %w", pid, err)
	}
	if st.sid, err = strconv.Atoi(string(f[3])); err != nil {
		return procStat{}, fmt.Errorf("parse stat of %d: session: %w", pid, err)
	}
	if st.start, err = strconv.ParseUint(string(f[19]), 10, 64); err != nil {
		return procStat{}, fmt.Errorf("parse stat of %d: starttime: %w", pid, err)
	}
	return st, nil
}

func readStat(pid int) (procStat, error) {
	b, err := readSysFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// ProcessGroup is the process group of pid, read from /proc/<pid>/stat. It
// fails for a pid that does not exist (a sender that already exited).
func ProcessGroup(pid int) (int, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, fmt.Errorf("reading process group of %d: %w", pid, err)
	}
	return st.pgid, nil
}

// alive reports whether the process pid that started at start still runs
// (a zombie has ended).
func alive(pid int, start uint64) bool {
	st, err := readStat(pid)
	return err == nil && st.start == start && st.state != 'Z'
}

// scanProcs reads every process's stat; processes that vanish meanwhile are
// skipped.
func scanProcs() ([]procStat, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("scan processes: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("scan processes: %w", err)
	}
	all := make([]procStat, 0, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil {
			all = append(all, st)
		}
	}
	return all, nil
}

// childrenFiles reports whether this kernel has /proc/PID/task/TID/children
// (CONFIG_PROC_CHILDREN), which lets descendants be found from the top down
// instead of by a scan of every process.
var childrenFiles = sync.OnceValue(func() bool {
	_, err := os.Stat(fmt.Sprintf("/proc/self/task/%d/children", os.Getpid()))
	return err == nil
})

// descendantsOf returns the processes below root. It follows the children
// links down from root, reading only root's subtree; without them it scans
// every process. A process whose parent died was reparented and is no
// longer found.
func descendantsOf(root int) []procStat {
	if !childrenFiles() {
		all, _ := scanProcs()
		return descendants(all, root)
	}
	var out []procStat
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, st := range childrenOf(pid) {
			out = append(out, st)
			queue = append(queue, st.pid)
		}
	}
	return out
}

// childrenOf returns the children of pid, with their stat. It needs
// childrenFiles.
func childrenOf(pid int) []procStat {
	var out []procStat
	for _, kid := range childPids(pid) {
		if st, err := readStat(kid); err == nil && st.ppid == pid {
			out = append(out, st)
		}
	}
	return out
}

// childPids lists the children of pid from the children file of each of
// its threads (a child's parent is the thread that forked it, or the one a
// reparented orphan was given to). It needs childrenFiles.
func childPids(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil // gone
	}
	var out []int
	for _, t := range tasks {
		b, err := readSysFile(dir + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if kid, err := strconv.Atoi(f); err == nil {
				out = append(out, kid)
			}
		}
	}
	return out
}

// descendants returns the processes below root in the parent links of all.
// A process whose parent died was reparented and is no longer found.
func descendants(all []procStat, root int) []procStat {
	return indexProcs(all).below(root)
}

// signalExact sends sig to each process, but only to the very process
// scanned: it pins the pid with a pidfd, then checks the start time, so a
// pid that was recycled after the scan is never signalled.
func signalExact(ps []procStat, sig syscall.Signal) {
	for _, st := range ps {
		fd, err := unix.PidfdOpen(st.pid, 0)
		if errors.Is(err, unix.ENOSYS) {
			// No pidfds (Linux < 5.3): the start time check alone.
			if now, err := readStat(st.pid); err == nil && now.start == st.start {
				unix.Kill(st.pid, sig)
			}
			continue
		}
		if err != nil {
			continue // gone
		}
		if now, err := readStat(st.pid); err == nil && now.start == st.start {
			unix.PidfdSendSignal(fd, sig, nil, 0)
		}
		unix.Close(fd)
	}
}
