package logcap

import (
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"supd/internal/escape"
)

// DefaultForwardBuffer bounds the bytes a Forwarder holds for its writer.
const DefaultForwardBuffer = 1 << 20

// ForwardWait is how long a full buffer may hold up a worker's capture
// before its lines are dropped.
const ForwardWait = 2 * time.Second

// Forwarder copies the lines of every forwarding worker to one writer
// (supd's stdout), each prefixed with the worker's path:
//
//	web/api | a line printed on stdout
//	web/api ! a line printed on stderr
//	web/api |+ the first piece of a line cut at MaxLine; it continues below
//
// Captures append whole lines to a buffer bounded in bytes; one goroutine
// writes it out, so lines of different workers never interleave mid-line.
// A full buffer holds capture up for at most ForwardWait, so that a slow
// reader of supd's stdout (a pipe, the journal) loses nothing while a
// blocked one holds up nothing for long: after that wait, lines are dropped
// until the writer catches up, and then a marker
//
//	[supd] forwarding dropped 42 lines: output blocked
//
// takes their place. Ring and file never drop lines.
type Forwarder struct {
	w       io.Writer
	logger  *slog.Logger
	limit   int
	dropped atomic.Uint64 // in total, for metrics

	mu       sync.Mutex
	buf      []byte
	dropping uint64 // lines dropped since the last marker; while > 0 all are
	closed   bool

	wake  chan struct{} // capacity 1: the writer has work
	freed chan struct{} // closed (and replaced) each time the writer takes the buffer
	done  chan struct{} // closed when the writer goroutine returns
}

// NewForwarder starts the goroutine that writes to w. limit bounds its
// buffer in bytes (0: DefaultForwardBuffer).
func NewForwarder(w io.Writer, limit int, logger *slog.Logger) *Forwarder {
	if limit <= 0 {
		limit = DefaultForwardBuffer
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f := &Forwarder{
		w:      w,
		logger: logger,
		limit:  limit,
		wake:   make(chan struct{}, 1),
		freed:  make(chan struct{}),
		done:   make(chan struct{}),
	}
	go f.run()
	return f
}

// Dropped counts the lines dropped so far because the writer was blocked.
func (f *Forwarder) Dropped() uint64 { return f.dropped.Load() }

// Close writes out what is buffered and stops the writer goroutine. It
// waits for that write: if the writer is blocked for good, so is Close.
// Lines forwarded after Close are dropped.
func (f *Forwarder) Close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.signal()
	<-f.done
}

func (f *Forwarder) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// add buffers lines of one worker. While the buffer is full it waits for
// the writer, up to ForwardWait; then it drops.
func (f *Forwarder) add(lines []Line) {
	f.mu.Lock()
	var n uint64
	var deadline *time.Timer
	for _, ln := range lines {
		size := len(ln.Path) + len(" | ") + len(ln.Text) + len("\n")
		if ln.Cut {
			size++
		}
		for !f.closed && f.dropping == 0 && n == 0 && len(f.buf) > 0 && len(f.buf)+size > f.limit {
			if deadline == nil {
				deadline = time.NewTimer(ForwardWait)
				defer deadline.Stop()
			}
			freed := f.freed
			f.mu.Unlock()
			f.signal()
			select {
			case <-freed:
				f.mu.Lock()
				continue
			case <-deadline.C:
			}
			f.mu.Lock()
			break
		}
		if f.closed || f.dropping > 0 || n > 0 || (len(f.buf) > 0 && len(f.buf)+size > f.limit) {
			n++
			continue
		}
		f.buf = AppendForward(f.buf, ln)
	}
	if !f.closed {
		f.dropping += n
	}
	f.mu.Unlock()
	f.dropped.Add(n)
	f.signal()
}

// AppendForward appends ln to b as the Forwarder writes it, with its
// newline. The text's control characters (but tab) are escaped: supd's
// stdout is often a terminal, and a worker must not forge another's lines
// there (the file and the ring keep the bytes).
func AppendForward(b []byte, ln Line) []byte {
	b = append(b, ln.Path...)
	if ln.Stream == Stderr {
		b = append(b, " !"...)
	} else {
		b = append(b, " |"...)
	}
	if ln.Cut {
		b = append(b, '+')
	}
	b = append(b, ' ')
	b = append(b, escape.Text(ln.Text)...)
	return append(b, '\n')
}

// run swaps the buffer out and writes it, outside the lock, until closed.
// A marker for dropped lines follows the lines buffered before the drop,
// which is where the gap is.
func (f *Forwarder) run() {
	defer close(f.done)
	var spare []byte
	ep := newEpisode()
	for range f.wake {
		f.mu.Lock()
		out := f.buf
		f.buf = spare[:0]
		dropped := f.dropping
		f.dropping = 0
		closed := f.closed
		close(f.freed)
		f.freed = make(chan struct{})
		f.mu.Unlock()

		if dropped > 0 {
			out = append(out, "[supd] forwarding dropped "...)
			out = strconv.AppendUint(out, dropped, 10)
			out = append(out, " lines: output blocked\n"...)
		}
		if len(out) > 0 {
			if _, err := f.w.Write(out); err != nil {
				if ep.fail() {
					f.logger.Error("forwarding worker output failed", "err", err)
				}
			} else if ended, failures := ep.ok(); ended {
				f.logger.Info("forwarding worker output works again", "failures", failures)
			}
		}
		if cap(out) <= 2*f.limit {
			spare = out
		}
		if closed {
			return
		}
	}
}
