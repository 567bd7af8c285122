package health

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"supd/config"
)

func sh(script string) *Exec {
	return &Exec{Argv: []string{"/bin/sh", "-c", script}, Env: []string{"PATH=/usr/bin:/bin"}}
}

func TestExecProbe(t *testing.T) {
	tests := []struct {
		name   string
		p      *Exec
		ok     bool
		detail string
	}{
		{"success", sh("exit 0"), true, "/bin/sh: exit code 0"},
		{"failure with output", sh("echo checking; echo 'disk full' >&2; exit 3"), false, "/bin/sh: exit code 3: checking\ndisk full"},
		{"killed by a signal", sh("kill -SEGV $$"), false, "/bin/sh: signal SEGV"},
		{"output tail", sh("yes 0123456789 | head -c 5000; echo; echo last; exit 1"), false, "last"},
		{"working directory", &Exec{Argv: []string{"/bin/sh", "-c", `test "$PWD" = /tmp`}, Dir: "/tmp"}, true, "/bin/sh: exit code 0"},
		{"environment", &Exec{Argv: []string{"sh", "-c", `test "$X" = y`}, Env: []string{"PATH=/bin:/usr/bin", "X=y"}}, true, "sh: exit code 0"},
		{"missing program", &Exec{Argv: []string{"no-such-probe-program"}, Env: []string{"PATH=/bin"}}, false, "no-such-probe-program"},
		{"empty argv", &Exec{}, false, "exec probe: empty argv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.p.Probe(context.Background())
			if r.OK != tc.ok || !strings.Contains(r.Detail, tc.detail) {
				t.Fatalf("got %+v, want ok=%v and %q", r, tc.ok, tc.detail)
			}
			if !strings.HasPrefix(r.Detail, "/bin/sh: exit code 1: ...") && tc.name == "output tail" {
				t.Fatalf("a long output is not cut: %q", r.Detail)
			}
			if len(r.Detail) > tailMax+100 {
				t.Fatalf("detail of %d bytes", len(r.Detail))
			}
		})
	}
}

// TestExecProbeTimeout: a hanging command is killed at the timeout with
// what it runs (its process group), and its output so far is kept.
func TestExecProbeTimeout(t *testing.T) {
	pidFile := t.TempDir() + "/pid"
	p := sh("sleep 60 & echo $! > " + pidFile + "; echo started; wait")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	r := p.Probe(ctx)
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("probe took %v", took)
	}
	if r.OK || r.Detail != "/bin/sh: timed out: started" {
		t.Fatalf("got %+v", r)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if !gone(pid, 5*time.Second) {
		t.Fatalf("the probe's sleep %d survived it", pid)
	}
}

// TestExecProbeEscapedHolder: a descendant that left the probe's process
// group keeps the output pipe open; the probe still ends with the command.
func TestExecProbeEscapedHolder(t *testing.T) {
	pidFile := t.TempDir() + "/pid"
	p := sh("setsid sleep 30 & echo $! > " + pidFile + "; echo bye; exit 2")
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	began := time.Now()
	r := p.Probe(ctx)
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("probe took %v", took)
	}
	if r.OK || r.Detail != "/bin/sh: exit code 2: bye" {
		t.Fatalf("got %+v", r)
	}
}

// TestExecChecker: a Checker over an exec probe, stopped while the probe
// runs, returns promptly and leaves no process behind.
func TestExecChecker(t *testing.T) {
	fifo := mkfifo(t)
	p := sh("echo $$ > " + fifo + "; exec sleep 60")
	c := Liveness(p, Schedule{Interval: time.Hour, Timeout: time.Hour, Failures: 1}, func(d string) {
		t.Errorf("unhealthy: %s", d)
	})
	pid := readPid(t, fifo, 10*time.Second)
	began := time.Now()
	c.Stop()
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("Stop took %v", took)
	}
	if !gone(pid, 5*time.Second) {
		t.Fatalf("probe process %d survived Stop", pid)
	}
}

func TestNew(t *testing.T) {
	in := Exec{Dir: "/tmp", Env: []string{"A=b"}}
	tests := []struct {
		p    config.Probe
		want string // type
	}{
		{config.Probe{Exec: []string{"true"}}, "*health.Exec"},
		{config.Probe{HTTP: "http://127.0.0.1:1/x"}, "*health.HTTP"},
		{config.Probe{TCP: "127.0.0.1:1"}, "*health.TCP"},
		{config.Probe{}, ""},
		{config.Probe{HTTP: "gopher://x"}, ""},
	}
	for _, tc := range tests {
		got, err := New(tc.p, in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("New(%+v) succeeded", tc.p)
			}
			continue
		}
		if err != nil || typeName(got) != tc.want {
			t.Errorf("New(%+v) = %T, %v; want %s", tc.p, got, err, tc.want)
		}
		if e, ok := got.(*Exec); ok && (e.Dir != "/tmp" || e.Argv[0] != "true" || e.Env[0] != "A=b") {
			t.Errorf("exec prober %+v lost the worker's context", e)
		}
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

// gone waits up to d for pid to exit (a zombie has exited), through a
// pidfd, which becomes readable then.
func gone(pid int, d time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return err == unix.ESRCH
	}
	defer unix.Close(fd)
	n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(d.Milliseconds()))
	return err == nil && n == 1
}

// readPid reads a pid from a FIFO that a probe writes to, within d.
func readPid(t *testing.T, fifo string, d time.Duration) int {
	t.Helper()
	ch := make(chan int, 1)
	go func() {
		b, _ := os.ReadFile(fifo) // opens when the writer does
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		ch <- pid
	}()
	select {
	case pid := <-ch:
		if pid <= 0 {
			t.Fatal("no pid from the probe")
		}
		return pid
	case <-time.After(d):
		t.Fatalf("no pid from the probe within %v", d)
		return 0
	}
}

func mkfifo(t *testing.T) string {
	t.Helper()
	p := t.TempDir() + "/fifo"
	if err := unix.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
