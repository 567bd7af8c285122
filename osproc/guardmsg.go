package osproc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// What supd tells its guardian, one line each, through the pipe:
//
//	watch PID START CGROUP   a process started: its pid, its start time
//	                         (field 22 of /proc/PID/stat) and its cgroup's
//	                         directory, quoted as Go quotes strings ("" for
//	                         none); it leads a session of its own
//	forget PID               it ended, and what it left was killed
//	bye                      supd exits in order: leave, killing nothing

// watched is what the guardian knows of one process of supd's.
type watched struct {
	start  uint64 // with the pid, names the session's leader for good
	cgroup string // its cgroup's directory, "" for none
}

func appendWatch(b []byte, pid int, w watched) []byte {
	b = fmt.Appendf(b, "watch %d %d ", pid, w.start)
	b = strconv.AppendQuote(b, w.cgroup)
	return append(b, '\n')
}

func appendForget(b []byte, pid int) []byte {
	return fmt.Appendf(b, "forget %d\n", pid)
}

// guardMsg is one parsed line.
type guardMsg struct {
	verb string // "watch", "forget" or "bye"
	pid  int
	w    watched
}

// parseGuardMsg parses one line, without its newline.
func parseGuardMsg(line string) (guardMsg, error) {
	verb, rest, _ := strings.Cut(line, " ")
	m := guardMsg{verb: verb}
	var err error
	switch verb {
	case "bye":
		if rest != "" {
			return guardMsg{}, fmt.Errorf("guardian message %q: bye takes nothing", line)
		}
		return m, nil
	case "forget":
		m.pid, err = strconv.Atoi(rest)
	case "watch":
		f := strings.SplitN(rest, " ", 3)
		if len(f) != 3 {
			return guardMsg{}, fmt.Errorf("guardian message %q: want PID START CGROUP", line)
		}
		m.pid, err = strconv.Atoi(f[0])
		if err == nil {
			m.w.start, err = strconv.ParseUint(f[1], 10, 64)
		}
		if err == nil {
			m.w.cgroup, err = strconv.Unquote(f[2])
		}
	default:
		return guardMsg{}, fmt.Errorf("guardian message %q: unknown", line)
	}
	if err == nil && m.pid <= 0 {
		err = errors.New("pid out of range")
	}
	if err != nil {
		return guardMsg{}, fmt.Errorf("guardian message %q: %w", line, err)
	}
	return m, nil
}
