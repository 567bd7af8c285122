package launch

import (
	"slices"
	"testing"

	"supd/config"
)

func TestEnviron(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/root", "NOTIFY_SOCKET=/run/systemd/notify", "WATCHDOG_USEC=1", "WATCHDOG_PID=1", "LISTEN_FDS=2", "LISTEN_PID=1"}
	tests := []struct {
		name  string
		w     config.Worker
		extra []string
		want  []string
	}{
		{"scrubs supd's own", config.Worker{}, nil, []string{"PATH=/bin", "HOME=/root"}},
		{"adds and overrides", config.Worker{Process: config.Process{Env: map[string]string{"HOME": "/srv", "A": "1"}}}, nil,
			[]string{"PATH=/bin", "A=1", "HOME=/srv"}},
		{"clear_env", config.Worker{Process: config.Process{ClearEnv: true, Env: map[string]string{"A": "1"}}}, nil, []string{"A=1"}},
		{"supd's for this worker win", config.Worker{Process: config.Process{Env: map[string]string{"NOTIFY_SOCKET": "x"}}},
			[]string{"NOTIFY_SOCKET=@supd"}, []string{"PATH=/bin", "HOME=/root", "NOTIFY_SOCKET=@supd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := environ(base, &tt.w, tt.extra...); !slices.Equal(got, tt.want) {
				t.Fatalf("environ = %v, want %v", got, tt.want)
			}
		})
	}
}
