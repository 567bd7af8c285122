package logcap

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/config"
)

// plantTarget makes a file that must never be written through a log: its
// content is checked at the end of the test.
func plantTarget(t *testing.T) string {
	t.Helper()
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if b, err := os.ReadFile(target); err != nil || string(b) != "precious\n" {
			t.Errorf("the planted target was written through the log: %q (%v)", b, err)
		}
	})
	return target
}

// wantRefused checks that opening a log at name fails naming it, and that
// the start-up check refuses it too.
func wantRefused(t *testing.T, name, why string) {
	t.Helper()
	cfg := config.WorkerLogs{File: name, MaxSize: 1 << 20, Ring: 1 << 20}
	done := make(chan error, 1)
	go func() {
		l, err := NewLog("w", cfg, nil, nil)
		if err == nil {
			l.record(Stdout, texts("through the log"), "")
			l.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("NewLog(%s) succeeded, want it refused: %s", name, why)
		}
		if !strings.Contains(err.Error(), name) && !strings.Contains(err.Error(), filepath.Dir(name)) {
			t.Errorf("error %q does not name %s", err, name)
		}
	case <-testDeadline():
		t.Fatalf("NewLog(%s) still blocked after %v", name, waitTimeout)
	}
	if err := CheckWritable(name); err == nil {
		t.Errorf("CheckWritable(%s) succeeded, want it refused: %s", name, why)
	}
}

func TestLogRefusesWhatIsNotItsOwnFile(t *testing.T) {
	tests := []struct {
		name  string
		plant func(t *testing.T, dir string) string // returns the log file's path
	}{
		{"symlink to another file", func(t *testing.T, dir string) string {
			name := filepath.Join(dir, "w.log")
			if err := os.Symlink(plantTarget(t), name); err != nil {
				t.Fatal(err)
			}
			return name
		}},
		{"dangling symlink", func(t *testing.T, dir string) string {
			name := filepath.Join(dir, "w.log")
			if err := os.Symlink(filepath.Join(dir, "made-through-the-link"), name); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if _, err := os.Lstat(filepath.Join(dir, "made-through-the-link")); err == nil {
					t.Error("a file was created through the dangling link")
				}
			})
			return name
		}},
		{"hard link to another file", func(t *testing.T, dir string) string {
			target := filepath.Join(dir, "precious")
			if err := os.WriteFile(target, []byte("precious\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, "w.log")
			if err := os.Link(target, name); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if b, _ := os.ReadFile(target); string(b) != "precious\n" {
					t.Errorf("the hard-linked file was written: %q", b)
				}
			})
			return name
		}},
		{"fifo, which would block an open for writing", func(t *testing.T, dir string) string {
			name := filepath.Join(dir, "w.log")
			if err := syscall.Mkfifo(name, 0o600); err != nil {
				t.Fatal(err)
			}
			// Releases an open that blocked, if the test failed so.
			t.Cleanup(func() {
				if f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
					time.Sleep(10 * time.Millisecond)
					f.Close()
				}
			})
			return name
		}},
		{"folder", func(t *testing.T, dir string) string {
			name := filepath.Join(dir, "w.log")
			if err := os.Mkdir(name, 0o755); err != nil {
				t.Fatal(err)
			}
			return name
		}},
		{"folder writable by others and not sticky", func(t *testing.T, dir string) string {
			open := filepath.Join(dir, "open")
			if err := os.Mkdir(open, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(open, 0o777); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(open, "w.log")
		}},
		{"folder writable by its group and not sticky", func(t *testing.T, dir string) string {
			open := filepath.Join(dir, "open")
			if err := os.Mkdir(open, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(open, 0o770); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(open, "w.log")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantRefused(t, tt.plant(t, t.TempDir()), tt.name)
		})
	}
}

// TestLogFolders checks the folders a log may be in.
func TestLogFolders(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode
	}{
		{"private", 0o700},
		{"readable by all", 0o755},
		{"sticky and writable by all, like /tmp", 0o777 | os.ModeSticky},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "logs")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tt.mode); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, "w.log")
			l := newLog(t, "w", config.WorkerLogs{File: name, Ring: 1 << 10}, nil, nil)
			l.record(Stdout, texts("ok"), "")
			fi, err := os.Lstat(name)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != 0o640 {
				t.Errorf("log file mode %v, want -rw-r-----", fi.Mode())
			}
		})
	}
	// A folder reached through a symlink is the folder it leads to.
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "logs")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	l := newLog(t, "w", config.WorkerLogs{File: filepath.Join(link, "w.log"), Ring: 1 << 10}, nil, nil)
	l.record(Stdout, texts("through a linked folder"), "")
	l.Close()
	if b, err := os.ReadFile(filepath.Join(real, "w.log")); err != nil || string(b) != "through a linked folder\n" {
		t.Errorf("file in the linked folder: %q (%v)", b, err)
	}
}

// TestRotationRefusesAPlantedFile plants a symlink at the log's name
// between rotation's rename and the open of the fresh file, where a worker
// that can write the folder would race to put one.
func TestRotationRefusesAPlantedFile(t *testing.T) {
	rec := &recorder{}
	dir := t.TempDir()
	name := filepath.Join(dir, "w.log")
	target := plantTarget(t)
	l := newLog(t, "w", config.WorkerLogs{File: name, MaxSize: 16, MaxFiles: 2, Ring: 1 << 20}, nil, slog.New(rec))
	l.mu.Lock()
	l.file.testHookRenamed = func() {
		if err := os.Symlink(target, name); err != nil {
			t.Error(err)
		}
	}
	l.mu.Unlock()
	for i := range 5 {
		l.record(Stdout, texts(fmt.Sprintf("line-%d-padding", i)), "")
	}
	if n := rec.count(slog.LevelError); n != 1 {
		t.Errorf("%d errors logged, want 1", n)
	}
	if got := len(l.Tail(-1)); got != 5 {
		t.Errorf("ring has %d lines, want 5", got)
	}
}

// TestCompressionRefusesAPlantedFile plants a symlink where gzip is about
// to write the compressed copy of a rotated file.
func TestCompressionRefusesAPlantedFile(t *testing.T) {
	rec := &recorder{}
	dir := t.TempDir()
	name := filepath.Join(dir, "w.log")
	target := plantTarget(t)
	l := newLog(t, "w", config.WorkerLogs{File: name, MaxSize: 16, MaxFiles: 2, Compress: true, Ring: 1 << 20}, nil, slog.New(rec))
	l.mu.Lock()
	l.file.rot.testHookJob = func(j rotation) {
		if err := os.Symlink(target, filepath.Join(dir, j.pending+".gz")); err != nil {
			t.Error(err)
		}
	}
	l.mu.Unlock()
	l.record(Stdout, texts("first-line-padding"), "")
	l.record(Stdout, texts("second-line-padding"), "")
	l.Close()
	if n := rec.count(slog.LevelError); n != 1 {
		t.Errorf("%d errors logged, want 1", n)
	}
	// The rotated file is kept uncompressed rather than lost.
	if b, err := os.ReadFile(name + ".1"); err != nil || string(b) != "first-line-padding\n" {
		t.Errorf("%s.1: %q (%v)", name, b, err)
	}
	if fi, err := os.Lstat(name); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("%s: %v, %v", name, fi, err)
	}
}
