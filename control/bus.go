package control

import (
	"context"
	"fmt"
	"sync"
	"time"

	"supd/control/api"
)

// Bus fans events out to followers and keeps the most recent ones. It is a
// ready-made implementation of Backend.Events and Backend.FollowEvents:
// Publish never blocks, whatever the followers do, because each follower has
// a bounded buffer and one that fills it is dropped with a final "lagged"
// event. It is safe for concurrent use.
type Bus struct {
	buffer int
	now    func() time.Time

	mu        sync.Mutex // guards everything below; held only for non-blocking work
	seq       uint64
	ring      []api.Event // the last len(ring) events; ring[start] is the oldest once full
	start     int
	followers map[*follower]struct{}
	closed    bool
}

type follower struct {
	ch chan api.Event // cap = backlog + buffer + 1: the last slot is kept for the lagged event
}

// NewBus returns a Bus that keeps the last history events and gives each
// follower room for buffer events beyond its backlog.
func NewBus(history, buffer int) *Bus {
	return &Bus{
		buffer:    max(buffer, 1),
		now:       time.Now,
		ring:      make([]api.Event, 0, max(history, 0)),
		followers: make(map[*follower]struct{}),
	}
}

// Publish stamps e with the next sequence number (and the current time if
// e.Time is zero), keeps it, hands it to every follower, and returns it.
func (b *Bus) Publish(e api.Event) api.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e.Seq = b.seq
	if e.Time.IsZero() {
		e.Time = b.now()
	}
	if cap(b.ring) > 0 {
		if len(b.ring) < cap(b.ring) {
			b.ring = append(b.ring, e)
		} else {
			b.ring[b.start] = e
			b.start = (b.start + 1) % len(b.ring)
		}
	}
	for f := range b.followers {
		// Only Publish sends, under mu, so the length seen here can only
		// shrink before the send: the send never blocks.
		if len(f.ch) < cap(f.ch)-1 {
			f.ch <- e
			continue
		}
		f.ch <- api.Event{
			Seq: e.Seq, Time: e.Time, Kind: api.EventLagged,
			Message: fmt.Sprintf("fell behind by more than %d events; events from seq %d on were dropped", b.buffer, e.Seq),
		}
		b.dropLocked(f)
	}
	return e
}

// Recent returns up to the last n events kept, oldest first.
func (b *Bus) Recent(n int) []api.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.recentLocked(n)
}

func (b *Bus) recentLocked(n int) []api.Event {
	n = min(max(n, 0), len(b.ring))
	out := make([]api.Event, 0, n)
	for i := len(b.ring) - n; i < len(b.ring); i++ {
		out = append(out, b.ring[(b.start+i)%len(b.ring)])
	}
	return out
}

// Follow returns a channel that carries up to the last n events kept, then
// every event published after. The channel is closed when ctx ends, when stop
// is called, when the Bus is closed, or after a lagged event. stop may be
// called more than once.
func (b *Bus) Follow(ctx context.Context, n int) (events <-chan api.Event, stop func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	backlog := b.recentLocked(n)
	f := &follower{ch: make(chan api.Event, len(backlog)+b.buffer+1)}
	for _, e := range backlog {
		f.ch <- e
	}
	if b.closed {
		close(f.ch)
		return f.ch, func() {}
	}
	b.followers[f] = struct{}{}
	unsubscribe := func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.dropLocked(f)
	}
	cancel := context.AfterFunc(ctx, unsubscribe)
	return f.ch, func() {
		cancel()
		unsubscribe()
	}
}

// Close ends every follower's channel (without a lagged event) and makes
// later followers end after their backlog: for supd's shutdown.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for f := range b.followers {
		b.dropLocked(f)
	}
}

// dropLocked closes f's channel once; b.mu must be held.
func (b *Bus) dropLocked(f *follower) {
	if _, ok := b.followers[f]; ok {
		delete(b.followers, f)
		close(f.ch)
	}
}
