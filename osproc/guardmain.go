package osproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// guardianMemoryLimit is where the guardian's garbage collector runs: it
// is otherwise off, since the Go runtime would wake an idle guardian every
// two minutes to collect. The guardian keeps a few dozen bytes per live
// process, and the little garbage of the lines it reads.
const guardianMemoryLimit = 16 << 20

// The guardian's descriptors: the pipe from supd, and one on which it
// tells supd, once, that it is ready.
const (
	guardianFD      = 3
	guardianReadyFD = 4
)

// guardianUsage is the guardian's exit status for malformed arguments.
const guardianUsage = 2

// guardianArgs are the guardian's command line after GuardianArg.
type guardianArgs struct {
	supd int    // supd's pid, for the log
	base string // supd's base cgroup, "" without cgroups
	json bool   // log JSON lines
}

func parseGuardianArgs(args []string) (guardianArgs, error) {
	var a guardianArgs
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--supd", "--base":
			if i+1 == len(args) {
				return a, fmt.Errorf("%s needs a value", args[i])
			}
			i++
			if args[i-1] == "--base" {
				a.base = args[i]
				continue
			}
			pid, err := strconv.Atoi(args[i])
			if err != nil || pid <= 0 {
				return a, fmt.Errorf("--supd %q: want a pid", args[i])
			}
			a.supd = pid
		case "--log-json":
			a.json = true
		default:
			return a, fmt.Errorf("unknown argument %q", args[i])
		}
	}
	if a.supd == 0 {
		return a, errors.New("missing --supd")
	}
	return a, nil
}

// GuardianMain runs the guardian (see StartGuardian): args are the
// arguments after GuardianArg. It blocks reading supd's pipe (fd 3), which
// costs nothing while supd lives, and keeps the processes supd tells it of.
// After supd's goodbye it returns 0 at once. When the pipe closes without
// one, supd died: it kills everything in supd's base cgroup (every
// worker's cgroup is below it) and in any other cgroup it was told of, then
// every process whose session is one of supd's live processes' and what is
// linked below those by parent, scanning /proc until a scan finds nothing
// new; writes one line about it to stderr; and removes the emptied
// cgroups. It has no children of its own to reap: what it kills was supd's
// and is reaped by whoever inherited it (init or a subreaper above supd).
func GuardianMain(args []string) int {
	// First, so that nothing a terminal or a `pkill supd` sends can end it
	// before its job: it ends when supd does, or by SIGKILL. An ignored
	// SIGPIPE turns a write to a closed stderr into an error.
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGTERM,
		syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGPIPE)
	// Before anything opens a file, which could take a free number 3 or 4:
	// both must be the pipes StartGuardian gave (run by hand, they are not).
	piped := isPipe(guardianFD) && isPipe(guardianReadyFD)
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(guardianMemoryLimit)
	// The command name ps and top show; argv[0] already says it.
	_ = os.WriteFile("/proc/self/comm", []byte(guardianName), 0)
	if piped {
		// Tell supd it may rely on the above.
		ready := os.NewFile(guardianReadyFD, "ready")
		ready.Write([]byte("\n"))
		ready.Close()
	}

	a, err := parseGuardianArgs(args)
	log := guardianLog(os.Stderr, a.json)
	if err == nil && !piped {
		err = errors.New("descriptors 3 and 4 are not pipes")
	}
	if err != nil {
		log.Error("guardian: not started by supd", "args", args, "err", err)
		return guardianUsage
	}
	in := os.NewFile(guardianFD, "supd")
	ws, bye, err := follow(in, log)
	if bye {
		return 0
	}
	if err != nil {
		// A pipe's end reads as EOF: this is not supd dying.
		log.Error("guardian: reading from supd", "supd", a.supd, "err", err)
		return guardianUsage
	}
	dirs := cgroupsOf(a.base, ws)
	killed := sweep(dirs, ws)
	log.Warn("guardian: supd died: killed what its workers left", "supd", a.supd,
		"processes", killed, "cgroups", len(dirs), "sessions", len(ws))
	// Nothing more to say: let go of supd's stderr, whose reader may be
	// waiting for its end.
	os.Stderr.Close()
	removeCgroups(a.base, dirs)
	return 0
}

// isPipe reports whether fd is open on a pipe.
func isPipe(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
}

// guardianLog is the guardian's log, in supd's format.
func guardianLog(w io.Writer, json bool) *slog.Logger {
	if json {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// follow reads supd's lines until the goodbye or the end of the pipe, and
// returns the processes it was left with.
func follow(in io.Reader, log *slog.Logger) (ws map[int]watched, bye bool, err error) {
	ws = map[int]watched{}
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return ws, false, err
		}
		m, err := parseGuardMsg(line[:len(line)-1])
		if err != nil {
			log.Error("guardian: a line from supd", "err", err)
			continue
		}
		switch m.verb {
		case "bye":
			return ws, true, nil
		case "watch":
			ws[m.pid] = m.w
		case "forget":
			delete(ws, m.pid)
		}
	}
}
