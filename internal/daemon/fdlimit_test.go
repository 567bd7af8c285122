package daemon

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"supd/config"
)

func TestFDLimit(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "supd.yaml")
	yaml := `version: 1
root:
  children:
    - name: web
      command: [sleep, "1"]
      replicas: 3
    - name: db
      command: [sleep, "1"]
      logs: {file: ` + filepath.Join(dir, "db.log") + `}
      ready: {fd: 3}
`
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	// 3 instances of web with their pipes, db with its pipes, log file and
	// readiness pipe.
	workers, need := fdsNeeded(cfg)
	if want := fdHeadroom + 3*2 + 2 + 1 + 1; workers != 4 || need != want {
		t.Fatalf("fdsNeeded = %d workers, %d fds; want 4, %d", workers, need, want)
	}
	tests := []struct {
		name  string
		limit uint64
		want  []string
	}{
		{"fits", uint64(need), []string{"level=INFO", "msg=\"open files\"", "limit=" + strconv.Itoa(need), "needed=" + strconv.Itoa(need)}},
		{"does not fit", uint64(need - 1), []string{"level=WARN", "needed=" + strconv.Itoa(need), "limit=" + strconv.Itoa(need-1), "LimitNOFILE="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			reportFDLimit(slog.New(slog.NewTextHandler(&out, nil)), cfg, unix.Rlimit{Cur: tt.limit, Max: tt.limit})
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("log %q lacks %q", out.String(), w)
				}
			}
		})
	}
}
