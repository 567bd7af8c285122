package logcap

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/config"
	"supd/internal/testuser"
)

// A worker that may write its own log folder replaces its log file by a
// symlink to a file of root's before supd starts: supd must not follow it.
func TestAttackLinkInTheWorkersFolder(t *testing.T) {
	u := testuser.New(t)
	dir := testuser.Dir(t, 0o755)
	u.Chown(t, dir)
	name := filepath.Join(dir, "w.log")
	if err := os.Symlink(plantTarget(t), name); err != nil {
		t.Fatal(err)
	}
	u.Chown(t, name)
	wantRefused(t, name, "the folder is the worker's")
}

// A log file that belongs to another user is not supd's to append to.
func TestAttackFileOfAnotherUser(t *testing.T) {
	u := testuser.New(t)
	dir := testuser.Dir(t, 0o755)
	name := filepath.Join(dir, "w.log")
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	u.Chown(t, name)
	wantRefused(t, name, "the file is another user's")
}

// In a folder that everyone may write (sticky, like /tmp) another user
// loops creating a symlink at the log's name, to win the moment between a
// rotation's rename and the open of the fresh file.
func TestAttackRotationRace(t *testing.T) {
	u := testuser.New(t)
	dir := testuser.Dir(t, 0o777|os.ModeSticky)
	name := filepath.Join(dir, "w.log")
	target := plantTarget(t)
	rec := &recorder{}
	l := newLog(t, "w", config.WorkerLogs{File: name, MaxSize: 32, MaxFiles: 2, Ring: 1 << 20}, nil, slog.New(rec))

	ctx, cancel := context.WithCancel(context.Background())
	script := `while :; do ln -s "$1" "$2" 2>/dev/null; done`
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script, "sh", target, name)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.Cred()}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	end := time.Now().Add(3 * time.Second)
	for i := 0; time.Now().Before(end); i++ {
		l.record(Stdout, texts(strings.Repeat("x", 20)), "")
		if b, _ := os.ReadFile(target); string(b) != "precious\n" {
			t.Fatalf("after %d lines, supd appended to the planted target", i+1)
		}
	}
	cancel()
	cmd.Wait()
	if rec.count(slog.LevelError) == 0 {
		t.Error("the planted links were refused without an error logged")
	}
}

// A full disk: writes fail, and each rotation frees a little (the oldest
// file goes) so that some writes succeed again, while gzip fails for want
// of room. supd logs the episode once, not once per write or rotation.
func TestFullDiskIsOneEpisode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0755"); err != nil {
		t.Skipf("mounting a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	// Fill all but a little of it.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := filler.Write(make([]byte, 4096)); err != nil {
			break
		}
	}
	filler.Close()
	os.Truncate(filepath.Join(dir, "filler"), 40<<10)

	rec := &recorder{}
	name := filepath.Join(dir, "w.log")
	l := newLog(t, "w", config.WorkerLogs{File: name, MaxSize: 6 << 10, MaxFiles: 2, Compress: true, Ring: 1 << 20}, nil, slog.New(rec))
	line := strings.Repeat("y", 200)
	for range 3000 {
		l.record(Stdout, texts(line, line), "")
	}
	l.Close()
	if n := rec.count(slog.LevelError); n != 1 {
		t.Errorf("%d errors logged for one full disk, want 1", n)
	}
	if n := rec.count(slog.LevelInfo); n != 0 {
		t.Errorf("%d recoveries logged while the disk stayed full, want none", n)
	}
}
