package logcap

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func waitCapture(t testing.TB, c *Capture) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := c.Wait(ctx); err != nil {
		t.Fatalf("capture did not reach EOF: %v", err)
	}
}

func writeLines(w *os.File, prefix string, n int, pad func(i int) int) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	for i := range n {
		fmt.Fprintf(bw, "%s %d %s\n", prefix, i, strings.Repeat("p", pad(i)))
	}
	return bw.Flush()
}

// checkStream checks that lines of one stream are "prefix i ..." for
// i = 0..n-1 in order: none lost, none split, none reordered.
func checkStream(t *testing.T, lines []Line, stream Stream, prefix string, n int) {
	t.Helper()
	i := 0
	for _, ln := range lines {
		if ln.Stream != stream {
			continue
		}
		f := strings.Fields(ln.Text)
		if len(f) < 2 || f[0] != prefix || f[1] != strconv.Itoa(i) || ln.Cut {
			t.Fatalf("%v line %d: got %q (cut %v)", stream, i, ln.Text, ln.Cut)
		}
		i++
	}
	if i != n {
		t.Fatalf("%v: got %d lines, want %d", stream, i, n)
	}
}

// TestCaptureFastWriters writes 100k lines on each pipe at once, as fast as
// the pipes take them, with lengths up to MaxLine.
func TestCaptureFastWriters(t *testing.T) {
	const n = 100_000
	l := newLog(t, "web/api", ringOnly(1<<30), nil, nil)
	c, err := l.Capture()
	if err != nil {
		t.Fatal(err)
	}
	// Mostly short lines, now and then one of exactly MaxLine bytes.
	pad := func(prefix string) func(int) int {
		return func(i int) int {
			if i%10_000 == 9_999 {
				return MaxLine - len(fmt.Sprintf("%s %d ", prefix, i))
			}
			return i % 200
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- writeLines(c.Stdout(), "out", n, pad("out")) }()
	go func() { errs <- writeLines(c.Stderr(), "err", n, pad("err")) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	c.CloseWriters()
	waitCapture(t, c)

	lines := l.Tail(-1)
	if len(lines) != 2*n {
		t.Fatalf("got %d lines, want %d", len(lines), 2*n)
	}
	for i, ln := range lines {
		if ln.Seq != uint64(i+1) || ln.Path != "web/api" {
			t.Fatalf("line %d: seq %d path %q", i, ln.Seq, ln.Path)
		}
		if i > 0 && ln.Time.Before(lines[i-1].Time) {
			t.Fatalf("line %d: time goes back", i)
		}
	}
	checkStream(t, lines, Stdout, "out", n)
	checkStream(t, lines, Stderr, "err", n)
}

// TestCaptureChild captures a real process printing fast on both streams
// and ending with a line without newline.
func TestCaptureChild(t *testing.T) {
	l := newLog(t, "job", ringOnly(1<<30), nil, nil)
	c, err := l.Capture()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", "seq 1 100000; seq 1 50000 >&2; printf 'no newline'")
	cmd.Stdout, cmd.Stderr = c.Stdout(), c.Stderr()
	err = cmd.Start()
	c.CloseWriters()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	waitCapture(t, c)

	var out, errs []string
	for _, ln := range l.Tail(-1) {
		if ln.Stream == Stdout {
			out = append(out, ln.Text)
		} else {
			errs = append(errs, ln.Text)
		}
	}
	if len(out) != 100_001 || out[0] != "1" || out[99_999] != "100000" || out[100_000] != "no newline" {
		t.Errorf("stdout: %d lines, ending %q", len(out), out[len(out)-2:])
	}
	if len(errs) != 50_000 || errs[49_999] != "50000" {
		t.Errorf("stderr: %d lines", len(errs))
	}
	for i, s := range out[:100_000] {
		if s != strconv.Itoa(i+1) {
			t.Fatalf("stdout line %d is %q", i, s)
		}
	}
}

// TestCaptureWriterBlocking checks that the write ends a child gets are in
// blocking mode: a worker must never see EAGAIN on its stdout.
func TestCaptureWriterBlocking(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<20), nil, nil)
	c, err := l.Capture()
	if err != nil {
		t.Fatal(err)
	}
	defer waitCapture(t, c)
	defer c.CloseWriters()
	for _, w := range []*os.File{c.Stdout(), c.Stderr()} {
		rc, err := w.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var flags int
		var ferr error
		rc.Control(func(fd uintptr) {
			flags, ferr = fcntl(fd, syscall.F_GETFL)
		})
		if ferr != nil {
			t.Fatal(ferr)
		}
		if flags&syscall.O_NONBLOCK != 0 {
			t.Errorf("%s is nonblocking", w.Name())
		}
	}
}

