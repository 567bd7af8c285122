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
			if got := environ(base, nil, &tt.w, tt.extra...); !slices.Equal(got, tt.want) {
				t.Fatalf("environ = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUserEnv(t *testing.T) {
	passwd := []byte("root:x:0:0:root:/root:/bin/bash\n#x:x:1000:1000::/c:/c\nalice:x:1000:1000:Alice:/home/alice:/bin/zsh\nbare:x:1001:1001:::\n")
	lookup := func(uid uint32) (passwdEntry, bool) { return parsePasswd(passwd, uid) }
	base := []string{"PATH=/bin", "HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/bash"}
	tests := []struct {
		name string
		w    config.Worker
		want []string
	}{
		{"supd's own user", config.Worker{}, base},
		{"group alone keeps supd's uid", config.Worker{Process: config.Process{User: &config.Credential{Group: "staff", UID: 0, GID: 50}}}, base},
		{"another user", config.Worker{Process: config.Process{User: &config.Credential{User: "alice", UID: 1000, GID: 1000}}},
			[]string{"PATH=/bin", "HOME=/home/alice", "USER=alice", "LOGNAME=alice", "SHELL=/bin/zsh"}},
		{"empty home and shell", config.Worker{Process: config.Process{User: &config.Credential{User: "1001", UID: 1001, GID: 1001}}},
			[]string{"PATH=/bin", "HOME=/", "USER=bare", "LOGNAME=bare", "SHELL=/bin/sh"}},
		{"no passwd entry", config.Worker{Process: config.Process{User: &config.Credential{User: "4242", Group: "4242", UID: 4242, GID: 4242}}},
			[]string{"PATH=/bin", "HOME=/", "USER=4242", "LOGNAME=4242", "SHELL=/bin/sh"}},
		{"env sets them", config.Worker{Process: config.Process{User: &config.Credential{User: "alice", UID: 1000, GID: 1000},
			Env: map[string]string{"HOME": "/srv/app", "SHELL": "/bin/false"}}},
			[]string{"PATH=/bin", "USER=alice", "LOGNAME=alice", "HOME=/srv/app", "SHELL=/bin/false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := environ(base, userEnv(tt.w.User, lookup), &tt.w); !slices.Equal(got, tt.want) {
				t.Fatalf("environ = %v, want %v", got, tt.want)
			}
		})
	}
}
