package notify

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"supd/osproc"
	"syscall"

	"golang.org/x/sys/unix"
)

// TrampolineArg is the argv[1] by which the supd binary recognises that it
// was re-executed as the trampoline. main must check it before anything
// else (before flags, goroutines, the reaper or subreaper setup) and then
// run os.Exit(TrampolineMain(os.Args[2:])).
const TrampolineArg = "__supd_exec"

// SelfExe is the path to re-execute supd by. It names the running binary
// even after the file on disk was replaced or removed (an upgrade), and,
// being a magic link, needs no search permission on the binary's folders
// when the worker runs as another user: only execute permission on the
// binary itself.
const SelfExe = "/proc/self/exe"

// Trampoline says what the trampoline does between fork and the worker's
// exec. Its zero value does nothing, and then no trampoline is needed.
//
// Why it exists: some of a worker's setup needs the worker's pid or its
// final descriptor table, and Go's fork+exec (which osproc uses) runs no
// code of ours in the child. systemd computes WATCHDOG_PID (and LISTEN_PID)
// in its child after fork, before exec; supd gets the same by executing
// itself first: the trampoline fixes the environment and descriptors and
// then execve(2)s the worker's program in the same process, so the pid it
// wrote is the worker's pid.
type Trampoline struct {
	// WatchdogPID sets WATCHDOG_PID to the process's own pid.
	WatchdogPID bool
	// Moves places inherited descriptors: each From (the descriptor as
	// the trampoline received it, 3+i for ExtraFiles[i]) becomes To in
	// the worker, and From itself is closed unless another move targets
	// it. Moves are done as one permutation, so they may overlap.
	Moves []Move
}

// Move places descriptor From at To (both >= 3).
type Move struct{ From, To int }

// Needed reports whether t does anything: without it the launcher runs the
// worker's argv directly.
func (t Trampoline) Needed() bool { return t.WatchdogPID || len(t.Moves) > 0 }

// WrapArgv returns the argv that runs argv through the trampoline:
//
//	self __supd_exec [--watchdog-pid] [--move FROM:TO]... -- argv...
//
// self is the path of the supd binary, normally SelfExe. Everything after
// "--" is the worker's argv, untouched; argv[0] is looked up in the PATH of
// the environment the trampoline is given, as osproc would. When t is not
// Needed, argv is returned as it is.
func WrapArgv(self string, t Trampoline, argv []string) []string {
	if !t.Needed() {
		return argv
	}
	out := []string{self, TrampolineArg}
	if t.WatchdogPID {
		out = append(out, "--watchdog-pid")
	}
	for _, m := range t.Moves {
		out = append(out, "--move", strconv.Itoa(m.From)+":"+strconv.Itoa(m.To))
	}
	out = append(out, "--")
	return append(out, argv...)
}

// Exit statuses of a trampoline that could not run the worker, as a shell
// reports them; the reason is written to stderr, i.e. the worker's log.
const (
	TrampolineUsage      = 125 // malformed arguments: a bug in supd
	TrampolineCannotExec = 126 // found but not executable
	TrampolineNotFound   = 127 // no such program
)

// TrampolineMain runs the trampoline: args are the arguments after
// TrampolineArg. On success it does not return (the process becomes the
// worker); otherwise it writes the reason to stderr and returns the exit
// status for main to exit with.
func TrampolineMain(args []string) int {
	return trampoline(args, os.Stderr, syscall.Exec)
}

func trampoline(args []string, stderr io.Writer, execve func(string, []string, []string) error) int {
	t, argv, err := parseTrampoline(args)
	if err != nil {
		fmt.Fprintf(stderr, "supd %s: %v\n", TrampolineArg, err)
		return TrampolineUsage
	}
	env := os.Environ()
	if t.WatchdogPID {
		env = setEnv(env, "WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	}
	path, err := LookPath(argv[0], env)
	if err != nil {
		fmt.Fprintf(stderr, "supd: %v\n", err)
		return TrampolineNotFound
	}
	// Last, right before exec: a target may be a descriptor the Go
	// runtime opened for itself (it keeps cgroup CPU limit files open),
	// which it must not get to use once it is the worker's.
	if err := applyMoves(t.Moves); err != nil {
		fmt.Fprintf(stderr, "supd %s: %v\n", TrampolineArg, err)
		return TrampolineUsage
	}
	err = execve(path, argv, env)
	fmt.Fprintf(stderr, "supd: exec %q: %v\n", path, err)
	if errors.Is(err, syscall.ENOENT) {
		return TrampolineNotFound
	}
	return TrampolineCannotExec
}

// LookPath resolves a worker's program as the trampoline will (see
// osproc.LookPath). The launcher calls it before wrapping argv, so that a
// missing program stays a start failure instead of becoming the
// trampoline's exit 127.
func LookPath(name string, env []string) (string, error) { return osproc.LookPath(name, env) }

func parseTrampoline(args []string) (Trampoline, []string, error) {
	var t Trampoline
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--":
			if i+1 == len(args) {
				return t, nil, errors.New("no program after \"--\"")
			}
			return t, args[i+1:], nil
		case "--watchdog-pid":
			t.WatchdogPID = true
		case "--move":
			if i+1 == len(args) {
				return t, nil, errors.New("--move needs FROM:TO")
			}
			i++
			m, err := parseMove(args[i])
			if err != nil {
				return t, nil, err
			}
			t.Moves = append(t.Moves, m)
		default:
			return t, nil, fmt.Errorf("unknown option %q", a)
		}
	}
	return t, nil, errors.New("missing \"--\" before the program")
}

func parseMove(s string) (Move, error) {
	from, to, ok := strings.Cut(s, ":")
	f, err1 := strconv.Atoi(from)
	t, err2 := strconv.Atoi(to)
	if !ok || err1 != nil || err2 != nil || f < 3 || t < 3 {
		return Move{}, fmt.Errorf("--move %q: want FROM:TO, both >= 3", s)
	}
	return Move{From: f, To: t}, nil
}

// applyMoves performs the moves as one permutation: every source is first
// copied above all the descriptors involved (close-on-exec), then the
// copies are placed at their targets (inherited across exec), and sources
// that are no target are marked close-on-exec.
func applyMoves(moves []Move) error {
	if len(moves) == 0 {
		return nil
	}
	top := 0
	for _, m := range moves {
		top = max(top, m.From, m.To)
	}
	tmp := make([]int, len(moves))
	for i, m := range moves {
		fd, err := unix.FcntlInt(uintptr(m.From), unix.F_DUPFD_CLOEXEC, top+1)
		if err != nil {
			return fmt.Errorf("moving fd %d to %d: %w", m.From, m.To, err)
		}
		tmp[i] = fd
	}
	for i, m := range moves {
		if err := unix.Dup3(tmp[i], m.To, 0); err != nil {
			return fmt.Errorf("moving fd %d to %d: %w", m.From, m.To, err)
		}
	}
	for _, m := range moves {
		if !slices.ContainsFunc(moves, func(o Move) bool { return o.To == m.From }) {
			unix.CloseOnExec(m.From)
		}
	}
	return nil
}

func setEnv(env []string, key, val string) []string {
	out := slices.DeleteFunc(env, func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return k == key
	})
	return append(out, key+"="+val)
}
