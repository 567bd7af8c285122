package notify

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadyPipe(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		ready  bool
	}{
		{"newline", []string{"\n"}, true},
		{"text then newline", []string{"ready\n"}, true},
		{"newline split across writes", []string{"rea", "dy", "\nmore"}, true},
		{"EOF without newline", []string{"ready"}, false},
		{"nothing", nil, false},
		{"long line", []string{strings.Repeat("x", 5000) + "\n"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			readyc := make(chan struct{}, 2)
			p, err := NewReadyPipe(3, func() { readyc <- struct{}{} })
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			w, fd := p.Child()
			if fd != 3 {
				t.Fatalf("fd %d", fd)
			}
			for _, s := range tc.writes {
				if _, err := w.WriteString(s); err != nil {
					t.Fatal(err)
				}
			}
			p.Started() // the "worker" is done writing: EOF follows
			within(t, p.done, 5*time.Second, "end of the pipe's goroutine")
			if got := len(readyc); got != map[bool]int{true: 1, false: 0}[tc.ready] {
				t.Fatalf("ready called %d times, want ready=%v", got, tc.ready)
			}
		})
	}
}

func TestReadyPipeClosesAfterReady(t *testing.T) {
	p, err := NewReadyPipe(3, func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	w, _ := p.Child()
	if _, err := w.WriteString("\n"); err != nil {
		t.Fatal(err)
	}
	within(t, p.done, 5*time.Second, "end of the pipe's goroutine")
	// Like s6-supervise, supd stops listening: further writes fail
	// instead of filling a pipe nobody reads.
	if _, err := w.WriteString("again\n"); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("write after ready: %v, want EPIPE", err)
	}
}

func TestReadyPipeClose(t *testing.T) {
	called := make(chan struct{}, 1)
	p, err := NewReadyPipe(4, func() { called <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { p.Close(); p.Close(); close(done) }()
	within(t, done, 5*time.Second, "Close to return")
	select {
	case <-p.done:
	default:
		t.Fatal("Close returned while the goroutine runs")
	}
	if len(called) != 0 {
		t.Fatal("ready called without a newline")
	}
}

func TestReadyPipeBadFD(t *testing.T) {
	for _, fd := range []int{-1, 0, 1, 2} {
		if _, err := NewReadyPipe(fd, func() {}); err == nil {
			t.Errorf("NewReadyPipe(%d) succeeded", fd)
		}
	}
}

// TestReadyPipeWorker runs a worker that expects its notification fd at 7:
// the launcher's recipe (the pipe as the fourth extra file, after three
// nils) delivers it.
func TestReadyPipeWorker(t *testing.T) {
	readyc := make(chan struct{}, 1)
	p, err := NewReadyPipe(7, func() { readyc <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	f, fd := p.Child()
	extra := make([]*os.File, fd-3+1)
	extra[fd-3] = f
	h := startCmd(t, exec.Command(os.Args[0], "7", "ready\n"),
		[]string{"SUPD_NOTIFY_TEST_CHILD=fds", "SUPD_NOTIFY_TEST_NOWAIT=1"}, extra)
	p.Started()
	within(t, readyc, 5*time.Second, "readiness")
	h.line(t)
	h.finish(t)
}
