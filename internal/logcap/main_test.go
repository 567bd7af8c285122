package logcap

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"supd/config"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// recorder is a slog.Handler that keeps records, to check what was logged.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// count returns how many records at level were logged.
func (r *recorder) count(level slog.Level) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.recs {
		if rec.Level == level {
			n++
		}
	}
	return n
}

func ringOnly(ring int64) config.WorkerLogs { return config.WorkerLogs{Ring: ring} }

func newLog(t testing.TB, path string, cfg config.WorkerLogs, fwd *Forwarder, logger *slog.Logger) *Log {
	t.Helper()
	l, err := NewLog(path, cfg, fwd, logger)
	if err != nil {
		t.Fatalf("NewLog: %v", err)
	}
	t.Cleanup(l.Close)
	return l
}

// texts makes lines of one stream from their texts.
func texts(ss ...string) []Line {
	out := make([]Line, len(ss))
	for i, s := range ss {
		out[i] = Line{Text: s}
	}
	return out
}

func textsOf(lines []Line) []string {
	out := make([]string, len(lines))
	for i, ln := range lines {
		out[i] = ln.Text
	}
	return out
}

// waitTimeout is the deadline of every wait in these tests.
const waitTimeout = 10 * time.Second

func recvLine(t *testing.T, f *Follower) Line {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ln, ok := f.Next(ctx)
	switch {
	case ok:
		return ln
	case ctx.Err() != nil:
		t.Fatal("no line within deadline")
	default:
		t.Fatal("follower closed")
	}
	return Line{}
}

// waitClosed fails the test unless f says it is closed, with no line
// pending, within the deadline.
func waitClosed(t *testing.T, f *Follower) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	switch ln, ok := f.Next(ctx); {
	case ok:
		t.Fatalf("line %+v on a closed follower", ln)
	case ctx.Err() != nil:
		t.Fatal("follower not closed within deadline")
	}
}

func testDeadline() <-chan time.Time { return time.After(waitTimeout) }
