package logcap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	readSize = 64 << 10 // a pipe's default capacity
	// bigRead is the read size, and the pipe's capacity, of a stream
	// whose writer filled a read of readSize: a chatty worker then wakes
	// supd once per MiB rather than once per 64 KiB.
	bigRead = 1 << 20
	// drainLimit bounds what a stopped capture still reads from a pipe that
	// something keeps writing to.
	drainLimit = 1 << 20
)

// Read buffers come from pools only while data is ready, so an idle worker
// pins none.
var (
	readBufs = sync.Pool{New: func() any { b := make([]byte, readSize); return &b }}
	bigBufs  = sync.Pool{New: func() any { b := make([]byte, bigRead); return &b }}
)

// Capture is one run's output capture: a pipe for stdout and one for
// stderr, each read by a goroutine that parks on the netpoller (no thread)
// and records whole lines into the Log.
//
// The launcher hands Stdout and Stderr to the child, then calls
// CloseWriters whether the start succeeded or not: the readers see EOF only
// once every copy of the write ends is closed, i.e. once the worker and
// everything it left holding its output are gone.
type Capture struct {
	log     *Log
	stdout  *os.File
	stderr  *os.File
	readers [2]*os.File
	left    atomic.Int32
	done    chan struct{}
}

// Capture makes the pipes of one run and starts reading them.
func (l *Log) Capture() (*Capture, error) {
	outR, outW, err := pipe(l.path, "stdout")
	if err != nil {
		return nil, err
	}
	errR, errW, err := pipe(l.path, "stderr")
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	c := &Capture{log: l, stdout: outW, stderr: errW, readers: [2]*os.File{outR, errR}, done: make(chan struct{})}
	c.left.Store(2)
	go c.read(outR, Stdout)
	go c.read(errR, Stderr)
	return c, nil
}

// pipe makes a pipe whose read end is nonblocking, so that os uses the
// netpoller for it, and whose write end stays blocking: O_NONBLOCK belongs
// to the open file, which the child shares, and a worker must not see
// EAGAIN on its stdout.
func pipe(path, stream string) (r, w *os.File, err error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, fmt.Errorf("capturing %s of %q: %w", stream, path, os.NewSyscallError("pipe2", err))
	}
	if err := syscall.SetNonblock(p[0], true); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return nil, nil, fmt.Errorf("capturing %s of %q: %w", stream, path, os.NewSyscallError("setnonblock", err))
	}
	name := path + ":" + stream
	return os.NewFile(uintptr(p[0]), name+":r"), os.NewFile(uintptr(p[1]), name+":w"), nil
}

// Stdout is the write end to give the child as its stdout.
func (c *Capture) Stdout() *os.File { return c.stdout }

// Stderr is the write end to give the child as its stderr.
func (c *Capture) Stderr() *os.File { return c.stderr }

// CloseWriters closes supd's copies of the write ends. Call it once the child
// has them (or failed to start).
func (c *Capture) CloseWriters() {
	c.stdout.Close()
	c.stderr.Close()
}

// Done is closed once both pipes reached EOF (or the capture was stopped)
// and every line read was recorded.
func (c *Capture) Done() <-chan struct{} { return c.done }

// Wait waits until Done, or until ctx is done: then it stops the capture,
// which still records what the pipes hold, and returns ctx's error once that
// is done. The bound matters because a grandchild may keep the pipes open
// past the worker's exit.
func (c *Capture) Wait(ctx context.Context) error {
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
	}
	c.Stop()
	<-c.done
	return fmt.Errorf("waiting for output of %q: %w", c.log.path, ctx.Err())
}

// Stop ends the capture without waiting for EOF: each reader records what
// its pipe holds (up to a bound), and the line it was in the middle of, then
// closes its read end. Writers left see EPIPE.
func (c *Capture) Stop() {
	past := time.Unix(1, 0)
	for _, r := range c.readers {
		r.SetReadDeadline(past)
	}
}

// read records the lines of one pipe until EOF or Stop. A read's lines
// share one string (see splitter.feed); when the read held whole lines
// only, the file is given that string to write as it is.
func (c *Capture) read(r *os.File, stream Stream) {
	defer func() {
		r.Close()
		if c.left.Add(-1) == 0 {
			close(c.done)
		}
	}()
	sp := splitter{max: MaxLine}
	var lines []Line
	emit := func(text string, cut bool) {
		lines = append(lines, Line{Text: text, Cut: cut})
	}
	deliver := func(whole string) {
		if len(lines) > 0 {
			c.log.record(stream, lines, whole)
			clear(lines)
			lines = lines[:0]
			if cap(lines) > 16<<10 {
				lines = nil // a burst of short lines must not pin memory
			}
		}
	}
	rc, err := r.SyscallConn()
	if err != nil {
		return
	}
	pool := &readBufs
	for {
		from := pool
		bp, n, err := readReady(rc, from)
		if n > 0 {
			deliver(sp.feed((*bp)[:n], emit))
		}
		if n > 0 && n == len(*bp) && pool == &readBufs && bytes.IndexByte((*bp)[:n], '\n') >= 0 {
			// The writer of lines is ahead: a bigger pipe lets it write
			// on while supd reads, and bigger reads mean fewer wakeups.
			// Not for one endless line, whose pieces would only pile up
			// faster. Best effort (pipe-max-size, the user's pipe pages).
			rc.Control(func(fd uintptr) { unix.FcntlInt(fd, unix.F_SETPIPE_SZ, bigRead) })
			pool = &bigBufs
		}
		if bp != nil {
			from.Put(bp)
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				drain(rc, &sp, emit)
				deliver("")
			}
			break
		}
	}
	sp.flush(emit)
	deliver("")
}

// readReady waits on the netpoller until the pipe is readable and reads it
// into a buffer of pool. It returns io.EOF at the end.
func readReady(rc syscall.RawConn, pool *sync.Pool) (bp *[]byte, n int, err error) {
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		bp = pool.Get().(*[]byte)
		n, rerr = readFD(fd, *bp)
		if rerr == syscall.EAGAIN {
			pool.Put(bp)
			bp = nil
			return false
		}
		return true
	})
	if err != nil {
		return bp, 0, err
	}
	if rerr != nil {
		return bp, 0, os.NewSyscallError("read", rerr)
	}
	if n == 0 {
		return bp, 0, io.EOF
	}
	return bp, n, nil
}

func readFD(fd uintptr, b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), b)
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}

// drain reads what a stopped pipe still holds without waiting.
func drain(rc syscall.RawConn, sp *splitter, emit func(string, bool)) {
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	rc.Control(func(fd uintptr) {
		for total := 0; total < drainLimit; {
			n, err := readFD(fd, *bp)
			if err != nil || n == 0 {
				return
			}
			sp.feed((*bp)[:n], emit)
			total += n
		}
	})
}
