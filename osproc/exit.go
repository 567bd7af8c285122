package osproc

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Exit is how a process ended. Code and Signal are kept apart: an exit by a
// signal is never flattened to 128+n.
type Exit struct {
	Code   int            // exit code; meaningful when Signal is 0
	Signal syscall.Signal // the signal that ended it, 0 for a plain exit
	Core   bool           // a core was dumped
	OOM    bool           // the kernel's OOM killer ended it (cgroup memory.events)
}

// FromWaitStatus classifies a wait status.
func FromWaitStatus(ws syscall.WaitStatus) Exit {
	switch {
	case ws.Signaled():
		return Exit{Signal: ws.Signal(), Core: ws.CoreDump()}
	default:
		return Exit{Code: ws.ExitStatus()}
	}
}

// String renders the exit as "code 3" or "signal KILL (core dumped)".
func (e Exit) String() string {
	if e.Signal != 0 {
		s := "signal " + SignalName(e.Signal)
		if e.Core {
			s += " (core dumped)"
		}
		if e.OOM {
			s += " (oom)"
		}
		return s
	}
	return fmt.Sprintf("code %d", e.Code)
}

// SignalName is the signal's name without "SIG" ("TERM"), or its number.
func SignalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n[3:]
	}
	return fmt.Sprintf("%d", int(s))
}
