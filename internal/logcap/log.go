package logcap

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"supd/config"
)

// Log is one worker's output across all its runs: restarts append to the
// same ring, sequence and file. Captures (one per run) record into it;
// readers take its tail or follow it. Its methods are safe for concurrent use.
type Log struct {
	path   string
	fwd    *Forwarder
	logger *slog.Logger

	mu        sync.Mutex
	forward   bool
	seq       uint64
	ring      ring
	followers []*Follower // closed ones are dropped at the next line or attach
	file      *file       // nil without a log file
	closed    bool
}

// NewLog makes the Log of the worker at path. With cfg.File set it opens (and
// creates, with its folder) the file now, so that a destination that cannot
// be written fails the start. fwd may be nil when nothing is forwarded.
func NewLog(path string, cfg config.WorkerLogs, fwd *Forwarder, logger *slog.Logger) (*Log, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{path: path, fwd: fwd, logger: logger}
	if err := l.Update(cfg); err != nil {
		return nil, err
	}
	return l, nil
}

// Path is the worker's path.
func (l *Log) Path() string { return l.path }

// Update applies new settings, e.g. after a reload: the ring is resized
// (dropping its oldest lines if it shrank), forwarding turned on or off, and
// a changed file opened before the old one is closed. If the new file cannot
// be opened nothing changes and the error says why.
func (l *Log) Update(cfg config.WorkerLogs) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("updating log of %q: closed", l.path)
	}
	var old *file
	switch {
	case cfg.File == "":
		old, l.file = l.file, nil
	case l.file == nil || l.file.name != cfg.File:
		f, err := openFile(l.path, cfg, l.logger)
		if err != nil {
			return fmt.Errorf("opening log of %q: %w", l.path, err)
		}
		old, l.file = l.file, f
	default:
		l.file.setLimits(cfg)
	}
	if old != nil {
		old.close()
	}
	l.forward = cfg.Forward
	l.ring.setLimit(cfg.Ring)
	return nil
}

// Reopen closes the log file and opens it again at its path, so that after
// an outside rotation (logrotate moved the file away) lines go to a fresh
// file there. Without a log file it does nothing. If the file cannot be
// opened, lines stay in the ring and each batch tries again, as after any
// write failure.
func (l *Log) Reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		return nil
	}
	f := l.file
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	if err := f.open(); err != nil {
		f.fail(err)
		return fmt.Errorf("reopening log of %q: %w", l.path, err)
	}
	return nil
}

// Close closes the log file, waiting for rotated files still being
// compressed. Lines recorded afterwards (a capture still draining) reach the
// ring and followers only.
func (l *Log) Close() {
	l.mu.Lock()
	f := l.file
	l.file = nil
	l.closed = true
	l.mu.Unlock()
	if f != nil {
		f.close()
	}
}

// record stores a batch of lines of one stream, read together: it numbers
// and stamps them, keeps them in the ring, hands them to followers, appends
// them to the file and forwards them. Nothing here waits on a reader.
// whole, when not "", is the batch as the file takes it: each line's text
// and newline, in order.
func (l *Log) record(stream Stream, lines []Line, whole string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Stamped under the lock so that time order and Seq order agree.
	now := time.Now()
	for i := range lines {
		l.seq++
		ln := &lines[i]
		ln.Seq, ln.Time, ln.Path, ln.Stream = l.seq, now, l.path, stream
		l.ring.push(entry{seq: ln.Seq, time: now, text: ln.Text, stream: stream, cut: ln.Cut})
		l.followers = slices.DeleteFunc(l.followers, func(f *Follower) bool { return !f.push(*ln) })
	}
	if l.file != nil {
		l.file.write(lines, whole)
	}
	if l.forward && l.fwd != nil {
		l.fwd.add(lines)
	}
}

// Seq is the sequence number of the newest line, 0 before the first.
func (l *Log) Seq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq
}

// Tail returns the newest n lines in the ring, oldest first; n < 0 means all.
func (l *Log) Tail(n int) []Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tailLocked(n)
}

func (l *Log) tailLocked(n int) []Line {
	if n == 0 {
		return nil
	}
	es := l.ring.last(n)
	out := make([]Line, len(es))
	for i, e := range es {
		out[i] = Line{Seq: e.seq, Time: e.time, Path: l.path, Stream: e.stream, Text: e.text, Cut: e.cut}
	}
	return out
}

// LastSince returns the text of the newest n lines numbered above seq (see
// Seq), oldest first: what an exit event shows, when seq was read as the
// run started.
func (l *Log) LastSince(n int, seq uint64) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n == 0 {
		return nil
	}
	es := l.ring.last(n)
	var out []string
	for _, e := range es {
		if e.seq > seq {
			out = append(out, e.text)
		}
	}
	return out
}

// Follow returns the newest n lines and a Follower that receives every line
// recorded after them, with no gap and no repeat, until ctx is done or it is
// closed. buf bounds its buffer (0: DefaultFollowBuffer).
func (l *Log) Follow(ctx context.Context, n, buf int) ([]Line, *Follower) {
	f := newFollower(buf)
	tail := l.tailAndAttach(n, f)
	f.closeWith(ctx)
	return tail, f
}

// tailAndAttach returns the newest n lines and attaches f, so that f gets
// every line after them. Followers closed since the last line are let go
// here too, so that a quiet log holds no more than it ever had open.
func (l *Log) tailAndAttach(n int, f *Follower) []Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.followers = append(stillOpen(l.followers), f)
	return l.tailLocked(n)
}
