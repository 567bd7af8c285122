package osproc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// cgroupRoot is this process's base cgroup, below its own cgroup, under which
// every worker gets a fresh cgroup. Its name, supd.<pid>.<starttime>, is
// never reused, and the directory stays flock'ed while the process lives, so
// another supd sharing the parent can tell it from a dead supd's leftover.
type cgroupRoot struct {
	dir    string   // e.g. /sys/fs/cgroup/unified/supd.812.4711
	path   string   // the same as /proc/<pid>/cgroup names it, e.g. /supd.812.4711
	lock   *os.File // the open directory holding the flock, for life
	memory bool     // the memory controller is enabled for workers
}

// cgroup is one worker's cgroup, created fresh for one start: a process
// cloned into a cgroup that was once cgroup.kill'ed dies at birth.
type cgroup struct {
	dir    string
	path   string // in /proc's terms, as cgroupRoot.path
	fd     int    // open only until the clone, for CLONE_INTO_CGROUP; -1 after
	memory bool   // it has memory.events
}

// mountPoint is a cgroup2 mount read from /proc/self/mountinfo.
type mountPoint struct {
	point string // where it is mounted
	root  string // the cgroup that appears at point
	rw    bool
}

// parseMountinfo returns the cgroup2 mounts in the text of a mountinfo file.
func parseMountinfo(b []byte) []mountPoint {
	var out []mountPoint
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// 41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
		f := strings.Fields(sc.Text())
		sep := slices.Index(f, "-")
		if sep < 6 || sep+1 >= len(f) || f[sep+1] != "cgroup2" {
			continue
		}
		out = append(out, mountPoint{
			point: unescapeMount(f[4]),
			root:  unescapeMount(f[3]),
			rw:    slices.Contains(strings.Split(f[5], ","), "rw"),
		})
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes ("\040" is a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
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

// CgroupOf is the cgroup v2 of pid as /proc/<pid>/cgroup names it: a path
// from the cgroup2 root as supd's cgroup namespace sees it, starting with
// '/', the form of Proc.CgroupPath.
func CgroupOf(pid int) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return "", fmt.Errorf("reading cgroup of %d: %w", pid, err)
	}
	cg, err := parseCgroup(b)
	if err != nil {
		return "", fmt.Errorf("reading cgroup of %d: %w", pid, err)
	}
	return cg, nil
}

// parseCgroup returns the cgroup v2 path in the text of /proc/<pid>/cgroup:
// the "0::/path" line, which on a hybrid host follows the v1 hierarchies'.
func parseCgroup(b []byte) (string, error) {
	for l := range strings.Lines(string(b)) {
		if p, ok := strings.CutPrefix(strings.TrimRight(l, "\n"), "0::"); ok {
			// A process of a cgroup that was removed shows " (deleted)".
			return strings.TrimSuffix(p, " (deleted)"), nil
		}
	}
	return "", errors.New("no cgroup v2 entry")
}

// ownCgroupDir finds the directory of own, this process's cgroup, in a
// writable cgroup2 mount.
func ownCgroupDir(mounts []mountPoint, own string) (string, error) {
	if len(mounts) == 0 {
		return "", errors.New("no cgroup2 mount")
	}
	for _, m := range mounts {
		if !m.rw {
			continue
		}
		rel, ok := strings.CutPrefix(own, m.root)
		if !ok || (rel != "" && m.root != "/" && rel[0] != '/') {
			continue
		}
		return filepath.Join(m.point, rel), nil
	}
	return "", fmt.Errorf("no writable cgroup2 mount holds %s", own)
}

// baseName matches the base cgroups of supd processes.
var baseName = regexp.MustCompile(`^supd\.([0-9]+)\.([0-9]+)$`)

// newCgroupRoot creates and locks this process's base cgroup below parent,
// the directory of own (this process's cgroup in /proc's terms).
func newCgroupRoot(parent, own string, self procStat) (*cgroupRoot, error) {
	name := fmt.Sprintf("supd.%d.%d", self.pid, self.start)
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	f, err := os.Open(dir)
	if err == nil {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.Remove(dir)
		return nil, fmt.Errorf("lock cgroup %s: %w", dir, err)
	}
	r := &cgroupRoot{dir: dir, path: path.Join(own, name), lock: f}
	// Best effort: memory.events (OOM kills) exists in the workers' cgroups
	// only when the parent delegated the memory controller.
	if ctl, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers")); err == nil &&
		slices.Contains(strings.Fields(string(ctl)), "memory") {
		r.memory = os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+memory"), 0) == nil
	}
	return r, nil
}

// killLeftovers finds the base cgroups below parent of supd processes that
// died (not running and not locked), kills everything in them and returns
// their directories, deepest first, for removal, and those that still held
// processes.
func killLeftovers(parent, self string) (dirs, populated []string) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return nil, nil
	}
	for _, e := range ents {
		m := baseName.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil || e.Name() == self {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		start, _ := strconv.ParseUint(m[2], 10, 64)
		if alive(pid, start) {
			continue // its owner may be between mkdir and flock
		}
		dir := filepath.Join(parent, e.Name())
		f, err := os.Open(dir)
		if err != nil {
			continue
		}
		// Locked: a live supd in another pid namespace owns it.
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			if ev, err := os.ReadFile(filepath.Join(dir, "cgroup.events")); err == nil &&
				strings.Contains(string(ev), "populated 1") {
				populated = append(populated, dir)
			}
			// cgroup.kill takes the whole subtree.
			os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
			dirs = append(dirs, subtree(dir)...)
		}
		f.Close()
	}
	return dirs, populated
}

// subtree lists dir and the cgroups below it, deepest first.
func subtree(dir string) []string {
	var out []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, subtree(filepath.Join(dir, e.Name()))...)
		}
	}
	return append(out, dir)
}

// cgroupSeq numbers the workers' cgroups, so none is ever reused.
var cgroupSeq atomic.Uint64

// create makes a fresh cgroup for one start and opens it for the clone.
func (r *cgroupRoot) create(name string) (*cgroup, error) {
	name = strings.Map(func(c rune) rune {
		if c == '/' || c == 0 || c == '\n' {
			return '_'
		}
		return c
	}, name)
	if len(name) > 200 {
		name = name[:200]
	}
	name = fmt.Sprintf("%s.%d", name, cgroupSeq.Add(1))
	dir := filepath.Join(r.dir, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("open cgroup: %w", err)
	}
	return &cgroup{dir: dir, path: path.Join(r.path, name), fd: fd, memory: r.memory}, nil
}

// closeFD closes the directory once the clone no longer needs it.
func (c *cgroup) closeFD() {
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
}

// kill SIGKILLs every process in the cgroup at once. The kernel does it
// atomically, so a process forking in a loop cannot escape.
func (c *cgroup) kill() error {
	err := writeSysFile(c.dir+"/cgroup.kill", []byte("1"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // already removed: empty
	}
	return err
}

// procs lists the pids in the cgroup.
func (c *cgroup) procs() ([]int, error) {
	b, err := readSysFile(c.dir + "/cgroup.procs")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// oomKills reads how many processes the OOM killer ended in the cgroup; 0
// without the memory controller.
func (c *cgroup) oomKills() uint64 {
	if !c.memory {
		return 0 // no memory.events to read
	}
	b, err := readSysFile(c.dir + "/memory.events")
	if err != nil {
		return 0
	}
	return parseOOMKills(b)
}

// parseOOMKills reads the oom_kill counter of a memory.events file.
func parseOOMKills(b []byte) uint64 {
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "oom_kill "); ok {
			n, _ := strconv.ParseUint(v, 10, 64)
			return n
		}
	}
	return 0
}
