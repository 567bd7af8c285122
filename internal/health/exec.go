package health

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"supd/osproc"
)

// tailMax is how much of an exec probe's last output its detail keeps.
const tailMax = 512

// Exec probes by running a command: exit code 0 succeeds. Its stdout and
// stderr go to one pipe, whose last bytes are kept for the detail. At the
// timeout the command's whole process group (and cgroup) is killed.
//
// It starts the command through osproc, so its exit is reaped by osproc's
// one reaper like any worker's.
type Exec struct {
	Argv []string     // Argv[0] is looked up in the PATH of Env
	Dir  string       // "" is supd's
	Env  []string     // the whole environment
	Cred *osproc.Cred // nil: supd's user
}

// Probe runs the command once.
func (e *Exec) Probe(ctx context.Context) Result {
	if len(e.Argv) == 0 {
		return Result{Detail: "exec probe: empty argv"}
	}
	what := e.Argv[0]
	if err := ctx.Err(); err != nil {
		return failure(ctx, what, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return Result{Detail: fmt.Sprintf("%s: %v", what, err)}
	}
	defer r.Close()
	exited := make(chan osproc.Exit, 1)
	p, err := osproc.Start(osproc.Spec{
		Argv: e.Argv, Dir: e.Dir, Env: e.Env, Cred: e.Cred,
		Stdout: w, Stderr: w,
		OnExit: func(x osproc.Exit) {
			// Its group is dead; a descendant that escaped it may still
			// hold the pipe: stop waiting for EOF, then report.
			r.SetReadDeadline(time.Now())
			exited <- x
		},
	})
	w.Close()
	if err != nil {
		return Result{Detail: err.Error()}
	}
	stop := context.AfterFunc(ctx, p.Kill)

	var out tail
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		out.write(buf[:n])
		if err != nil {
			break // EOF, or the deadline set at exit
		}
	}
	x := <-exited
	killed := !stop()
	drain(r, &out, buf)

	var res Result
	switch {
	case killed && errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.Detail = what + ": timed out"
	case killed:
		res.Detail = what + ": canceled"
	case x.Signal != 0:
		res.Detail = what + ": " + x.String() // "signal SEGV (core dumped)"
	case x.Code != 0:
		res.Detail = fmt.Sprintf("%s: exit code %d", what, x.Code)
	default:
		res = Result{OK: true, Detail: what + ": exit code 0"}
	}
	if s := out.String(); s != "" {
		res.Detail += ": " + s
	}
	return res
}

// drain reads what is left in the pipe without waiting for more (the
// descriptor is non-blocking; Control, unlike Read, ignores the expired
// deadline).
func drain(r *os.File, out *tail, buf []byte) {
	rc, err := r.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		for {
			n, err := unix.Read(int(fd), buf)
			if n <= 0 || err != nil {
				return
			}
			out.write(buf[:n])
		}
	})
}

// tail keeps the last tailMax bytes written to it.
type tail struct {
	b         []byte
	truncated bool
}

func (t *tail) write(p []byte) {
	t.b = append(t.b, p...)
	if over := len(t.b) - tailMax; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
		t.truncated = true
	}
}

// String is the kept output, trimmed, with "..." when its start was lost.
func (t *tail) String() string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(t.b), ""))
	if t.truncated && s != "" {
		s = "..." + s
	}
	return s
}
