package logcap

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"supd/config"
)

func TestLogTail(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<20), nil, nil)
	l.record(Stdout, texts("a", "b"), "")
	l.record(Stderr, texts("c"), "")
	tests := []struct {
		n    int
		want []string
	}{
		{0, nil},
		{1, []string{"c"}},
		{2, []string{"b", "c"}},
		{3, []string{"a", "b", "c"}},
		{10, []string{"a", "b", "c"}},
		{-1, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		if got := textsOf(l.Tail(tt.n)); !slices.Equal(got, tt.want) {
			t.Errorf("Tail(%d) = %q, want %q", tt.n, got, tt.want)
		}
		if got := l.LastSince(tt.n, 0); !slices.Equal(got, tt.want) {
			t.Errorf("LastSince(%d, 0) = %q, want %q", tt.n, got, tt.want)
		}
	}
	tail := l.Tail(-1)
	for i, ln := range tail {
		wantStream := Stdout
		if i == 2 {
			wantStream = Stderr
		}
		if ln.Seq != uint64(i+1) || ln.Path != "w" || ln.Stream != wantStream || ln.Time.IsZero() {
			t.Errorf("line %d = %+v", i, ln)
		}
	}
}

func TestLogUpdate(t *testing.T) {
	dir := t.TempDir()
	l := newLog(t, "w", ringOnly(10*(1+entryCost)), nil, nil)
	for range 10 {
		l.record(Stdout, texts("x"), "")
	}

	// Shrinking the ring drops the oldest lines.
	if err := l.Update(ringOnly(3 * (1 + entryCost))); err != nil {
		t.Fatal(err)
	}
	if got := l.Tail(-1); len(got) != 3 || got[0].Seq != 8 {
		t.Fatalf("after shrink: %v", got)
	}

	// A file that cannot be opened changes nothing.
	blocker := filepath.Join(dir, "blocker")
	os.WriteFile(blocker, nil, 0o644)
	bad := config.WorkerLogs{File: filepath.Join(blocker, "w.log"), Ring: 1 << 20}
	if err := l.Update(bad); err == nil {
		t.Fatal("Update with an unwritable file succeeded")
	}
	l.record(Stdout, texts("y"), "")
	if got := l.Tail(-1); len(got) != 3 {
		t.Fatalf("ring changed by a failed update: %d lines", len(got))
	}

	// A new file gets the lines recorded afterwards.
	good := config.WorkerLogs{File: filepath.Join(dir, "w.log"), Ring: 1 << 20, MaxSize: 1 << 20}
	if err := l.Update(good); err != nil {
		t.Fatal(err)
	}
	l.record(Stdout, texts("z"), "")
	other := config.WorkerLogs{File: filepath.Join(dir, "other.log"), Ring: 1 << 20, MaxSize: 1 << 20}
	if err := l.Update(other); err != nil {
		t.Fatal(err)
	}
	l.record(Stdout, texts("q"), "")
	l.Close()
	for name, want := range map[string]string{"w.log": "z\n", "other.log": "q\n"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
	if err := l.Update(good); err == nil {
		t.Error("Update after Close succeeded")
	}
}

// TestLogFollow checks that a follower gets the tail and then every later
// line, with no gap and no repeat.
func TestLogFollow(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<20), nil, nil)
	l.record(Stdout, texts("1", "2", "3"), "")
	ctx, cancel := context.WithCancel(context.Background())
	tail, f := l.Follow(ctx, 2, 0)
	if got := strings.Join(textsOf(tail), ","); got != "2,3" {
		t.Fatalf("tail %q", got)
	}
	l.record(Stderr, texts("4", "5"), "")
	for _, want := range []string{"4", "5"} {
		if ln := recvLine(t, f); ln.Text != want || ln.Stream != Stderr || ln.Path != "w" {
			t.Fatalf("got %+v, want %q", ln, want)
		}
	}
	cancel()
	waitClosed(t, f)
	// Let go of at the next line.
	l.record(Stdout, texts("6"), "")
	l.mu.Lock()
	n := len(l.followers)
	l.mu.Unlock()
	if n != 0 {
		t.Errorf("%d followers still attached after close and a line", n)
	}
	// A quiet log lets go of closed followers when it takes on another.
	for range 3 {
		_, f := l.Follow(context.Background(), 0, 0)
		f.Close()
	}
	l.mu.Lock()
	n = len(l.followers)
	l.mu.Unlock()
	if n != 1 {
		t.Errorf("%d followers after three follow-and-close, want only the last", n)
	}
}

func TestLastSinceKeepsOneRun(t *testing.T) {
	l, err := NewLog("w", config.WorkerLogs{Ring: 1 << 20}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.record(Stdout, []Line{{Text: "old 1"}, {Text: "old 2"}}, "")
	mark := l.Seq()
	l.record(Stdout, []Line{{Text: "new 1"}}, "")
	if got := l.LastSince(10, mark); len(got) != 1 || got[0] != "new 1" {
		t.Fatalf("LastSince = %q, want only the new run's line", got)
	}
	if got := l.LastSince(10, 0); len(got) != 3 {
		t.Fatalf("Last = %q, want all 3", got)
	}
}
