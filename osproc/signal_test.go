package osproc

import (
	"syscall"
	"testing"
)

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in   string
		want syscall.Signal
		err  string
	}{
		{"TERM", syscall.SIGTERM, ""},
		{"SIGTERM", syscall.SIGTERM, ""},
		{"term", syscall.SIGTERM, ""},
		{"sigkill", syscall.SIGKILL, ""},
		{"15", syscall.SIGTERM, ""},
		{"USR1", syscall.SIGUSR1, ""},
		{"64", syscall.Signal(64), ""},
		{"0", 0, `parse signal "0": out of range 1-64`},
		{"65", 0, `parse signal "65": out of range 1-64`},
		{"-9", 0, `parse signal "-9": out of range 1-64`},
		{"TERMINATE", 0, `parse signal "TERMINATE": unknown signal`},
		{"", 0, `parse signal "": unknown signal`},
		{"SIG", 0, `parse signal "SIG": unknown signal`},
	}
	for _, tt := range tests {
		got, err := ParseSignal(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseSignal(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestSignalName(t *testing.T) {
	tests := []struct {
		sig  syscall.Signal
		want string
	}{
		{syscall.SIGTERM, "TERM"},
		{syscall.SIGKILL, "KILL"},
		{syscall.Signal(40), "40"},
	}
	for _, tt := range tests {
		if got := SignalName(tt.sig); got != tt.want {
			t.Errorf("SignalName(%d) = %q, want %q", tt.sig, got, tt.want)
		}
		if tt.want[0] > '9' {
			if back, err := ParseSignal(tt.want); err != nil || back != tt.sig {
				t.Errorf("ParseSignal(SignalName(%d)) = %v, %v", tt.sig, back, err)
			}
		}
	}
}
