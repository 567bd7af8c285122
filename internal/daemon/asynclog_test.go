package daemon

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"
)

// A stderr that never drains does not block whoever logs: lines beyond the
// queue are dropped and counted, and the count is logged once the writer
// catches up.
func TestLogNeverBlocksOnAStalledWriter(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	log, err := NewLogger(w, "text", "info")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 3 * logQueue {
			log.Info("state", "path", "w", "n", i)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("logging blocked on a writer that does not drain")
	}
	// Now drain: the kept lines come out, then the count of the dropped.
	lines := make(chan string, 4*logQueue)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	h := log.Handler().(*asyncHandler)
	h.Flush(10 * time.Second)
	log.Info("after")
	var n int
	var dropped, after bool
	timeout := time.After(10 * time.Second)
	for !after {
		select {
		case l := <-lines:
			n++
			dropped = dropped || strings.Contains(l, "supd's log fell behind") && strings.Contains(l, "lines dropped")
			after = strings.Contains(l, "msg=after")
		case <-timeout:
			t.Fatalf("after %d lines, no end", n)
		}
	}
	if !dropped {
		t.Error("the dropped lines were not counted in the log")
	}
	if n < logQueue {
		t.Errorf("only %d lines written, want at least the queue's %d", n, logQueue)
	}
}
