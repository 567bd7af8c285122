package tree

import "sync"

// mailbox is an owner's unbounded inbox, as an Erlang process has. It is
// unbounded because its senders must never block: the reaper delivers exits
// while it holds the spawner's lock, and an owner blocked in Launch waits on
// that same lock. Posting takes a short lock and never waits on the owner.
type mailbox struct {
	mu     sync.Mutex
	q      []msg
	closed bool
	wake   chan struct{} // capacity 1: "the queue is not empty"
}

func newMailbox() *mailbox { return &mailbox{wake: make(chan struct{}, 1)} }

// post queues m; after close it drops m and reports false.
func (b *mailbox) post(m msg) bool {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	b.q = append(b.q, m)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return true
}

// take returns every queued message, oldest first.
func (b *mailbox) take() []msg {
	b.mu.Lock()
	q := b.q
	b.q = nil
	b.mu.Unlock()
	return q
}

func (b *mailbox) close() {
	b.mu.Lock()
	b.closed = true
	b.q = nil
	b.mu.Unlock()
}
