package daemon

import (
	"sync"

	"supd/tree"
)

// bus numbers the tree's events, keeps the most recent ones and fans them
// out to followers. Each follower has a bounded buffer; one that falls
// behind loses events, is told how many, and never holds up the tree.
type bus struct {
	mu        sync.Mutex
	seq       uint64
	history   []tree.Event // ring of the last cap(history) events
	next      int
	followers map[*follower]struct{}
}

// follower receives events on C. Dropped counts the events it missed since
// the last one it received; the reader resets it through Lagged.
type follower struct {
	C       chan tree.Event
	mu      sync.Mutex
	dropped uint64
}

// Lagged returns and clears the count of events dropped for f.
func (f *follower) Lagged() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.dropped
	f.dropped = 0
	return n
}

func newBus(keep int) *bus {
	return &bus{history: make([]tree.Event, 0, keep), followers: make(map[*follower]struct{})}
}

// publish is the tree's event sink: it never blocks.
func (b *bus) publish(e tree.Event) tree.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e.Seq = b.seq
	if len(b.history) < cap(b.history) {
		b.history = append(b.history, e)
	} else if cap(b.history) > 0 {
		b.history[b.next] = e
		b.next = (b.next + 1) % cap(b.history)
	}
	for f := range b.followers {
		select {
		case f.C <- e:
		default:
			f.mu.Lock()
			f.dropped++
			f.mu.Unlock()
		}
	}
	return e
}

// recent returns up to n of the newest events, oldest first.
func (b *bus) recent(n int) []tree.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	all := make([]tree.Event, 0, len(b.history))
	all = append(all, b.history[b.next:]...)
	all = append(all, b.history[:b.next]...)
	if n >= 0 && len(all) > n {
		all = all[len(all)-n:]
	}
	return all
}

// follow registers a follower with a buffer of size events; cancel
// unregisters it.
func (b *bus) follow(size int) (f *follower, cancel func()) {
	f = &follower{C: make(chan tree.Event, size)}
	b.mu.Lock()
	b.followers[f] = struct{}{}
	b.mu.Unlock()
	return f, func() {
		b.mu.Lock()
		delete(b.followers, f)
		b.mu.Unlock()
	}
}
