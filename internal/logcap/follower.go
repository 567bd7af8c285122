package logcap

import (
	"context"
	"sync"
)

// DefaultFollowBuffer is the buffer of a follower asked for one of 0.
const DefaultFollowBuffer = 1024

// Follower receives the lines of one or more Logs as they are recorded.
// Its buffer is bounded: a follower that falls behind never slows the
// workers; lines are dropped for it alone, and the next line it receives
// is preceded by a marker (Line.Lagged) counting them.
type Follower struct {
	c chan Line

	mu     sync.Mutex
	closed bool
	lagged uint64
	logs   []*Log // the logs it is attached to, to detach on Close
	hub    *Hub   // non-nil when it follows a hub selection
	stop   func() bool
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

// Close detaches the follower from its logs and closes C. It is safe to call
// more than once and from any goroutine.
func (f *Follower) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	// Once closed is set no push sends, so C can be closed outside the
	// lock, last: a reader that sees it closed knows f is detached.
	f.closed = true
	logs, hub, stop := f.logs, f.hub, f.stop
	f.logs, f.hub, f.stop = nil, nil, nil
	f.mu.Unlock()

	if stop != nil {
		stop()
	}
	for _, l := range logs {
		l.detach(f)
	}
	if hub != nil {
		hub.detach(f)
	}
	close(f.c)
}

// closeWith closes the follower when ctx is done.
func (f *Follower) closeWith(ctx context.Context) {
	stop := context.AfterFunc(ctx, f.Close)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.stop = stop
}

// addLog records that f is attached to l; false if f was closed meanwhile,
// and then the caller detaches it again.
func (f *Follower) addLog(l *Log) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.logs = append(f.logs, l)
	return true
}

// push hands ln to the follower without ever blocking. It is called with the
// recording log's lock held.
func (f *Follower) push(ln Line) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	if f.lagged > 0 {
		select {
		case f.c <- Line{Time: ln.Time, Lagged: f.lagged}:
			f.lagged = 0
		default:
			f.lagged++
			return
		}
	}
	select {
	case f.c <- ln:
	default:
		f.lagged++
	}
}
