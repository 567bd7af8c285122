package notify

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
)

// errNoCgroup2 says /proc/<pid>/cgroup has no cgroup v2 ("0::") entry.
var errNoCgroup2 = errors.New("no cgroup v2 entry")

// processGroup reads the process group of pid from /proc/<pid>/stat. It
// fails for a pid that no longer exists, which is how a datagram from a
// sender that already exited is recognised.
func processGroup(pid int) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("reading process group of %d: %w", pid, err)
	}
	pgrp, err := parseStatPgrp(b)
	if err != nil {
		return 0, fmt.Errorf("reading process group of %d: %w", pid, err)
	}
	return pgrp, nil
}

// parseStatPgrp extracts the fifth field of /proc/<pid>/stat. The second
// field, the command name in parentheses, may itself contain spaces and
// parentheses, so fields are counted from the last ')'.
func parseStatPgrp(b []byte) (int, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed stat: no ')'")
	}
	// After ") ": state ppid pgrp ...
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 {
		return 0, errors.New("malformed stat: too few fields")
	}
	pgrp, err := strconv.Atoi(f[2])
	if err != nil {
		return 0, fmt.Errorf("malformed stat: pgrp %q", f[2])
	}
	return pgrp, nil
}

// cgroupOf reads the cgroup v2 path of pid from /proc/<pid>/cgroup, as the
// kernel shows it: relative to the cgroup2 mount, starting with '/'.
func cgroupOf(pid int) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return "", fmt.Errorf("reading cgroup of %d: %w", pid, err)
	}
	cg, err := parseCgroup2(b)
	if err != nil {
		return "", fmt.Errorf("reading cgroup of %d: %w", pid, err)
	}
	return cg, nil
}

// parseCgroup2 finds the "0::<path>" line. On a hybrid host the v1
// hierarchies come first; only the unified one names the worker's cgroup.
func parseCgroup2(b []byte) (string, error) {
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		if p, ok := bytes.CutPrefix(line, []byte("0::")); ok {
			// A process of a cgroup that was removed shows " (deleted)".
			return strings.TrimSuffix(string(p), " (deleted)"), nil
		}
	}
	return "", errNoCgroup2
}

// cgroupAncestors calls f with cg and each of its ancestors, nearest first,
// stopping before the root "/" (which contains every process and so
// identifies no worker) or when f returns true.
func cgroupAncestors(cg string, f func(string) bool) {
	for cg != "" && cg != "/" {
		if f(cg) {
			return
		}
		i := strings.LastIndexByte(cg, '/')
		if i < 0 {
			return
		}
		cg = cg[:i]
	}
}

// cgroupMount is a cgroup2 mount: its mount point and the cgroup (in /proc's
// terms) that appears there.
type cgroupMount struct{ dir, root string }

// cgroup2Mounts lists the cgroup2 mounts of /proc/self/mountinfo; none on a
// host without cgroup v2 or when it cannot be read.
func cgroup2Mounts() []cgroupMount {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	return parseCgroup2Mounts(b)
}

// parseCgroup2Mounts reads mountinfo lines: "id parent maj:min root
// mountpoint options [optional...] - fstype source superoptions".
func parseCgroup2Mounts(b []byte) []cgroupMount {
	var ms []cgroupMount
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for i := 6; i+1 < len(f); i++ {
			if f[i] == "-" {
				if f[i+1] == "cgroup2" {
					ms = append(ms, cgroupMount{dir: unescapeMountinfo(f[4]), root: unescapeMountinfo(f[3])})
				}
				break
			}
		}
	}
	return ms
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgroupPath turns a cgroup given as a directory under one of mounts into
// its path in /proc's terms; a path that is under no mount is taken to be in
// /proc's terms already. The root cgroup, which holds every process, and ""
// give "".
func cgroupPath(mounts []cgroupMount, cg string) string {
	for _, m := range mounts {
		if rest, ok := strings.CutPrefix(cg, m.dir); ok && (rest == "" || rest[0] == '/') {
			cg = path.Join(m.root, rest)
			break
		}
	}
	if cg == "/" {
		return ""
	}
	return cg
}
