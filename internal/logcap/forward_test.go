package logcap

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"supd/config"
)

func TestAppendForward(t *testing.T) {
	tests := []struct {
		ln   Line
		want string
	}{
		{Line{Path: "web/api", Stream: Stdout, Text: "hello"}, "web/api | hello\n"},
		{Line{Path: "web/api", Stream: Stderr, Text: "oops"}, "web/api ! oops\n"},
		{Line{Path: "db", Stream: Stdout, Text: "part", Cut: true}, "db |+ part\n"},
		{Line{Path: "db", Stream: Stderr, Text: "part", Cut: true}, "db !+ part\n"},
		{Line{Path: "db", Stream: Stdout, Text: ""}, "db | \n"},
		// A worker cannot forge another's line on supd's terminal: no
		// carriage return, no cursor movement; a tab stays.
		{Line{Path: "evil", Stream: Stdout, Text: "x\r\x1b[2Kdb | forged\tline"}, "evil | x^M^[[2Kdb | forged\tline\n"},
	}
	for _, tt := range tests {
		if got := string(AppendForward(nil, tt.ln)); got != tt.want {
			t.Errorf("AppendForward(%+v) = %q, want %q", tt.ln, got, tt.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func forwarding() config.WorkerLogs { return config.WorkerLogs{Ring: 1 << 20, Forward: true} }

// TestForwardWholeLines forwards from many workers at once: every output
// line is whole and each worker's lines keep their order.
func TestForwardWholeLines(t *testing.T) {
	var out syncBuffer
	fw := NewForwarder(&out, 64<<20, nil)
	const workers, lines = 8, 5000
	var wg sync.WaitGroup
	for w := range workers {
		path := fmt.Sprintf("w%d", w)
		l := newLog(t, path, forwarding(), fw, nil)
		wg.Go(func() {
			for i := range lines {
				stream := Stdout
				if i%3 == 0 {
					stream = Stderr
				}
				l.record(stream, texts(fmt.Sprintf("%s-%d-%s", path, i, strings.Repeat("z", i%100))), "")
			}
		})
	}
	// Not forwarded.
	quiet := newLog(t, "quiet", ringOnly(1<<20), fw, nil)
	quiet.record(Stdout, texts("silence"), "")
	wg.Wait()
	fw.Close()

	next := map[string]int{}
	for _, s := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		path, rest, ok := strings.Cut(s, " ")
		if !ok || len(rest) < 2 || (rest[:2] != "| " && rest[:2] != "! ") {
			t.Fatalf("malformed line %q", s)
		}
		f := strings.Split(rest[2:], "-")
		if len(f) != 3 || f[0] != path || f[1] != strconv.Itoa(next[path]) || len(f[2]) != next[path]%100 {
			t.Fatalf("line %q out of order or torn (want %s #%d)", s, path, next[path])
		}
		if (rest[0] == '!') != (next[path]%3 == 0) {
			t.Fatalf("line %q has the wrong stream", s)
		}
		next[path]++
	}
	for w := range workers {
		if n := next[fmt.Sprintf("w%d", w)]; n != lines {
			t.Errorf("w%d: %d lines forwarded, want %d", w, n, lines)
		}
	}
	if fw.Dropped() != 0 {
		t.Errorf("dropped %d", fw.Dropped())
	}
}

// blockedWriter blocks its first Write until released, then writes to buf
// and reports each write.
type blockedWriter struct {
	entered chan struct{}
	release chan struct{}
	wrote   chan struct{}
	once    sync.Once
	buf     syncBuffer
}

func (w *blockedWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		close(w.entered)
		<-w.release
	})
	n, err := w.buf.Write(p)
	w.wrote <- struct{}{}
	return n, err
}

// TestForwardBlockedOutput blocks supd's stdout: capture goes on, lines
// beyond the buffer are dropped and counted, and a marker takes their place.
func TestForwardBlockedOutput(t *testing.T) {
	w := &blockedWriter{entered: make(chan struct{}), release: make(chan struct{}), wrote: make(chan struct{}, 100)}
	fw := NewForwarder(w, 1024, nil)
	defer fw.Close()
	l := newLog(t, "w", forwarding(), fw, nil)

	l.record(Stdout, texts("first"), "")
	select {
	case <-w.entered:
	case <-testDeadline():
		t.Fatal("writer never called")
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		for i := range 100 {
			l.record(Stdout, texts(fmt.Sprintf("line %03d padding", i)), "")
		}
	}()
	select {
	case <-recorded:
	case <-testDeadline():
		t.Fatal("capture blocked on a blocked output")
	}
	if got := len(l.Tail(-1)); got != 101 {
		t.Fatalf("ring has %d lines, want 101", got)
	}
	dropped := fw.Dropped()
	perLine := len("w | line 000 padding\n")
	if want := uint64(100 - 1024/perLine); dropped != want {
		t.Fatalf("dropped %d, want %d", dropped, want)
	}

	close(w.release)
	marker := fmt.Sprintf("[supd] forwarding dropped %d lines: output blocked\n", dropped)
	for !strings.Contains(w.buf.String(), marker) {
		select {
		case <-w.wrote:
		case <-testDeadline():
			t.Fatalf("no marker in %q", w.buf.String())
		}
	}
	l.record(Stdout, texts("after"), "")
	fw.Close()

	var want strings.Builder
	want.WriteString("w | first\n")
	for i := range 100 - int(dropped) {
		fmt.Fprintf(&want, "w | line %03d padding\n", i)
	}
	want.WriteString(marker)
	want.WriteString("w | after\n")
	if got := w.buf.String(); got != want.String() {
		t.Errorf("output:\n%s\nwant:\n%s", got, want.String())
	}

	// After Close, lines are dropped rather than written.
	l.record(Stdout, texts("late"), "")
	if strings.Contains(w.buf.String(), "late") {
		t.Error("line written after Close")
	}
}
