package logcap

import (
	"context"
	"slices"
	"sync"
)

// DefaultFollowBuffer is the buffer of a follower asked for one of 0.
const DefaultFollowBuffer = 1024

// Follower receives the lines of one or more Logs as they are recorded.
// Its buffer is bounded: a follower that falls behind never slows the
// workers; lines are dropped for it alone, and the next line it receives
// is preceded by a marker (Line.Lagged) counting them. The buffer takes
// memory only for the lines pending in it, so that many followers that
// keep up cost little, however large their bound.
//
// A Follower knows nothing of the Logs and the Hub that feed it: they hold
// it, and drop it once they find it closed (at their next line, or when
// they take on another follower). Its lock is the last one taken, below
// the Hub's and a Log's, and it never takes another.
type Follower struct {
	ready chan struct{} // holds a token while lines are pending or the follower is closed

	mu      sync.Mutex
	pending []Line // lines not yet received are pending[head:]
	head    int
	max     int // bound on the lines pending, a marker included
	closed  bool
	lagged  uint64
	stop    func() bool // ends the close at its context's end
}

func newFollower(buf int) *Follower {
	if buf == 0 {
		buf = DefaultFollowBuffer
	}
	// A marker and the line after it need two slots.
	return &Follower{ready: make(chan struct{}, 1), max: max(buf, 2)}
}

// Next returns the next line, waiting for one. It returns false once the
// follower is closed and the lines pending before were received, or when
// ctx is done. One goroutine at a time may call it.
func (f *Follower) Next(ctx context.Context) (Line, bool) {
	for {
		f.mu.Lock()
		if f.head < len(f.pending) {
			ln := f.pending[f.head]
			f.pending[f.head] = Line{}
			f.head++
			if f.head == len(f.pending) {
				// Let the memory of a burst go once it is received.
				f.head = 0
				f.pending = f.pending[:0]
				if cap(f.pending) > 64 {
					f.pending = nil
				}
			}
			f.mu.Unlock()
			return ln, true
		}
		closed := f.closed
		f.mu.Unlock()
		if closed {
			return Line{}, false
		}
		select {
		case <-f.ready:
		case <-ctx.Done():
			return Line{}, false
		}
	}
}

// wake tells Next that there is something to see. Called locked.
func (f *Follower) wake() {
	select {
	case f.ready <- struct{}{}:
	default:
	}
}

// Close stops the lines; Next returns false once the lines pending are
// received. It is safe to call more than once and from any goroutine.
func (f *Follower) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true // under mu: push never queues after it
	f.wake()
	stop := f.stop
	f.stop = nil
	f.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// closeWith closes the follower when ctx is done.
func (f *Follower) closeWith(ctx context.Context) {
	stop := context.AfterFunc(ctx, f.Close)
	f.mu.Lock()
	closed := f.closed
	if !closed {
		f.stop = stop
	}
	f.mu.Unlock()
	if closed {
		stop()
	}
}

// open reports whether the follower still takes lines.
func (f *Follower) open() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.closed
}

// push hands ln to the follower without ever blocking; false once the
// follower is closed, and then its holder lets go of it. It is called with
// the recording log's lock held.
func (f *Follower) push(ln Line) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	if f.lagged > 0 {
		if !f.queue(Line{Time: ln.Time, Lagged: f.lagged}) {
			f.lagged++
			return true
		}
		f.lagged = 0
	}
	if !f.queue(ln) {
		f.lagged++
	}
	return true
}

// queue adds ln to the pending lines if the bound allows. Called locked.
func (f *Follower) queue(ln Line) bool {
	if len(f.pending)-f.head >= f.max {
		return false
	}
	if f.head > 0 && len(f.pending) == cap(f.pending) {
		n := copy(f.pending, f.pending[f.head:])
		clear(f.pending[n:])
		f.pending, f.head = f.pending[:n], 0
	}
	f.pending = append(f.pending, ln)
	f.wake()
	return true
}

// stillOpen drops the closed followers of fs, in place.
func stillOpen(fs []*Follower) []*Follower {
	return slices.DeleteFunc(fs, func(f *Follower) bool { return !f.open() })
}
