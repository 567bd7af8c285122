package tree

import (
	"syscall"
	"testing"

	"supd/config"
	"supd/osproc"
)

func TestNormal(t *testing.T) {
	def := config.SuccessCodes{Codes: []int{0}}
	custom := config.SuccessCodes{Codes: []int{0, 2}, Signals: []syscall.Signal{syscall.SIGTERM}}
	tests := []struct {
		name  string
		codes config.SuccessCodes
		exit  osproc.Exit
		want  bool
	}{
		{"zero is normal", def, osproc.Exit{}, true},
		{"one is abnormal", def, osproc.Exit{Code: 1}, false},
		{"listed code", custom, osproc.Exit{Code: 2}, true},
		{"listed signal", custom, osproc.Exit{Signal: syscall.SIGTERM}, true},
		{"signal is not code 0", def, osproc.Exit{Signal: syscall.SIGKILL}, false},
		{"signal 15 is not code 15", config.SuccessCodes{Codes: []int{15}}, osproc.Exit{Signal: syscall.SIGTERM}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normal(tt.codes, tt.exit); got != tt.want {
				t.Fatalf("normal = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRestartedAfter(t *testing.T) {
	tests := []struct {
		r        config.Restart
		abnormal bool
		want     bool
	}{
		{config.Permanent, false, true},
		{config.Permanent, true, true},
		{config.Transient, false, false},
		{config.Transient, true, true},
		{config.Temporary, false, false},
		{config.Temporary, true, false},
	}
	for _, tt := range tests {
		if got := restartedAfter(tt.r, tt.abnormal); got != tt.want {
			t.Errorf("restartedAfter(%s, abnormal=%v) = %v, want %v", tt.r, tt.abnormal, got, tt.want)
		}
	}
}

func TestReasonOf(t *testing.T) {
	if r := reasonOf(osproc.Exit{Code: 3}); r != ReasonExit {
		t.Errorf("code: %s", r)
	}
	if r := reasonOf(osproc.Exit{Signal: syscall.SIGSEGV}); r != ReasonSignal {
		t.Errorf("signal: %s", r)
	}
	if r := reasonOf(osproc.Exit{Signal: syscall.SIGKILL, OOM: true}); r != ReasonOOM {
		t.Errorf("oom: %s", r)
	}
}
