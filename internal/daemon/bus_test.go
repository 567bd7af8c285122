package daemon

import (
	"testing"

	"supd/tree"
)

func TestBusNumbersKeepsAndFansOut(t *testing.T) {
	b := newBus(3)
	f, cancel := b.follow(2)
	defer cancel()
	for i := 0; i < 5; i++ {
		b.publish(tree.Event{Path: "w"})
	}
	got := b.recent(10)
	if len(got) != 3 || got[0].Seq != 3 || got[2].Seq != 5 {
		t.Fatalf("recent = %+v", got)
	}
	if got := b.recent(1); len(got) != 1 || got[0].Seq != 5 {
		t.Fatalf("recent(1) = %+v", got)
	}
	// The follower's buffer held 2; 3 were dropped for it alone.
	if e := <-f.C; e.Seq != 1 {
		t.Fatalf("first = %d", e.Seq)
	}
	if e := <-f.C; e.Seq != 2 {
		t.Fatalf("second = %d", e.Seq)
	}
	if n := f.Lagged(); n != 3 {
		t.Fatalf("lagged = %d, want 3", n)
	}
	if n := f.Lagged(); n != 0 {
		t.Fatalf("lagged not reset: %d", n)
	}
}
