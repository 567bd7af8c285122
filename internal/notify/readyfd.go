package notify

import (
	"bytes"
	"fmt"
	"os"
)

// ReadyPipe is s6's readiness notification for one run of a worker with
// `ready: {fd: N}`: the worker writes a line to descriptor N when it is
// ready. Only the first newline matters; EOF before it (the worker exited or
// closed N) means it never became ready, and nothing is called.
//
// After the newline the read end is closed, as s6-supervise does, so a
// worker that keeps writing gets EPIPE rather than filling a pipe nobody
// reads.
//
// The launcher's part:
//
//	p, err := notify.NewReadyPipe(n, onReady)
//	f, fd := p.Child()                  // hand f to the worker as descriptor fd:
//	spec.ExtraFiles = make([]*os.File, fd-2)
//	spec.ExtraFiles[fd-3] = f           // the nils before it stay closed
//	proc, err := osproc.Start(spec)
//	p.Started()                         // after Start, whether or not it failed
//	...
//	p.Close()                           // when the run ends
//
// Nil entries rather than /dev/null up to N keep the worker's descriptor
// table as s6 promises it: 0, 1, 2 and N, nothing else.
type ReadyPipe struct {
	fd    int
	r, w  *os.File
	ready func()
	done  chan struct{}
}

// NewReadyPipe creates the pipe and starts waiting for the newline. ready
// runs on the pipe's goroutine, at most once, never after Close has
// returned; it must not block or call Close.
func NewReadyPipe(fd int, ready func()) (*ReadyPipe, error) {
	if fd < 3 {
		return nil, fmt.Errorf("creating readiness pipe: fd %d: must be 3 or more", fd)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating readiness pipe: %w", err)
	}
	p := &ReadyPipe{fd: fd, r: r, w: w, ready: ready, done: make(chan struct{})}
	go p.wait()
	return p, nil
}

// Child is the write end to give to the worker and the descriptor number it
// must have there.
func (p *ReadyPipe) Child() (f *os.File, fd int) { return p.w, p.fd }

// Started closes supd's copy of the write end. Call it once the worker was
// started (or failed to start): until then EOF cannot be seen.
func (p *ReadyPipe) Started() { p.w.Close() }

// Close stops waiting and releases the pipe. It is idempotent; when it
// returns the ready callback is not running and will not run.
func (p *ReadyPipe) Close() {
	p.w.Close()
	p.r.Close() // wakes the pending Read
	<-p.done
}

func (p *ReadyPipe) wait() {
	defer close(p.done)
	defer p.r.Close()
	var buf [512]byte
	for {
		n, err := p.r.Read(buf[:])
		if bytes.IndexByte(buf[:n], '\n') >= 0 {
			p.ready()
			return
		}
		if err != nil {
			return // EOF: never ready; or closed by Close
		}
	}
}
