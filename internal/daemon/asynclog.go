package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logQueue is how many of supd's log lines may wait for a slow stderr.
const logQueue = 8192

// asyncHandler writes supd's log from a goroutine of its own, so that a
// stderr that does not drain (a stalled journal, a pipe nobody reads) never
// blocks the goroutine that logs — a supervisor's owner logging an event
// above all. Its queue is bounded: when it is full, lines are dropped and
// counted, and the count is logged once the writer catches up.
type asyncHandler struct {
	next slog.Handler
	q    *logQ
}

type logQ struct {
	mu      sync.Mutex
	recs    []queued
	writing bool // a batch is being written
	dropped int
	wake    chan struct{} // capacity 1
	idle    chan struct{} // closed and replaced whenever the queue empties
	out     *batchWriter  // what the handlers write to; flushed after each batch
}

// batchWriter gathers the lines the handlers write for one batch, so that
// a batch costs one write to supd's stderr rather than one per line (a
// stop of 1000 workers logs 2000). Only the writer goroutine uses it.
type batchWriter struct {
	w   io.Writer
	buf []byte
}

func (b *batchWriter) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// flush writes what the batch gathered; a failed write is dropped, as a
// handler's would be.
func (b *batchWriter) flush() {
	if len(b.buf) > 0 {
		_, _ = b.w.Write(b.buf)
	}
	if cap(b.buf) > 64<<10 {
		b.buf = nil
		return
	}
	b.buf = b.buf[:0]
}

type queued struct {
	h slog.Handler
	r slog.Record
}

func newAsyncHandler(w io.Writer, handler func(io.Writer) slog.Handler) *asyncHandler {
	bw := &batchWriter{w: w}
	next := handler(bw)
	q := &logQ{wake: make(chan struct{}, 1), idle: make(chan struct{}), out: bw}
	go q.write()
	return &asyncHandler{next: next, q: q}
}

func (h *asyncHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle queues the record; it never waits for the writer.
func (h *asyncHandler) Handle(_ context.Context, r slog.Record) error {
	q := h.q
	q.mu.Lock()
	if len(q.recs) >= logQueue {
		q.dropped++
		q.mu.Unlock()
		return nil
	}
	q.recs = append(q.recs, queued{h.next, r.Clone()})
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

func (h *asyncHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &asyncHandler{next: h.next.WithAttrs(as), q: h.q}
}

func (h *asyncHandler) WithGroup(name string) slog.Handler {
	return &asyncHandler{next: h.next.WithGroup(name), q: h.q}
}

// Flush waits up to timeout for the queued lines to be written, as supd
// exits; a stderr blocked for good costs it no more than that.
func (h *asyncHandler) Flush(timeout time.Duration) {
	q := h.q
	q.mu.Lock()
	empty, idle := len(q.recs) == 0 && !q.writing, q.idle
	q.mu.Unlock()
	if empty {
		return
	}
	select {
	case <-idle:
	case <-time.After(timeout):
	}
}

func (q *logQ) write() {
	for range q.wake {
		for {
			q.mu.Lock()
			batch, dropped := q.recs, q.dropped
			q.recs, q.dropped = nil, 0
			q.writing = len(batch) > 0
			if !q.writing {
				close(q.idle)
				q.idle = make(chan struct{})
				q.mu.Unlock()
				break
			}
			q.mu.Unlock()
			for _, x := range batch {
				_ = x.h.Handle(context.Background(), x.r)
			}
			if dropped > 0 {
				r := slog.NewRecord(time.Now(), slog.LevelWarn, fmt.Sprintf("supd's log fell behind: %d lines dropped", dropped), 0)
				_ = batch[0].h.Handle(context.Background(), r)
			}
			q.out.flush()
		}
	}
}
