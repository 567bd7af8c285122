package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// daemon is a supd process started by a test.
type daemon struct {
	t      *testing.T
	dir    string
	config string
	socket string
	env    []string // added to supd's environment
	cmd    *exec.Cmd
	extra  []*os.File // inherited by supd as fds 3, 4, …
	done   chan struct{}
	status int // exit status, or 128+signal

	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// writeConfig writes yaml (with {{TESTPROC}}, {{DIR}} and {{SOCKET}}
// replaced) into a fresh folder and returns the config's path.
func writeConfig(t *testing.T, yaml string) (dir, path, socket string) {
	t.Helper()
	dir = t.TempDir()
	socket = filepath.Join(dir, "supd.sock")
	yaml = strings.NewReplacer("{{TESTPROC}}", bin.testproc, "{{DIR}}", dir, "{{SOCKET}}", socket).Replace(yaml)
	path = filepath.Join(dir, "supd.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, path, socket
}

// startSupd runs supd on yaml. The test's cleanup SIGKILLs it if it is still
// running.
func startSupd(t *testing.T, yaml string, args ...string) *daemon {
	t.Helper()
	dir, path, socket := writeConfig(t, yaml)
	return startSupdAt(t, &daemon{t: t, dir: dir, config: path, socket: socket}, args...)
}

// startSupdAt runs supd on d's config and socket.
func startSupdAt(t *testing.T, d *daemon, args ...string) *daemon {
	t.Helper()
	path, socket := d.config, d.socket
	d.done = make(chan struct{})
	d.cmd = exec.Command(bin.supd, append([]string{"--config", path, "--socket", socket}, args...)...)
	d.cmd.Env = append(append(os.Environ(), "GORACE=atexit_sleep_ms=0"), d.env...)
	d.cmd.Stdout = lockedWriter{&d.mu, &d.stdout}
	d.cmd.Stderr = lockedWriter{&d.mu, &d.stderr}
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	d.cmd.ExtraFiles = d.extra
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := d.cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			ws := ee.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				d.status = 128 + int(ws.Signal())
			} else {
				d.status = ws.ExitStatus()
			}
		default:
			d.status = -1
		}
		close(d.done)
	}()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			_ = d.cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("supd stdout (end):\n%s\nsupd stderr (end):\n%s", tail(d.Stdout()), tail(d.Stderr()))
		}
	})
	return d
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (d *daemon) Stdout() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stdout.String()
}

func (d *daemon) Stderr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

func (d *daemon) signal(sig syscall.Signal) {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatalf("signal supd: %v", err)
	}
}

// wait waits for supd to exit and returns its status.
func (d *daemon) wait(timeout time.Duration) int {
	d.t.Helper()
	select {
	case <-d.done:
		return d.status
	case <-time.After(timeout):
		d.t.Fatalf("supd did not exit within %v", timeout)
		return 0
	}
}

// waitFor polls cond until it holds or timeout passes. Polling is the only
// way to watch another process's files and /proc from outside.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	if !waitUntil(timeout, cond) {
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}

// waitUntil polls cond until it holds or timeout passes, and reports
// whether it held: waitFor for a test that has more to say when it fails.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// pids reads a testproc -pidfile: its pid first, then its grandchildren's.
func pids(t *testing.T, file string) []int {
	t.Helper()
	var out []int
	for _, l := range readPidfile(file) {
		out = append(out, l.pid)
	}
	return out
}

// firstPid waits for file and returns the first pid in it.
func firstPid(t *testing.T, file string) int {
	t.Helper()
	var p []int
	waitFor(t, file, 10*time.Second, func() bool { p = pids(t, file); return len(p) > 0 })
	return p[0]
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// killAll SIGKILLs pids at the end of a test, whatever happened.
func killAll(t *testing.T, pids ...int) {
	t.Cleanup(func() {
		for _, p := range pids {
			if p > 0 {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
		}
	})
}

// tail is the end of a long output, for failure messages.
func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}
