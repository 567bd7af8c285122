package api

import "testing"

func TestSocketFor(t *testing.T) {
	tests := []struct {
		name string
		uid  int
		env  map[string]string
		want string
	}{
		{"env wins for root", 0, map[string]string{"SUPD_SOCKET": "/x.sock", "XDG_RUNTIME_DIR": "/run/user/0"}, "/x.sock"},
		{"env wins for users", 1000, map[string]string{"SUPD_SOCKET": "/x.sock"}, "/x.sock"},
		{"root", 0, map[string]string{"XDG_RUNTIME_DIR": "/run/user/0"}, "/run/supd/supd.sock"},
		{"user with runtime dir", 1000, map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}, "/run/user/1000/supd.sock"},
		{"user without runtime dir", 1000, nil, "/tmp/supd-1000/supd.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SocketFor(tt.uid, func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
