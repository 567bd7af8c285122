package logcap

import (
	"context"
	"testing"
)

// TestFollowerLag lets a follower fall behind: the writer never blocks, the
// follower loses lines and is told how many, and others lose nothing.
func TestFollowerLag(t *testing.T) {
	tests := []struct {
		name      string
		buf       int
		burst     int
		wantFirst int // lines received before the lag
	}{
		{"small buffer", 4, 10, 4},
		{"minimum buffer", 1, 5, 2},
		{"no lag", 9, 8, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLog(t, "w", ringOnly(1<<20), nil, nil)
			_, slow := l.Follow(context.Background(), 0, tt.buf)
			defer slow.Close()
			_, fast := l.Follow(context.Background(), 0, 1000)
			defer fast.Close()

			for range tt.burst {
				l.record(Stdout, texts("x"), "")
			}
			l.record(Stdout, texts("after"), "")

			for i := range tt.wantFirst {
				if ln := recvLine(t, slow); ln.Seq != uint64(i+1) {
					t.Fatalf("line %d: seq %d", i, ln.Seq)
				}
			}
			lost := tt.burst - tt.wantFirst
			if lost > 0 {
				// The line after the burst was dropped too; the next one
				// comes with the marker.
				l.record(Stdout, texts("next"), "")
				m := recvLine(t, slow)
				if m.Lagged != uint64(lost+1) || m.Seq != 0 {
					t.Fatalf("marker %+v, want Lagged %d", m, lost+1)
				}
				if ln := recvLine(t, slow); ln.Text != "next" {
					t.Fatalf("after marker: %+v", ln)
				}
			} else if ln := recvLine(t, slow); ln.Text != "after" {
				t.Fatalf("got %+v", ln)
			}
			for i := range tt.burst + 1 {
				if ln := recvLine(t, fast); ln.Seq != uint64(i+1) || ln.Lagged != 0 {
					t.Fatalf("fast follower line %d: %+v", i, ln)
				}
			}
		})
	}
}

func TestFollowerCloseTwice(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<20), nil, nil)
	_, f := l.Follow(context.Background(), 0, 0)
	f.Close()
	f.Close()
	l.record(Stdout, texts("x"), "") // must not be queued on the closed follower
	waitClosed(t, f)
}

// A follower takes memory for the lines pending in it, not for its bound:
// none before a burst, none once the burst is received.
func TestFollowerHoldsOnlyPending(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<20), nil, nil)
	_, f := l.Follow(context.Background(), 0, 4096)
	defer f.Close()
	held := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return cap(f.pending)
	}
	if n := held(); n != 0 {
		t.Fatalf("a new follower holds room for %d lines", n)
	}
	for range 1000 {
		l.record(Stdout, texts("x"), "")
	}
	if n := held(); n < 1000 {
		t.Fatalf("room for %d lines with 1000 pending", n)
	}
	for i := range 1000 {
		if ln := recvLine(t, f); ln.Seq != uint64(i+1) {
			t.Fatalf("line %d: %+v", i, ln)
		}
	}
	if n := held(); n != 0 {
		t.Fatalf("room for %d lines kept after the burst", n)
	}
}
