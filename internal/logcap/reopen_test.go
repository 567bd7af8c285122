package logcap

import (
	"os"
	"path/filepath"
	"testing"

	"supd/config"
)

// After logrotate moves the file away, Reopen sends the next lines to a
// fresh file at the path; the moved file keeps what came before.
func TestReopenAfterAnOutsideRotation(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "w.log")
	l, err := NewLog("w", config.WorkerLogs{File: name, Ring: 1 << 20}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.record(Stdout, texts("before"), "")
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	l.record(Stdout, texts("moved"), "")
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); err != nil {
		t.Fatalf("Reopen did not create the file at once: %v", err)
	}
	l.record(Stdout, texts("after"), "")
	for file, want := range map[string]string{name + ".1": "before\nmoved\n", name: "after\n"} {
		b, err := os.ReadFile(file)
		if err != nil || string(b) != want {
			t.Errorf("%s: %q (%v), want %q", file, b, err, want)
		}
	}
	// A folder that went away: an error, and lines stay in the ring.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o644); err != nil { // not even a folder
		t.Fatal(err)
	}
	if err := l.Reopen(); err == nil {
		t.Error("Reopen into a missing folder succeeded")
	}
	l.record(Stdout, texts("kept"), "")
	if tail := l.Tail(1); len(tail) != 1 || tail[0].Text != "kept" {
		t.Errorf("ring tail %v", tail)
	}

	none, err := NewLog("n", config.WorkerLogs{Ring: 1 << 10}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := none.Reopen(); err != nil {
		t.Errorf("Reopen without a file: %v", err)
	}
}
