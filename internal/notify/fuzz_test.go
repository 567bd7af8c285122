package notify

import (
	"bytes"
	"slices"
	"strconv"
	"testing"
)

// FuzzParseMessage feeds the datagram parser what any process that can
// reach the socket may send. It must never panic; what it reads must be
// what the datagram's last assignment of each variable says (found here
// from the list of each variable's assignments, not by the parser's
// overwrite as it goes);
// the STATUS= text must not alias the datagram, whose buffer the receiver
// reuses for the next one; and deliver must call exactly the callbacks of
// what was read, in its documented order.
func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		"READY=1", "READY=0", "STATUS=", "STATUS=a=b c", "STATUS=one\nSTATUS=two",
		"STOPPING=1", "WATCHDOG=1\n", "WATCHDOG=trigger", "MAINPID=123", "MAINPID=0",
		"MAINPID=-5", "MAINPID=x", "MAINPID=+7", "MAINPID=99999999999999999999",
		"RELOADING=1\nMONOTONIC_USEC=5\nWATCHDOG_USEC=9\nFDSTORE=1", "", "garbage\n\n=\nREADY",
		"READY=1\nSTATUS=up\nMAINPID=7\nWATCHDOG=1\nSTOPPING=1",
		"READY=1\nREADY=0", "STATUS=\x00\xff\n", "\n\n\n", "=1\nREADY==1\nREADY=1\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fuzzer's own bytes must stay as they are: parse a copy, the
		// receiver's buffer, which is overwritten below.
		in, b := data, bytes.Clone(data)
		m := parseMessage(b)
		if !bytes.Equal(b, in) {
			t.Fatalf("parseMessage changed its input")
		}

		want := message{
			ready:    lastValue(in, "READY") == "1",
			stopping: lastValue(in, "STOPPING") == "1",
			watchdog: lastValue(in, "WATCHDOG") == "1",
		}
		if s, ok := lastAssignment(in, "STATUS"); ok {
			want.status = &s
		}
		// MAINPID= is the last one that names a pid: a bad value leaves
		// an earlier good one in place.
		for _, v := range slices.Backward(assignments(in, "MAINPID")) {
			if pid, err := strconv.Atoi(v); err == nil && pid > 0 {
				want.mainPID = pid
				break
			}
		}
		if m.ready != want.ready || m.stopping != want.stopping || m.watchdog != want.watchdog || m.mainPID != want.mainPID ||
			(m.status == nil) != (want.status == nil) || m.status != nil && *m.status != *want.status {
			t.Fatalf("parseMessage(%q) = %s, want %s", in, show(m), show(want))
		}
		if m.empty() != (!want.ready && !want.stopping && !want.watchdog && want.status == nil && want.mainPID == 0) {
			t.Fatalf("parseMessage(%q).empty() = %v for %s", in, m.empty(), show(m))
		}

		// The receiver reads the next datagram into the same buffer.
		for i := range b {
			b[i] = 'X'
		}
		if m.status != nil && *m.status != *want.status {
			t.Fatalf("STATUS= text %q changed with the datagram's buffer", *m.status)
		}

		var calls []string
		m.deliver(Handler{
			Ready:        func() { calls = append(calls, "ready") },
			Status:       func(s string) { calls = append(calls, "status="+s) },
			Stopping:     func() { calls = append(calls, "stopping") },
			MainPID:      func(pid int) { calls = append(calls, "mainpid="+strconv.Itoa(pid)) },
			WatchdogPing: func() { calls = append(calls, "watchdog") },
		})
		var wantCalls []string
		if want.mainPID > 0 {
			wantCalls = append(wantCalls, "mainpid="+strconv.Itoa(want.mainPID))
		}
		if want.status != nil {
			wantCalls = append(wantCalls, "status="+*want.status)
		}
		for _, c := range []struct {
			set  bool
			name string
		}{{want.watchdog, "watchdog"}, {want.ready, "ready"}, {want.stopping, "stopping"}} {
			if c.set {
				wantCalls = append(wantCalls, c.name)
			}
		}
		if !slices.Equal(calls, wantCalls) {
			t.Fatalf("deliver of %q called %q, want %q", in, calls, wantCalls)
		}
		m.deliver(Handler{}) // nil callbacks are skipped
	})
}

// assignments returns the values given to key, one per line "key=value",
// in the order of the lines.
func assignments(b []byte, key string) []string {
	var out []string
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if v, ok := bytes.CutPrefix(line, []byte(key+"=")); ok {
			out = append(out, string(v))
		}
	}
	return out
}

// lastAssignment is the value of the last line that assigns key.
func lastAssignment(b []byte, key string) (string, bool) {
	all := assignments(b, key)
	if len(all) == 0 {
		return "", false
	}
	return all[len(all)-1], true
}

func lastValue(b []byte, key string) string {
	v, _ := lastAssignment(b, key)
	return v
}

func show(m message) string {
	s := "<nil>"
	if m.status != nil {
		s = strconv.Quote(*m.status)
	}
	return "{ready " + strconv.FormatBool(m.ready) + " stopping " + strconv.FormatBool(m.stopping) +
		" watchdog " + strconv.FormatBool(m.watchdog) + " status " + s + " mainpid " + strconv.Itoa(m.mainPID) + "}"
}
