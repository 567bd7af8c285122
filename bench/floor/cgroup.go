package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// cgroups gives each start a fresh cgroup v2 directory below one of the
// floor's own, as supd does (clone into it, remove it after the reap), so
// that supd can be compared with the kernel's cost of that too.
type cgroups struct {
	base string
	n    int
	busy []string // removed once they empty (drain)
}

// newCgroups creates the floor's base cgroup next to its own.
func newCgroups() (*cgroups, error) {
	mount, err := cgroup2Mount()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	var own string
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			own = p
		}
	}
	if own == "" {
		return nil, errors.New("no cgroup v2 entry in /proc/self/cgroup")
	}
	base := filepath.Join(mount, filepath.Dir(own), fmt.Sprintf("floor.%d", os.Getpid()))
	if err := os.Mkdir(base, 0o755); err != nil {
		return nil, err
	}
	return &cgroups{base: base}, nil
}

// cgroup2Mount finds where the cgroup v2 hierarchy is mounted.
func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if ok && strings.HasPrefix(post, "cgroup2 ") {
			if f := strings.Fields(pre); len(f) > 4 {
				return f[4], nil
			}
		}
	}
	return "", errors.New("no cgroup2 mount")
}

// next makes the cgroup of the next start and returns its directory and
// an open descriptor for CLONE_INTO_CGROUP.
func (c *cgroups) next() (string, int, error) {
	c.n++
	dir := filepath.Join(c.base, fmt.Sprintf("w%d", c.n))
	if err := syscall.Mkdir(dir, 0o755); err != nil {
		return "", -1, err
	}
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		_ = syscall.Rmdir(dir)
		return "", -1, err
	}
	return dir, fd, nil
}

// forkExec starts prog in a fresh cgroup.
func (c *cgroups) forkExec(prog string, argv []string, attr *syscall.ProcAttr) (pid int, dir string, err error) {
	dir, fd, err := c.next()
	if err != nil {
		return 0, "", err
	}
	sys := *attr.Sys
	sys.UseCgroupFD, sys.CgroupFD = true, fd
	a := *attr
	a.Sys = &sys
	pid, err = syscall.ForkExec(prog, argv, &a)
	syscall.Close(fd)
	if err != nil {
		_ = syscall.Rmdir(dir)
		_ = syscall.Rmdir(c.base) // the caller exits, skipping close
		return 0, "", fmt.Errorf("start in %s: %w", dir, err)
	}
	return pid, dir, nil
}

// remove removes a start's cgroup once its process was reaped. The
// cgroup empties a moment after the reap, so one still busy is left for
// drain, off the path of the next start or stop, as supd's reaper does.
func (c *cgroups) remove(dir string) {
	if err := syscall.Rmdir(dir); err == syscall.EBUSY {
		c.busy = append(c.busy, dir)
	}
}

// drain removes the cgroups left busy, retrying until they empty.
func (c *cgroups) drain() {
	for len(c.busy) > 0 {
		busy := c.busy[:0]
		for _, d := range c.busy {
			if err := syscall.Rmdir(d); err == syscall.EBUSY {
				busy = append(busy, d)
			}
		}
		c.busy = busy
		if len(busy) > 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// close removes every cgroup the floor made.
func (c *cgroups) close() {
	c.drain()
	_ = syscall.Rmdir(c.base)
}
