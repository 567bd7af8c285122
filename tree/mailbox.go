package tree

import "sync"

// mailbox is an owner's unbounded inbox, as an Erlang process has. It is
// unbounded because no sender may ever wait for an owner: owners post to
// each other in both directions (a parent's start and stop down, a nested
// supervisor's ready and exit up), so two bounded inboxes could fill and
// leave two owners each blocked on the other; and a run's reports and the
// API's commands must not stall behind a busy owner. The mutex guards only
// the queue that senders append to and the owner takes whole; it is never
// held across anything else.
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

// close refuses every later post and returns what was still queued.
func (b *mailbox) close() []msg {
	b.mu.Lock()
	q := b.q
	b.closed = true
	b.q = nil
	b.mu.Unlock()
	return q
}
