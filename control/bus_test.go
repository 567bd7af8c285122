package control

import (
	"context"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"supd/control/api"
)

func collect(t *testing.T, ch <-chan api.Event) []api.Event {
	t.Helper()
	var out []api.Event
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, e)
		case <-deadline:
			t.Fatalf("channel not closed; got %d events", len(out))
		}
	}
}

func seqs(evs []api.Event) []uint64 {
	var s []uint64
	for _, e := range evs {
		s = append(s, e.Seq)
	}
	return s
}

func publishN(b *Bus, n int) {
	for range n {
		b.Publish(api.Event{Kind: api.EventState, Path: "w"})
	}
}

func TestBusRecent(t *testing.T) {
	tests := []struct {
		history, published, n int
		want                  []uint64
	}{
		{history: 3, published: 0, n: 5, want: nil},
		{history: 3, published: 2, n: 5, want: []uint64{1, 2}},
		{history: 3, published: 5, n: 5, want: []uint64{3, 4, 5}},
		{history: 3, published: 7, n: 2, want: []uint64{6, 7}},
		{history: 3, published: 7, n: 0, want: nil},
		{history: 0, published: 7, n: 3, want: nil},
	}
	for _, tt := range tests {
		b := NewBus(tt.history, 4)
		publishN(b, tt.published)
		got := seqs(b.Recent(tt.n))
		if len(got) != len(tt.want) {
			t.Errorf("history %d, published %d, Recent(%d) = %v, want %v", tt.history, tt.published, tt.n, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("history %d, published %d, Recent(%d) = %v, want %v", tt.history, tt.published, tt.n, got, tt.want)
				break
			}
		}
	}
}

func TestBusFollowBacklogThenNew(t *testing.T) {
	b := NewBus(10, 10)
	publishN(b, 4)
	ch, stop := b.Follow(context.Background(), 2)
	publishN(b, 2)
	var got []uint64
	for range 4 {
		select {
		case e := <-ch:
			got = append(got, e.Seq)
		case <-time.After(5 * time.Second):
			t.Fatalf("after %v, nothing more", got)
		}
	}
	stop()
	stop() // twice is fine
	if rest := collect(t, ch); len(rest) != 0 {
		t.Fatalf("after stop: %v", rest)
	}
	want := []uint64{3, 4, 5, 6}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	publishN(b, 1) // after stop: must not panic on a closed channel
}

func TestBusLaggedFollowerIsDropped(t *testing.T) {
	b := NewBus(0, 3)
	slow, stopSlow := b.Follow(context.Background(), 0)
	defer stopSlow()
	fast, stopFast := b.Follow(context.Background(), 0)
	defer stopFast()

	// Publish never blocks although slow reads nothing; fast keeps up.
	for i := range 10 {
		b.Publish(api.Event{Kind: api.EventState})
		select {
		case e := <-fast:
			if e.Seq != uint64(i+1) {
				t.Fatalf("fast follower got seq %d, want %d", e.Seq, i+1)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("fast follower got nothing")
		}
	}

	got := collect(t, slow)
	if len(got) != 4 {
		t.Fatalf("slow follower got %d events, want 3 then lagged: %v", len(got), got)
	}
	last := got[3]
	if last.Kind != api.EventLagged || last.Seq != 4 {
		t.Errorf("last event = %+v, want lagged at seq 4", last)
	}
}

func TestBusFollowEndsWithContext(t *testing.T) {
	b := NewBus(0, 3)
	ctx, cancel := context.WithCancel(context.Background())
	ch, stop := b.Follow(ctx, 0)
	defer stop()
	cancel()
	if evs := collect(t, ch); len(evs) != 0 {
		t.Errorf("got %v", evs)
	}
}

func TestBusClose(t *testing.T) {
	b := NewBus(5, 3)
	publishN(b, 2)
	ch, stop := b.Follow(context.Background(), 0)
	defer stop()
	b.Close()
	if evs := collect(t, ch); len(evs) != 0 {
		t.Errorf("got %v", evs)
	}
	late, stopLate := b.Follow(context.Background(), 5)
	defer stopLate()
	if evs := collect(t, late); len(evs) != 2 {
		t.Errorf("a follower after Close got %d events, want the backlog of 2", len(evs))
	}
}

func TestBusStampsTime(t *testing.T) {
	b := NewBus(1, 1)
	fixed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b.now = func() time.Time { return fixed }
	if e := b.Publish(api.Event{}); !e.Time.Equal(fixed) || e.Seq != 1 {
		t.Errorf("got %+v", e)
	}
	own := fixed.Add(time.Hour)
	if e := b.Publish(api.Event{Time: own}); !e.Time.Equal(own) || e.Seq != 2 {
		t.Errorf("got %+v", e)
	}
}

// A follower holds only the events waiting for it: a thousand idle
// followers of a Bus that allows 4096 each cost no buffers.
func TestBusIdleFollowersCostNoBuffer(t *testing.T) {
	b := NewBus(0, 4096)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var stops []func()
	for range 1000 {
		_, stop := b.Follow(context.Background(), 0)
		stops = append(stops, stop)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for _, stop := range stops {
		stop()
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Fatalf("1000 idle followers took %d KiB of heap; a buffer each would be %d MiB", grown>>10, 1000*4096*int(unsafe.Sizeof(api.Event{}))>>20)
	}
}
