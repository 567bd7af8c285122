package osproc

import (
	"syscall"
	"testing"
)

func TestFromWaitStatus(t *testing.T) {
	tests := []struct {
		name string
		ws   syscall.WaitStatus // as the kernel encodes it
		want Exit
		str  string
	}{
		{"exit 0", 0, Exit{}, "code 0"},
		{"exit 3", 3 << 8, Exit{Code: 3}, "code 3"},
		{"exit 143 is a code", 143 << 8, Exit{Code: 143}, "code 143"},
		{"killed", 9, Exit{Signal: syscall.SIGKILL}, "signal KILL"},
		{"term", 15, Exit{Signal: syscall.SIGTERM}, "signal TERM"},
		{"abort with core", 6 | 0x80, Exit{Signal: syscall.SIGABRT, Core: true}, "signal ABRT (core dumped)"},
	}
	for _, tt := range tests {
		got := FromWaitStatus(tt.ws)
		if got != tt.want {
			t.Errorf("%s: FromWaitStatus(%#x) = %+v, want %+v", tt.name, uint32(tt.ws), got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("%s: String() = %q, want %q", tt.name, s, tt.str)
		}
	}
	oom := Exit{Signal: syscall.SIGKILL, OOM: true}
	if s := oom.String(); s != "signal KILL (oom)" {
		t.Errorf("OOM String() = %q", s)
	}
}
