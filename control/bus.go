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
// a bounded queue and one that fills it is dropped with a final "lagged"
// event. A follower's queue holds only the events waiting for it, so an idle
// follower costs a goroutine and no buffer. It is safe for concurrent use.
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

// follower is one Follow. Publish queues events (under the Bus's mu); its
// pump goroutine hands them to out, one at a time, as the reader takes them.
type follower struct {
	q       []api.Event   // waiting; guarded by the Bus's mu, as are the next two
	pending int           // queued and not yet taken by the reader, q and the pump's batch
	ended   bool          // nothing more is queued: out closes once q is sent
	wake    chan struct{} // capacity 1: "q has something"
	stop    chan struct{} // closed by stop or ctx: out closes at once
	out     chan api.Event
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
		if f.pending < b.buffer {
			f.q = append(f.q, e)
			f.pending++
		} else {
			f.q = append(f.q, api.Event{
				Seq: e.Seq, Time: e.Time, Kind: api.EventLagged,
				Message: fmt.Sprintf("fell behind by more than %d events; events from seq %d on were dropped", b.buffer, e.Seq),
			})
			b.endLocked(f)
		}
		f.poke()
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
	f := &follower{q: backlog, pending: len(backlog), wake: make(chan struct{}, 1), stop: make(chan struct{}), out: make(chan api.Event)}
	f.poke()
	go b.pump(f)
	if b.closed {
		f.ended = true
		return f.out, func() {}
	}
	b.followers[f] = struct{}{}
	var once sync.Once
	unsubscribe := func() {
		once.Do(func() {
			b.mu.Lock()
			b.endLocked(f)
			b.mu.Unlock()
			close(f.stop)
		})
	}
	cancel := context.AfterFunc(ctx, unsubscribe)
	return f.out, func() {
		cancel()
		unsubscribe()
	}
}

// pump hands f's queued events to its reader until f ends (then it sends
// what is left and closes out) or is stopped (it closes out at once).
func (b *Bus) pump(f *follower) {
	defer close(f.out)
	for {
		select {
		case <-f.wake:
		case <-f.stop:
			return
		}
		b.mu.Lock()
		batch, ended := f.q, f.ended
		f.q = nil
		b.mu.Unlock()
		for _, e := range batch {
			select {
			case f.out <- e:
			case <-f.stop:
				return
			}
			b.mu.Lock()
			f.pending--
			b.mu.Unlock()
		}
		if ended {
			b.mu.Lock()
			left := len(f.q) > 0
			b.mu.Unlock()
			if !left {
				return
			}
		}
	}
}

func (f *follower) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Close ends every follower once it has read what was queued for it
// (without a lagged event), and makes later followers end after their
// backlog: for supd's shutdown.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for f := range b.followers {
		b.endLocked(f)
		f.poke()
	}
}

// endLocked takes f off the Bus: nothing more is queued for it. b.mu must
// be held.
func (b *Bus) endLocked(f *follower) {
	delete(b.followers, f)
	f.ended = true
}
