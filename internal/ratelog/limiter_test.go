package ratelog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(3, time.Second)
	l.now = func() time.Time { return now }
	type want struct {
		ok         bool
		suppressed int
	}
	steps := []struct {
		after time.Duration
		want  want
	}{
		{0, want{true, 0}}, {0, want{true, 0}}, {0, want{true, 0}}, // the burst
		{0, want{false, 0}}, {500 * time.Millisecond, want{false, 0}}, // held back
		{500 * time.Millisecond, want{true, 2}}, // one a second, saying how many
		{0, want{false, 0}},
		{10 * time.Second, want{true, 1}}, // refilled, but no more than the burst
		{0, want{true, 0}}, {0, want{true, 0}}, {0, want{false, 0}},
	}
	for i, s := range steps {
		now = now.Add(s.after)
		ok, n := l.Allow()
		if got := (want{ok, n}); got != s.want {
			t.Errorf("step %d: got %+v, want %+v", i, got, s.want)
		}
	}
}

func TestLimiterLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	l := New(1, time.Hour)
	for range 5 {
		l.Log(log, slog.LevelWarn, "refused", "uid", 1000)
	}
	if got := strings.Count(buf.String(), "refused"); got != 1 {
		t.Errorf("%d lines for a burst of 1:\n%s", got, buf.String())
	}
	// Below the logger's level nothing is counted either.
	l.Log(log, slog.LevelDebug, "quiet")
	l.mu.Lock()
	n := l.suppressed
	l.mu.Unlock()
	if n != 4 {
		t.Errorf("suppressed %d, want 4", n)
	}
}
