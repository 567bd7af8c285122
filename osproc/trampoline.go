package osproc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// TrampolineArg is the argv[1] by which a binary that uses osproc
// recognises that Start re-executed it as the trampoline. Its main must
// check it before anything else (flags, goroutines, Init) and then run
// os.Exit(TrampolineMain(os.Args[2:])).
//
// Why: Spec.PidEnv needs the process's own pid, which exists only after
// fork, and Go's fork+exec runs no code of ours in the child. systemd sets
// WATCHDOG_PID in its child between fork and exec; osproc gets the same by
// executing its own binary first, which sets the variables and then
// execve(2)s the worker's program in the same process, keeping the pid.
const TrampolineArg = "__supd_exec"

// selfExe is the binary the trampoline runs as. It names the running binary
// even after the file on disk was replaced or removed (an upgrade), and,
// being a magic link, needs no search permission on the binary's folders
// when the worker runs as another user: only execute permission on the
// binary itself.
const selfExe = "/proc/self/exe"

// Exit statuses of a trampoline that could not run the worker, as a shell
// reports them; the reason is written to stderr, i.e. the worker's log.
const (
	trampolineUsage      = 125 // malformed arguments: a bug in osproc
	trampolineCannotExec = 126 // found but not executable
	trampolineNotFound   = 127 // no such program
)

// trampolineArgv is the argv that runs the program at path with argv
// through the trampoline, which sets each variable of pidEnv first:
//
//	/proc/self/exe __supd_exec [--pid-env NAME]... -- PATH ARGV...
//
// argv, argv[0] included, reaches the program untouched.
func trampolineArgv(pidEnv []string, path string, argv []string) []string {
	out := []string{selfExe, TrampolineArg}
	for _, name := range pidEnv {
		out = append(out, "--pid-env", name)
	}
	out = append(out, "--", path)
	return append(out, argv...)
}

// TrampolineMain runs the trampoline: args are the arguments after
// TrampolineArg. On success it does not return (the process becomes the
// worker); otherwise it writes the reason to stderr and returns the exit
// status for main to exit with.
func TrampolineMain(args []string) int {
	return trampoline(args, os.Stderr, syscall.Exec)
}

func trampoline(args []string, stderr io.Writer, execve func(string, []string, []string) error) int {
	pidEnv, path, argv, err := parseTrampoline(args)
	if err != nil {
		fmt.Fprintf(stderr, "supd %s: %v\n", TrampolineArg, err)
		return trampolineUsage
	}
	env := os.Environ()
	pid := strconv.Itoa(os.Getpid())
	for _, name := range pidEnv {
		env = setEnv(env, name, pid)
	}
	err = execve(path, argv, env)
	fmt.Fprintf(stderr, "supd: exec %q: %v\n", path, err)
	if errors.Is(err, syscall.ENOENT) {
		return trampolineNotFound
	}
	return trampolineCannotExec
}

func parseTrampoline(args []string) (pidEnv []string, path string, argv []string, err error) {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--":
			if len(args) < i+3 {
				return nil, "", nil, errors.New("want PATH and ARGV after \"--\"")
			}
			return pidEnv, args[i+1], args[i+2:], nil
		case "--pid-env":
			if i+1 == len(args) || args[i+1] == "" || strings.Contains(args[i+1], "=") {
				return nil, "", nil, errors.New("--pid-env needs a variable name")
			}
			i++
			pidEnv = append(pidEnv, args[i])
		default:
			return nil, "", nil, fmt.Errorf("unknown option %q", a)
		}
	}
	return nil, "", nil, errors.New("missing \"--\" before the program")
}

// setEnv sets key in env, dropping every earlier assignment of it.
func setEnv(env []string, key, val string) []string {
	out := slices.DeleteFunc(env, func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return k == key
	})
	return append(out, key+"="+val)
}
