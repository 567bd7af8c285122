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
				l.record(Stdout, texts("x"))
			}
			l.record(Stdout, texts("after"))

			for i := range tt.wantFirst {
				if ln := recvLine(t, slow.C()); ln.Seq != uint64(i+1) {
					t.Fatalf("line %d: seq %d", i, ln.Seq)
				}
			}
			lost := tt.burst - tt.wantFirst
			if lost > 0 {
				// The line after the burst was dropped too; the next one
				// comes with the marker.
				l.record(Stdout, texts("next"))
				m := recvLine(t, slow.C())
				if m.Lagged != uint64(lost+1) || m.Seq != 0 {
					t.Fatalf("marker %+v, want Lagged %d", m, lost+1)
				}
				if ln := recvLine(t, slow.C()); ln.Text != "next" {
					t.Fatalf("after marker: %+v", ln)
				}
			} else if ln := recvLine(t, slow.C()); ln.Text != "after" {
				t.Fatalf("got %+v", ln)
			}
			for i := range tt.burst + 1 {
				if ln := recvLine(t, fast.C()); ln.Seq != uint64(i+1) || ln.Lagged != 0 {
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
	l.record(Stdout, texts("x")) // must not panic on the closed channel
	if _, ok := <-f.C(); ok {
		t.Error("line on a closed follower")
	}
}
