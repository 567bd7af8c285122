package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// A test that starts many processes tells its own from everyone else's by a
// marker in their environment: supd gets it, and every worker and every
// process a worker starts inherits it.

// procInfo is what /proc says of one process.
type procInfo struct {
	pid, ppid int
	state     byte   // R, S, Z, ...
	start     uint64 // field 22 of /proc/PID/stat: with the pid, names a process for good
}

// readStat reads /proc/PID/stat.
func readStat(pid int) (procInfo, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procInfo{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return procInfo{}, fmt.Errorf("parse /proc/%d/stat: %q", pid, s)
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 20 {
		return procInfo{}, fmt.Errorf("parse /proc/%d/stat: short", pid)
	}
	ppid, _ := strconv.Atoi(f[1])
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return procInfo{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return procInfo{pid: pid, ppid: ppid, state: f[0][0], start: start}, nil
}

// hasMarker reports whether pid's environment holds the entry marker
// ("KEY=VALUE"). A zombie's environment reads empty.
func hasMarker(pid int, marker string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	for e := range bytes.SplitSeq(b, []byte{0}) {
		if string(e) == marker {
			return true
		}
	}
	return false
}

// allProcs lists every process in /proc.
func allProcs() []procInfo {
	ents, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := readStat(pid); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// markedProcs returns the live processes that carry marker.
func markedProcs(marker string) []procInfo {
	var out []procInfo
	for _, p := range allProcs() {
		if p.state != 'Z' && hasMarker(p.pid, marker) {
			out = append(out, p)
		}
	}
	return out
}

// zombiesOf returns the zombie children of the given parents.
func zombiesOf(parents ...int) []procInfo {
	var out []procInfo
	for _, p := range allProcs() {
		if p.state == 'Z' && slices.Contains(parents, p.ppid) {
			out = append(out, p)
		}
	}
	return out
}

// signalIf sends sig to the process pid only if it is still the one that
// started at start and it carries marker, so that a recycled pid (pid_max
// may be small) never gets a test's signal. It reports whether the signal
// was sent.
func signalIf(pid int, start uint64, marker string, sig syscall.Signal) (bool, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false, nil // gone
	}
	defer unix.Close(fd)
	// From here on the pidfd names one process: check it is the one meant.
	p, err := readStat(pid)
	if err != nil || p.start != start || p.state == 'Z' || !hasMarker(pid, marker) {
		return false, nil
	}
	err = unix.PidfdSendSignal(fd, sig, nil, 0)
	if errors.Is(err, unix.ESRCH) {
		return false, nil
	}
	return err == nil, err
}

// killMarked SIGKILLs every process that carries marker, for a test's
// cleanup whatever happened.
func killMarked(marker string) {
	for _, p := range markedProcs(marker) {
		_, _ = signalIf(p.pid, p.start, marker, syscall.SIGKILL)
	}
}

// pidLine is one "PID STARTTIME" line of a testproc -pidfile.
type pidLine struct {
	pid   int
	start uint64
}

// readPidfile reads a testproc -pidfile: the worker first, then its
// grandchildren. A missing or half-written file reads as nothing.
func readPidfile(file string) []pidLine {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var out []pidLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// testproc writes "pid start"; a shell worker writes the pid alone.
		var l pidLine
		if n, _ := fmt.Sscanf(sc.Text(), "%d %d", &l.pid, &l.start); n == 0 {
			return nil
		}
		out = append(out, l)
	}
	return out
}

// cgroupOf is the cgroup v2 path of process pid, as /proc/PID/cgroup
// gives it ("" without cgroup v2).
func cgroupOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	for l := range strings.Lines(string(b)) {
		if r, ok := strings.CutPrefix(strings.TrimSpace(l), "0::"); ok {
			return r
		}
	}
	return ""
}

// cgroupFolder is the folder of the cgroup at path (in /proc's terms) in
// the writable cgroup2 mount, "" when there is none.
func cgroupFolder(path string) string {
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	for l := range strings.Lines(string(mi)) {
		f := strings.Fields(l)
		sep := slices.Index(f, "-")
		if sep < 6 || sep+1 >= len(f) || f[sep+1] != "cgroup2" || !slices.Contains(strings.Split(f[5], ","), "rw") {
			continue
		}
		if r, ok := strings.CutPrefix(path, f[3]); ok {
			return filepath.Join(f[4], r)
		}
	}
	return ""
}

// cgroupProcs lists the pids in the cgroup dir and every cgroup below it.
func cgroupProcs(dir string) []int {
	var out []int
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(filepath.Join(path, "cgroup.procs"))
		for f := range strings.FieldsSeq(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
		return nil
	})
	return out
}

// subCgroups lists the cgroups below dir.
func subCgroups(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && path != dir {
			out = append(out, path)
		}
		return nil
	})
	return out
}
