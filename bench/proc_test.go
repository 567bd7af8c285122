package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// usage is what the kernel accounts for a process: CPU time and context
// switches (each a wakeup) over all its threads.
type usage struct {
	cpu      time.Duration
	switches int
}

func readUsage(b *testing.B, pid int) usage {
	b.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	u := usage{cpu: time.Duration(ut+st) * 10 * time.Millisecond} // USER_HZ = 100
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				n, _ := strconv.Atoi(strings.TrimSpace(v))
				u.switches += n
			}
		}
	}
	return u
}

func rssMiB(b *testing.B, pid int) float64 { return statusMiB(b, pid, "VmRSS:") }

// statusMiB reads a size in kB from /proc/PID/status (key "VmRSS:",
// "RssAnon:": the RSS less the binary's pages, shared with other processes).
func statusMiB(b *testing.B, pid int, key string) float64 {
	b.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(st), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == key {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	b.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}

// supd is a running supd started by a benchmark.
type supd struct {
	cmd    *exec.Cmd
	lines  chan string // its log, line by line
	dir    string
	socket string
}

// profiles numbers the profiles of one run.
var profiles int

// startSupd writes yaml to a fresh folder and runs supd on it.
func startSupd(b *testing.B, yaml string, env ...string) *supd {
	b.Helper()
	dir := b.TempDir()
	cfg := filepath.Join(dir, "supd.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		b.Fatal(err)
	}
	s := &supd{dir: dir, socket: filepath.Join(dir, "supd.sock"), lines: make(chan string, 1<<16)}
	s.cmd = exec.Command(bin.supd, "--config", cfg, "--socket", s.socket)
	s.cmd.Env = append(os.Environ(), env...)
	if profileDir != "" {
		profiles++
		name := fmt.Sprintf("%s-%d.pprof", strings.ReplaceAll(b.Name(), "/", "_"), profiles)
		s.cmd.Env = append(s.cmd.Env, "SUPD_CPUPROFILE="+filepath.Join(profileDir, name))
	}
	s.cmd.Stdout = io.Discard
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case s.lines <- sc.Text():
			default:
			}
		}
		close(s.lines)
	}()
	b.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	})
	return s
}

// waitLog waits for a log line containing what, and returns it.
func (s *supd) waitLog(b *testing.B, what string, timeout time.Duration) string {
	b.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				b.Fatalf("supd exited before logging %q", what)
			}
			if strings.Contains(l, what) {
				return l
			}
		case <-deadline:
			b.Fatalf("no %q in supd's log within %v", what, timeout)
		}
	}
}

// stop SIGTERMs supd and returns how long it took to exit.
func (s *supd) stop(b *testing.B) time.Duration {
	b.Helper()
	t0 := time.Now()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			b.Fatalf("supd: %v", err)
		}
	case <-time.After(60 * time.Second):
		b.Fatal("supd did not stop within 60s")
	}
	return time.Since(t0)
}

// percentile returns the p-th percentile (0..100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}
