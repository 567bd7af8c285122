package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// kid is a started grandchild.
type kid struct {
	pid   int
	start uint64
}

// startChildren starts o.children sleeping grandchildren: in testproc's
// process group, in a session of their own (-setsid), or double-forked into
// one (-double-fork) or into a process group of their own in testproc's
// session (-double-fork-group).
func startChildren(o *options) ([]kid, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	var kids []kid
	for range o.children {
		var k kid
		switch {
		case o.doubleFork:
			k, err = doubleFork(self, o.childIgnoreTerm, &syscall.SysProcAttr{Setsid: true})
		case o.doubleForkGroup:
			k, err = doubleFork(self, o.childIgnoreTerm, &syscall.SysProcAttr{Setpgid: true})
		case o.setsid:
			k, err = startSleeper(self, o.childIgnoreTerm, &syscall.SysProcAttr{Setsid: true})
		default:
			k, err = startSleeper(self, o.childIgnoreTerm, nil)
		}
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	return kids, nil
}

func sleeperArgs(ignoreTerm bool) []string {
	args := []string{"-sleep"}
	if ignoreTerm {
		args = append(args, "-ignore-term")
	}
	return args
}

// startSleeper starts a grandchild that sleeps, and reaps it in the
// background so it never lingers as a zombie while testproc runs.
func startSleeper(self string, ignoreTerm bool, attr *syscall.SysProcAttr) (kid, error) {
	cmd, k, err := spawnSleeper(self, ignoreTerm, attr)
	if err != nil {
		return kid{}, err
	}
	go cmd.Wait()
	return k, nil
}

// spawnSleeper starts a sleeping grandchild and waits until it has set up
// its signal handling (its -ready-fd newline), so that a signal sent as soon
// as its pid is known finds it ready.
func spawnSleeper(self string, ignoreTerm bool, attr *syscall.SysProcAttr) (*exec.Cmd, kid, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, kid{}, fmt.Errorf("start grandchild: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(self, append(sleeperArgs(ignoreTerm), "-ready-fd", "3")...)
	cmd.SysProcAttr = attr
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return nil, kid{}, fmt.Errorf("start grandchild: %w", err)
	}
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil {
		return nil, kid{}, fmt.Errorf("start grandchild: not ready: %w", err)
	}
	k, err := identify(cmd.Process.Pid)
	return cmd, k, err
}

// doubleFork starts a middle process with attr (a new session or process
// group), which starts the sleeper, prints its pid and exits: the sleeper is
// left outside testproc's process group and is reparented to the nearest
// subreaper.
func doubleFork(self string, ignoreTerm bool, attr *syscall.SysProcAttr) (kid, error) {
	args := []string{"-middle"}
	if ignoreTerm {
		args = append(args, "-child-ignore-term")
	}
	cmd := exec.Command(self, args...)
	cmd.SysProcAttr = attr
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return kid{}, fmt.Errorf("double fork: %w", err)
	}
	var k kid
	if _, err := fmt.Sscanf(string(out), "%d %d", &k.pid, &k.start); err != nil {
		return kid{}, fmt.Errorf("double fork: read %q: %w", out, err)
	}
	return k, nil
}

// middle is the first fork of doubleFork.
func middle(o *options) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	_, k, err := spawnSleeper(self, o.childIgnoreTerm, nil)
	if err != nil {
		return err
	}
	fmt.Printf("%d %d\n", k.pid, k.start)
	return nil
}

// identify reads the start time that, with the pid, names a process for
// good: a recycled pid gets a later start time.
func identify(pid int) (kid, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return kid{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return kid{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return kid{}, fmt.Errorf("parse /proc/%d/stat: short", pid)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return kid{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return kid{pid: pid, start: start}, nil
}

// writeFiles writes -pidfile, -addr-file and -info, each atomically.
func writeFiles(o *options, kids []kid, addrs []string) error {
	if o.pidfile != "" {
		self, err := identify(os.Getpid())
		if err != nil {
			return err
		}
		var b strings.Builder
		for _, k := range append([]kid{self}, kids...) {
			fmt.Fprintf(&b, "%d %d\n", k.pid, k.start)
		}
		if err := writeAtomic(o.pidfile, b.String()); err != nil {
			return err
		}
	}
	if o.addrFile != "" {
		if err := writeAtomic(o.addrFile, strings.Join(addrs, "")); err != nil {
			return err
		}
	}
	if o.info != "" {
		if err := writeAtomic(o.info, info()); err != nil {
			return err
		}
	}
	return nil
}

func info() string {
	var b strings.Builder
	fmt.Fprintf(&b, "uid %d\ngid %d\n", os.Getuid(), os.Getgid())
	groups, _ := os.Getgroups()
	g := make([]string, len(groups))
	for i, n := range groups {
		g[i] = strconv.Itoa(n)
	}
	fmt.Fprintf(&b, "groups %s\n", strings.Join(g, ","))
	wd, _ := os.Getwd()
	fmt.Fprintf(&b, "cwd %s\n", wd)
	for _, kv := range os.Environ() {
		fmt.Fprintf(&b, "env %s\n", kv)
	}
	// Each probed with readlink, which opens nothing of its own; 0 to 63
	// covers what a test hands over.
	for fd := range 64 {
		if target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd)); err == nil {
			fmt.Fprintf(&b, "fd %d %s\n", fd, target)
		}
	}
	return b.String()
}

func writeAtomic(name, content string) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// printLines prints -print numbered lines through one buffered writer per
// stream, as fast as the pipe takes them.
func printLines(o *options) error {
	if o.print == 0 {
		return nil
	}
	type stream struct {
		name string
		f    *os.File
	}
	var streams []stream
	if o.printTo != "err" {
		streams = append(streams, stream{"out", os.Stdout})
	}
	if o.printTo != "out" {
		streams = append(streams, stream{"err", os.Stderr})
	}
	for _, s := range streams {
		w := bufio.NewWriterSize(s.f, 64<<10)
		for i := 1; i <= o.print; i++ {
			w.WriteString(line(s.name, i, o.lineLen))
			w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("print to std%s: %w", s.name, err)
		}
	}
	return nil
}
