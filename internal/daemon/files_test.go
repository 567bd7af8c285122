package daemon

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// supd check judges the files supd would trust, making none: a log folder
// or file it would refuse is an error, a config that another user could
// change a warning (the file watch would not reload it).
func TestCheckFiles(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		code    int
		out     string // in stdout
		errw    string // in stderr
	}{
		{"all safe", func(*testing.T, string) {}, ExitOK, ": valid", ""},
		{"a log folder others may write", func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "logs"), 0o755)
			os.Chmod(filepath.Join(dir, "logs"), 0o777)
		}, ExitFailed, "", `"w": log folder ` + "DIR/logs: writable by every user and not sticky"},
		{"a symlink at a log file", func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "logs"), 0o755)
			os.Symlink("/etc/passwd", filepath.Join(dir, "logs", "w.log"))
		}, ExitFailed, "", `"w": log file DIR/logs/w.log: not a regular file (a symlink)`},
		{"a socket folder others may write", func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "run"), 0o755)
			os.Chmod(filepath.Join(dir, "run"), 0o777)
		}, ExitFailed, "", "socket folder DIR/run: writable by every user and not sticky"},
		{"a config folder others may write", func(t *testing.T, dir string) {
			os.Chmod(dir, 0o777)
		}, ExitOK, "supd.yaml: warning: another user could change the config, so the file watch will not reload it: DIR: writable by every user and not sticky", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "supd.yaml")
			yaml := "version: 1\ncontrol: {socket: run/supd.sock}\nlogs: {dir: logs}\nroot:\n  children:\n    - {name: w, command: [x]}\n"
			if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			tt.prepare(t, dir)
			var out, errw bytes.Buffer
			code := Check(file, false, &out, &errw)
			wantOut := strings.ReplaceAll(tt.out, "DIR", dir)
			wantErr := strings.ReplaceAll(tt.errw, "DIR", dir)
			if code != tt.code || !strings.Contains(out.String(), wantOut) || !strings.Contains(errw.String(), wantErr) {
				t.Errorf("exit %d (want %d)\nstdout %s(want %q)\nstderr %s(want %q)", code, tt.code, out.String(), wantOut, errw.String(), wantErr)
			}
			if _, err := os.Stat(filepath.Join(dir, "logs", "w.log")); err == nil && tt.name == "all safe" {
				t.Error("supd check made a log file")
			}
		})
	}
}
