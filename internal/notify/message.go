package notify

import (
	"bytes"
	"strconv"
)

// Handler receives one worker's sd_notify messages. Nil fields are ignored.
//
// Every callback runs on the Receiver's goroutine holding its registration's
// lock, so that once unregister has returned it is never called again. A
// callback must therefore return quickly, must not block (post to a channel
// with a select, or set a value), and must not call its own registration's
// unregister func. It may call Register.
type Handler struct {
	Ready        func()            // READY=1
	Status       func(text string) // STATUS=...
	Stopping     func()            // STOPPING=1
	MainPID      func(pid int)     // MAINPID=n, n > 0
	WatchdogPing func()            // WATCHDOG=1
}

// message is what one datagram says. A datagram may carry several
// assignments, one a line, as sd_notify(3) allows.
type message struct {
	ready    bool
	stopping bool
	watchdog bool
	status   *string
	mainPID  int

	// Where mainPID lives, read from /proc when the datagram arrived: a
	// MAINPID= counts only for a process of the sender's own worker.
	mainPgid   int
	mainCgroup string
}

// empty reports whether the datagram said nothing supd acts on, so that the
// sender's /proc entries need not even be read.
func (m message) empty() bool {
	return !m.ready && !m.stopping && !m.watchdog && m.status == nil && m.mainPID == 0
}

// parseMessage reads the assignments of one datagram. Unknown variables
// (RELOADING=1, MONOTONIC_USEC=, WATCHDOG_USEC=, FDSTORE=1, ERRNO=, ...) and
// malformed lines are ignored, as systemd ignores them. When a variable is
// repeated the last assignment wins.
func parseMessage(b []byte) message {
	var m message
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		key, val, ok := bytes.Cut(line, []byte{'='})
		if !ok {
			continue
		}
		switch string(key) {
		case "READY":
			m.ready = string(val) == "1"
		case "STOPPING":
			m.stopping = string(val) == "1"
		case "WATCHDOG":
			// "WATCHDOG=trigger" asks systemd to act as if the watchdog
			// expired; supd's contract only knows pings, so it is ignored.
			m.watchdog = string(val) == "1"
		case "STATUS":
			s := string(val)
			m.status = &s
		case "MAINPID":
			if pid, err := strconv.Atoi(string(val)); err == nil && pid > 0 {
				m.mainPID = pid
			}
		}
	}
	return m
}

// deliver calls h's callbacks for m in the order a manager wants to see
// them: the new main pid and the status first, so that the readiness that
// may follow in the same datagram is reported with them.
func (m message) deliver(h Handler) {
	if m.mainPID != 0 && h.MainPID != nil {
		h.MainPID(m.mainPID)
	}
	if m.status != nil && h.Status != nil {
		h.Status(*m.status)
	}
	if m.watchdog && h.WatchdogPing != nil {
		h.WatchdogPing()
	}
	if m.ready && h.Ready != nil {
		h.Ready()
	}
	if m.stopping && h.Stopping != nil {
		h.Stopping()
	}
}