func fcntl(fd uintptr, cmd int) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, uintptr(cmd), 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

func TestCaptureLongLines(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<30), nil, nil)
	c, err := l.Capture()
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("a", MaxLine) + strings.Repeat("b", MaxLine) + "cc"
	exact := strings.Repeat("x", MaxLine)
	go func() {
		c.Stdout().WriteString(long + "\n" + exact + "\nlast")
		c.CloseWriters()
	}()
	waitCapture(t, c)
	got := l.Tail(-1)
	want := []Line{
		{Text: strings.Repeat("a", MaxLine), Cut: true},
		{Text: strings.Repeat("b", MaxLine), Cut: true},
		{Text: "cc"},
		{Text: exact},
		{Text: "last"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Text != want[i].Text || got[i].Cut != want[i].Cut {
			t.Errorf("line %d: got %.10q… (%d bytes, cut %v), want %.10q… (%d bytes, cut %v)",
				i, got[i].Text, len(got[i].Text), got[i].Cut, want[i].Text, len(want[i].Text), want[i].Cut)
		}
	}
}

// TestCaptureRestartsAppend checks that a second run continues the first
// one's sequence in the same ring.
func TestCaptureRestartsAppend(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<20), nil, nil)
	for run := range 2 {
		c, err := l.Capture()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c.Stdout(), "run %d\n", run)
		fmt.Fprintf(c.Stderr(), "run %d err\n", run)
		c.CloseWriters()
		waitCapture(t, c)
	}
	got := l.Tail(-1)
	if len(got) != 4 || got[3].Seq != 4 || l.Seq() != 4 {
		t.Fatalf("got %v", got)
	}
	for _, s := range l.LastSince(2, 0) {
		if !strings.HasPrefix(s, "run 1") {
			t.Errorf("Last(2) = %q, want the second run's lines", l.LastSince(2, 0))
		}
	}
}

// TestCaptureWaitBounded holds a copy of the write end open, as a grandchild
// would: Wait gives up at its deadline and still records the unfinished line.
func TestCaptureWaitBounded(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<20), nil, nil)
	c, err := l.Capture()
	if err != nil {
		t.Fatal(err)
	}
	held, err := dupFile(c.Stdout())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	held.WriteString("done\nunfinished")
	c.CloseWriters()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = c.Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait: %v, want deadline exceeded", err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done not closed after Wait returned")
	}
	if got := l.LastSince(-1, 0); len(got) != 2 || got[0] != "done" || got[1] != "unfinished" {
		t.Errorf("got %q", got)
	}
	// The read end is gone: the holder sees EPIPE, not a hang.
	if _, err := held.WriteString("more\n"); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("write after stop: %v, want EPIPE", err)
	}
}

// TestCaptureStopDrains stops a capture while lines sit unread in the pipe:
// they are still recorded.
func TestCaptureStopDrains(t *testing.T) {
	l := newLog(t, "w", ringOnly(1<<20), nil, nil)
	c, err := l.Capture()
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseWriters()
	// With the log locked the reader cannot record, so what is written
	// now stays in the reader's hands or in the pipe until after Stop.
	l.mu.Lock()
	c.Stdout().WriteString("a\n")
	c.Stdout().WriteString("b\nc\n")
	c.Stop()
	l.mu.Unlock()
	waitCapture(t, c)
	if got := l.LastSince(-1, 0); strings.Join(got, ",") != "a,b,c" {
		t.Errorf("got %q", got)
	}
}

func dupFile(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var derr error
	rc.Control(func(fd uintptr) { nfd, derr = syscall.Dup(int(fd)) })
	if derr != nil {
		return nil, derr
	}
	return os.NewFile(uintptr(nfd), "dup"), nil
}

// BenchmarkCapture measures lines per second from a pipe into the ring.
func BenchmarkCapture(b *testing.B) {
	l := newLog(b, "bench/worker", ringOnly(1<<20), nil, nil)
	c, err := l.Capture()
	if err != nil {
		b.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 79) + "\n")
	chunk := make([]byte, 0, 64<<10)
	for len(chunk)+len(line) <= cap(chunk) {
		chunk = append(chunk, line...)
	}
	perChunk := len(chunk) / len(line)
	b.SetBytes(int64(len(line)))
	b.ResetTimer()
	start := time.Now()
	for n := 0; n < b.N; n += perChunk {
		k := min(perChunk, b.N-n)
		if _, err := c.Stdout().Write(chunk[:k*len(line)]); err != nil {
			b.Fatal(err)
		}
	}
	c.CloseWriters()
	waitCapture(b, c)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lines/s")
	if got := l.Seq(); got != uint64(b.N) {
		b.Fatalf("recorded %d lines, want %d", got, b.N)
	}
}
