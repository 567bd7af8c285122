package logcap

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		sel, path string
		want      bool
	}{
		{"", "web/api", true},
		{"web/api", "web/api", true},
		{"web", "web/api", true},
		{"web/", "web/api", true},
		{"web", "web/a/b", true},
		{"web", "webhooks", false},
		{"web", "webhooks/x", false},
		{"web/api", "web", false},
		{"web/api", "web/api2", false},
		{"db", "web/db", false},
	}
	for _, tt := range tests {
		if got := Match(tt.sel, tt.path); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.sel, tt.path, got, tt.want)
		}
	}
}

func newHub(t *testing.T, paths ...string) (*Hub, map[string]*Log) {
	t.Helper()
	h := NewHub()
	logs := map[string]*Log{}
	for _, p := range paths {
		l := newLog(t, p, ringOnly(1<<20), nil, nil)
		if err := h.Add(l); err != nil {
			t.Fatal(err)
		}
		logs[p] = l
	}
	return h, logs
}

// pathText is how hub tests show a line: its path and text.
func pathText(lines []Line) []string {
	out := make([]string, len(lines))
	for i, ln := range lines {
		out[i] = ln.Path + " " + ln.Text
	}
	return out
}

func TestHubTail(t *testing.T) {
	h, logs := newHub(t, "db", "web/api", "web/db", "webhooks")
	// Recorded one after another, so their times are in this order.
	for _, r := range []struct{ path, text string }{
		{"web/api", "1"}, {"db", "2"}, {"web/db", "3"}, {"webhooks", "4"},
		{"web/api", "5"}, {"web/db", "6"}, {"db", "7"}, {"web/api", "8"},
	} {
		logs[r.path].record(Stdout, texts(r.text), "")
	}
	tests := []struct {
		n     int
		paths []string
		want  []string
	}{
		{3, nil, []string{"web/db 6", "db 7", "web/api 8"}},
		{-1, []string{"web"}, []string{"web/api 1", "web/db 3", "web/api 5", "web/db 6", "web/api 8"}},
		{2, []string{"web"}, []string{"web/db 6", "web/api 8"}},
		{2, []string{"web/db"}, []string{"web/db 3", "web/db 6"}},
		{-1, []string{"db", "webhooks"}, []string{"db 2", "webhooks 4", "db 7"}},
		{5, []string{"nothing"}, nil},
		{0, nil, nil},
	}
	for _, tt := range tests {
		if got := pathText(h.Tail(tt.n, tt.paths...)); !slices.Equal(got, tt.want) {
			t.Errorf("Tail(%d, %q) = %q, want %q", tt.n, tt.paths, got, tt.want)
		}
	}
}

func TestHubAddRemove(t *testing.T) {
	h, logs := newHub(t, "a")
	if err := h.Add(newLog(t, "a", ringOnly(1), nil, nil)); err == nil {
		t.Error("second Add of a path succeeded")
	}
	if h.Log("a") != logs["a"] {
		t.Error("Log(a) is not the added log")
	}
	if got := h.Remove("a"); got != logs["a"] || h.Log("a") != nil || h.Remove("a") != nil {
		t.Error("Remove did not take the log out")
	}
}

// TestHubFollow follows a subtree: the tail, then live lines of the workers
// in it, including one added later, and none of the others.
func TestHubFollow(t *testing.T) {
	h, logs := newHub(t, "web/api", "web/db", "webhooks")
	logs["web/api"].record(Stdout, texts("old1"), "")
	logs["web/db"].record(Stdout, texts("old2"), "")
	logs["webhooks"].record(Stdout, texts("old3"), "")

	ctx, cancel := context.WithCancel(context.Background())
	tail, f := h.Follow(ctx, 5, 0, "web")
	if got := pathText(tail); !slices.Equal(got, []string{"web/api old1", "web/db old2"}) {
		t.Fatalf("tail %q", got)
	}
	logs["webhooks"].record(Stdout, texts("not followed"), "")
	logs["web/db"].record(Stderr, texts("live1"), "")
	added := newLog(t, "web/new", ringOnly(1<<20), nil, nil)
	if err := h.Add(added); err != nil {
		t.Fatal(err)
	}
	added.record(Stdout, texts("live2"), "")
	logs["web/api"].record(Stdout, texts("live3"), "")

	var got []string
	for range 3 {
		got = append(got, pathText([]Line{recvLine(t, f)})...)
	}
	if want := []string{"web/db live1", "web/new live2", "web/api live3"}; !slices.Equal(got, want) {
		t.Errorf("followed %q, want %q", got, want)
	}

	cancel()
	waitClosed(t, f)
	// The closed follower is let go by the hub at its next Add, and by
	// each log at its next line.
	if err := h.Add(newLog(t, "web/later", ringOnly(1<<20), nil, nil)); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	n := len(h.followers)
	h.mu.Unlock()
	if n != 0 {
		t.Errorf("hub still holds %d followers", n)
	}
	for p, l := range logs {
		l.record(Stdout, texts("after close"), "")
		l.mu.Lock()
		n := len(l.followers)
		l.mu.Unlock()
		if n != 0 {
			t.Errorf("%s still holds %d followers", p, n)
		}
	}
	if l := h.Log("web/later"); len(l.followers) != 0 {
		t.Errorf("a log added after the close got %d followers", len(l.followers))
	}
}

// TestHubFollowCloseRace follows, closes and records from many goroutines
// at once, for the race detector and for a lock order that could deadlock.
func TestHubFollowCloseRace(t *testing.T) {
	h, logs := newHub(t, "web/a", "web/b")
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				ctx, cancel := context.WithCancel(context.Background())
				_, f := h.Follow(ctx, 1, 2, "web")
				if j%2 == 0 {
					cancel()
				} else {
					f.Close()
				}
				cancel()
			}
		})
		wg.Go(func() {
			for j := range 200 {
				logs[[]string{"web/a", "web/b"}[(i+j)%2]].record(Stdout, texts("x"), "")
			}
		})
	}
	wg.Go(func() {
		for j := range 50 {
			if err := h.Add(newLog(t, fmt.Sprint("web/new", j), ringOnly(1<<10), nil, nil)); err != nil {
				t.Error(err)
			}
		}
	})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-testDeadline():
		t.Fatal("follow, close and record did not finish: deadlock")
	}
}
