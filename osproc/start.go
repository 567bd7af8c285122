package osproc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
)

// defaultPath is searched when the worker's environment has no PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Start starts a process in its own session, and so its own process group
// (and cgroup, when Spec.Cgroup is set and cgroups are available), with
// SIGKILL as its parent-death signal, and registers it with the reaper
// before it can exit.
// It returns once the exec succeeded; an exec failure is its error, e.g.
// `exec "/usr/bin/x": permission denied`. The first Start sets osproc up as
// Init does, logging nowhere.
func Start(spec Spec) (*Proc, error) {
	if ensure(nil); setupErr != nil {
		return nil, setupErr
	}
	path, err := check(spec)
	if err != nil {
		return nil, err
	}
	files := append([]*os.File{spec.Stdin, spec.Stdout, spec.Stderr}, spec.ExtraFiles...)
	prog, argv := path, spec.Argv
	if len(spec.PidEnv) > 0 {
		prog, argv = selfExe, trampolineArgv(spec.PidEnv, path, spec.Argv)
	}
	attr := &syscall.ProcAttr{Dir: spec.Dir, Env: spec.Env, Files: childFDs(files), Sys: sysAttr(spec.Cred)}
	p := &Proc{onExit: spec.OnExit, done: make(chan struct{})}
	err = spawnContained(prog, argv, attr, p, spec.Cgroup)
	runtime.KeepAlive(files)
	if err != nil {
		return nil, fmt.Errorf("exec %q: %w", path, err)
	}
	return p, nil
}

// check finds the program and refuses, before the fork, what the child
// could only report as an exec failure: a missing folder, credentials
// supd may not take, a folder the user may not enter and, when the
// trampoline would hide it behind an exit status, a program exec would
// refuse. It returns the program's path.
func check(spec Spec) (string, error) {
	if len(spec.Argv) == 0 {
		return "", errors.New("start: empty argv")
	}
	path, err := LookPath(spec.Argv[0], spec.Env)
	if err != nil {
		return "", err
	}
	if spec.Dir != "" {
		if err := checkDir(spec.Dir); err != nil {
			return "", err
		}
	}
	if err := checkCred(spec.Cred); err != nil {
		return "", err
	}
	if spec.Dir != "" && spec.Cred != nil {
		// The child changes directory after it changed user, and its
		// EACCES would read like the exec's.
		if err := checkSearch(spec.Dir, spec.Cred); err != nil {
			return "", err
		}
	}
	if len(spec.PidEnv) > 0 {
		if err := checkExec(path, spec.Dir); err != nil {
			return "", fmt.Errorf("exec %q: %w", path, err)
		}
	}
	return path, nil
}

// childFDs are the descriptors the child gets at 0, 1, 2, 3...: /dev/null
// for a standard stream left nil, and none for an extra file left nil
// (syscall.ForkExec closes a descriptor given as -1).
func childFDs(files []*os.File) []uintptr {
	fds := make([]uintptr, len(files))
	for i, f := range files {
		switch {
		case f != nil:
			fds[i] = f.Fd()
		case i < 3:
			fds[i] = devNull.Fd()
		default:
			fds[i] = ^uintptr(0)
		}
	}
	return fds
}

// sysAttr is every start's own session and parent-death signal, and c's
// credentials. The session makes the process the leader of a process group
// of its own (pgid = pid) outside supd's session, so no other worker can
// setpgid(2) into its group (that works only within one session) and
// every process it starts carries its pid as session id, even one that left
// its group.
func sysAttr(c *Cred) *syscall.SysProcAttr {
	sys := &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
	if c != nil {
		sys.Credential = &syscall.Credential{Uid: c.UID, Gid: c.GID, Groups: slices.Clone(c.Groups)}
		// Without root, checkCred allowed only our own ids, and setgroups
		// would fail.
		sys.Credential.NoSetGroups = os.Geteuid() != 0
	}
	return sys
}

// spawnContained spawns p into a fresh cgroup named after name when there
// is one to have, else (or when the clone into it fails) in supd's own.
func spawnContained(prog string, argv []string, attr *syscall.ProcAttr, p *Proc, name string) error {
	if name == "" || cgRoot == nil {
		return spawn(prog, argv, attr, p)
	}
	cg, err := cgRoot.create(name)
	if err != nil {
		logger.Warn("worker left in supd's cgroup", "cgroup", name, "err", err)
		return spawn(prog, argv, attr, p)
	}
	p.cg = cg
	attr.Sys.UseCgroupFD, attr.Sys.CgroupFD = true, cg.fd
	err = spawn(prog, argv, attr, p)
	cg.closeFD()
	if err == nil {
		return nil
	}
	// The clone into the cgroup may be what failed: try once without it,
	// and keep the exec error if that fails too. The failed child may still
	// count in the cgroup for a moment; the reaper then retries, handed the
	// directory by a goroutine because OnExit, on the reaper's goroutine,
	// may call Start.
	if os.Remove(cg.dir) != nil {
		go func() { removec <- []string{cg.dir} }()
	}
	p.cg, attr.Sys.UseCgroupFD, attr.Sys.CgroupFD = nil, false, 0
	if spawn(prog, argv, attr, p) != nil {
		return err
	}
	logger.Warn("worker left in supd's cgroup", "cgroup", cg.dir, "pid", p.pid, "err", err)
	return nil
}

// spawn has a spawner goroutine fork and exec p.
func spawn(path string, argv []string, attr *syscall.ProcAttr, p *Proc) error {
	reply := make(chan error, 1)
	spawnc <- spawnReq{path: path, argv: argv, attr: attr, p: p, reply: reply}
	return <-reply
}

// LookPath resolves name as execve would, except that a name without a
// slash is searched in the PATH of env (the worker's, not supd's). Relative PATH entries
// are skipped, as os/exec does; a relative name with a slash is left
// relative to the process's working directory.
func LookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path := defaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v // the last one wins, as in getenv
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec %q: %w in $PATH", name, fs.ErrNotExist)
}

// checkDir names a missing working directory before the fork, whose error
// would otherwise read like a missing executable.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("chdir %q: %w", dir, errors.Unwrap(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("chdir %q: %w", dir, syscall.ENOTDIR)
	}
	return nil
}

// checkSearch reports whether the user of c may enter dir: search (x)
// permission on dir and every folder above it, judged by mode bits as the
// kernel does for a user without capabilities (ACLs are not read).
func checkSearch(dir string, c *Cred) error {
	if c.UID == 0 {
		return nil
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return nil // checkDir already spoke; a race is left to the exec
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		var bit uint32
		switch {
		case st.Uid == c.UID:
			bit = 0o100
		case st.Gid == c.GID || slices.Contains(c.Groups, st.Gid):
			bit = 0o010
		default:
			bit = 0o001
		}
		if st.Mode&bit == 0 {
			return fmt.Errorf("chdir %q as uid %d: %q: %w", dir, c.UID, d, syscall.EACCES)
		}
		if d == "/" {
			return nil
		}
	}
}

// checkExec says what execve would of the program at path (relative to dir
// when it is relative): missing, or not an executable file.
func checkExec(path, dir string) error {
	if !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return errors.Unwrap(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return syscall.EACCES
	}
	return nil
}

// checkCred refuses another user without root before the fork, whose EPERM
// would read like an exec failure.
func checkCred(c *Cred) error {
	if c == nil || os.Geteuid() == 0 {
		return nil
	}
	if int(c.UID) != os.Geteuid() || int(c.GID) != os.Getegid() || len(c.Groups) > 0 {
		return fmt.Errorf("set user %d, group %d: %w", c.UID, c.GID, syscall.EPERM)
	}
	return nil
}
