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
// is preceded by a marker (Line.Lagged) counting them.
//
// A Follower knows nothing of the Logs and the Hub that feed it: they hold
// it, and drop it once they find it closed (at their next line, or when
// they take on another follower). Its lock is the last one taken, below
// the Hub's and a Log's, and it never takes another.
type Follower struct {
	c chan Line

	mu     sync.Mutex
	closed bool
	lagged uint64
	stop   func() bool // ends the close at its context's end
}

func newFollower(buf int) *Follower {
	if buf == 0 {
		buf = DefaultFollowBuffer
	}
	// A marker and the line after it need two slots.
	buf = max(buf, 2)
	return &Follower{c: make(chan Line, buf)}
}

// C delivers the lines. It is closed once the follower is closed.
func (f *Follower) C() <-chan Line { return f.c }

// Close stops the lines and closes C. It is safe to call more than once and
// from any goroutine.
func (f *Follower) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	close(f.c) // under mu: push never sends on a closed channel
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
		select {
		case f.c <- Line{Time: ln.Time, Lagged: f.lagged}:
			f.lagged = 0
		default:
			f.lagged++
			return true
		}
	}
	select {
	case f.c <- ln:
	default:
		f.lagged++
	}
	return true
}

// stillOpen drops the closed followers of fs, in place.
func stillOpen(fs []*Follower) []*Follower {
	return slices.DeleteFunc(fs, func(f *Follower) bool { return !f.open() })
}
