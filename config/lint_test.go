package config

import (
	"strings"
	"testing"
	"time"
)

func TestRestartsWithin(t *testing.T) {
	tests := []struct {
		name   string
		b      Backoff
		period time.Duration
		limit  int
		want   int
	}{
		{"default backoff trips", Backoff{100 * time.Millisecond, 30 * time.Second, 2, 0.1}, 5 * time.Second, 4, 4},
		{"no delay", Backoff{0, 0, 2, 0}, time.Second, 4, 4},
		// Restarts at 0, 2s, 6s: two fall within 5s.
		{"slow", Backoff{2 * time.Second, time.Minute, 2, 0}, 5 * time.Second, 4, 2},
		// Jitter can shorten each delay: 0, 1s, 3s, 7s.
		{"jitter", Backoff{2 * time.Second, time.Minute, 2, 0.5}, 5 * time.Second, 10, 3},
		// Capped at 1s: 0, 1, 2, 3, 4.
		{"max caps", Backoff{time.Second, time.Second, 10, 0}, 5 * time.Second, 10, 5},
		{"one", Backoff{10 * time.Second, time.Minute, 2, 0}, 5 * time.Second, 4, 1},
		// A tiny constant delay is counted, not stepped through.
		{"tiny", Backoff{time.Nanosecond, time.Nanosecond, 1, 0}, time.Hour, 1 << 40, 1 << 40},
		{"constant", Backoff{2 * time.Second, 2 * time.Second, 1, 0}, 5 * time.Second, 10, 3},
	}
	for _, tt := range tests {
		if got := restartsWithin(tt.b, tt.period, tt.limit); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestLintWithoutPositions lints a config built in code: warnings then
// have a path but no position.
func TestLintWithoutPositions(t *testing.T) {
	w := &Worker{Name: "a"}
	w.Ready = Ready{Kind: ReadyAfter, After: time.Minute}
	w.ReadyTimeout = time.Second
	w.Backoff = Backoff{Initial: time.Millisecond, Max: time.Second, Factor: 2}
	w.StopTimeout = time.Second
	w.Restart = Permanent
	c := &Config{
		ShutdownTimeout: time.Minute,
		Root: &Supervisor{MaxRestarts: 3, Period: time.Second, AutoShutdown: Never,
			Children: []Node{{Worker: w}}},
	}
	ws := Lint(c)
	if len(ws) != 1 {
		t.Fatalf("warnings = %v, want one", ws)
	}
	if got := ws[0].String(); !strings.HasPrefix(got, `root.children[0] "a": ready.after: warning: `) || ws[0].Line != 0 {
		t.Errorf("warning = %q", got)
	}
	if Lint(&Config{}) != nil || Lint(nil) != nil {
		t.Error("Lint of an empty config")
	}
}

func TestLintCleanConfig(t *testing.T) {
	_, ws, err := parseString(t, treeYAML, "")
	if err != nil || len(ws) != 0 {
		t.Errorf("warnings %v, err %v", ws, err)
	}
}
