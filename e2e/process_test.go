package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/internal/testproc/testprocbuild"
)

// Strategies observed through real PIDs: SIGKILL the middle worker from
// outside and see which of the three were replaced.
func TestStrategiesThroughRealPIDs(t *testing.T) {
	tests := []struct {
		strategy string
		replaced map[string]bool
	}{
		{"one_for_one", map[string]bool{"a": false, "b": true, "c": false}},
		{"one_for_all", map[string]bool{"a": true, "b": true, "c": true}},
		{"rest_for_one", map[string]bool{"a": false, "b": true, "c": true}},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			t.Parallel()
			yaml := "version: 1\nroot:\n  strategy: " + tt.strategy + "\n  children:\n"
			for _, n := range []string{"a", "b", "c"} {
				yaml += fmt.Sprintf("    - name: %s\n      command: [\"{{TESTPROC}}\", \"-sleep\", \"-pidfile\", \"{{DIR}}/%s.pid\"]\n      backoff: {initial: 0s}\n", n, n)
			}
			d := startSupd(t, yaml)
			before := map[string]int{}
			for n := range tt.replaced {
				before[n] = firstPid(t, filepath.Join(d.dir, n+".pid"))
			}
			killAll(t, before["a"], before["b"], before["c"])
			if err := syscall.Kill(before["b"], syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			for n, replaced := range tt.replaced {
				if !replaced {
					continue
				}
				waitFor(t, n+" replaced", 10*time.Second, func() bool {
					p := pids(t, filepath.Join(d.dir, n+".pid"))
					return len(p) > 0 && p[0] != before[n] && alive(p[0])
				})
				if alive(before[n]) {
					t.Errorf("%s: old pid %d still alive", n, before[n])
				}
				killAll(t, pids(t, filepath.Join(d.dir, n+".pid"))...)
			}
			for n, replaced := range tt.replaced {
				if !replaced && (!alive(before[n]) || pids(t, filepath.Join(d.dir, n+".pid"))[0] != before[n]) {
					t.Errorf("%s was touched by %s", n, tt.strategy)
				}
			}
			d.signal(syscall.SIGTERM)
			if st := d.wait(10 * time.Second); st != 0 {
				t.Fatalf("exit status %d", st)
			}
		})
	}
}

// No process a worker started survives its stop: grandchildren that ignore
// SIGTERM, in the worker's group, in a session of their own, or
// double-forked away from it.
func TestStopLeavesNoGrandchild(t *testing.T) {
	for _, how := range []string{"", "-setsid", "-double-fork"} {
		t.Run("children"+how, func(t *testing.T) {
			t.Parallel()
			args := `"-sleep", "-children", "2", "-child-ignore-term", "-pidfile", "{{DIR}}/w.pid"`
			if how != "" {
				args += `, "` + how + `"`
			}
			d := startSupd(t, `version: 1
root:
  children:
    - name: w
      command: ["{{TESTPROC}}", `+args+`]
      stop_timeout: 500ms
`)
			file := filepath.Join(d.dir, "w.pid")
			var all []int
			waitFor(t, "pidfile with 3 pids", 10*time.Second, func() bool { all = pids(t, file); return len(all) == 3 })
			killAll(t, all...)
			d.signal(syscall.SIGTERM)
			if st := d.wait(10 * time.Second); st != 0 {
				t.Fatalf("exit status %d", st)
			}
			for _, p := range all {
				waitFor(t, fmt.Sprintf("pid %d gone", p), 2*time.Second, func() bool { return !alive(p) })
			}
		})
	}
}

func cgroupsAvailable() bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	return err == nil && strings.Contains(string(b), " cgroup2 ") && os.Geteuid() == 0
}

// A worker that crash-loops for 10 s leaves no zombie, and supd's fds and
// memory do not grow.
func TestCrashLoopLeavesNoZombieAndNoGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s")
	}
	d := startSupd(t, `version: 1
root:
  max_restarts: 1000000
  period: 1s
  children:
    - name: crash
      command: ["{{TESTPROC}}", "-exit", "1", "-print", "3"]
      backoff: {initial: 0s}
`, "--log-level", "error")
	pid := d.cmd.Process.Pid
	time.Sleep(2 * time.Second) // past start-up: what follows must stay flat
	fds0, rss0 := minFDs(t, pid), rssKiB(t, pid)
	time.Sleep(7 * time.Second)
	fds1, rss1 := minFDs(t, pid), rssKiB(t, pid)
	zombies := zombieChildren(t, pid)
	lines := strings.Count(d.Stdout(), "crash | ")
	d.signal(syscall.SIGTERM)
	if st := d.wait(10 * time.Second); st != 0 {
		t.Fatalf("exit status %d", st)
	}
	t.Logf("%d lines forwarded; fds %d → %d; RSS %d → %d KiB; zombies %d", lines, fds0, fds1, rss0, rss1, zombies)
	if lines < 3*100 {
		t.Fatalf("only %d lines: the worker was not restarted in a loop", lines)
	}
	// A leak of one fd per run would add thousands: a few are a run in flight.
	if fds1 > fds0+8 {
		t.Errorf("supd's fds grew from %d to %d", fds0, fds1)
	}
	if rss1 > rss0+8*1024 {
		t.Errorf("supd's RSS grew from %d KiB to %d KiB", rss0, rss1)
	}
	if zombies > 1 { // the one exiting right now may not be reaped yet
		t.Errorf("%d zombie children", zombies)
	}
}

// minFDs is the fewest fds supd holds over half a second: a sample can
// catch a run starting or ending with its pipes open, a leak raises the
// floor.
func minFDs(t *testing.T, pid int) int {
	t.Helper()
	least := countFDs(t, pid)
	for range 25 {
		time.Sleep(20 * time.Millisecond)
		least = min(least, countFDs(t, pid))
	}
	return least
}

func countFDs(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	return statusKiB(t, pid, "VmRSS")
}

// statusKiB reads a field in KiB (VmRSS, VmHWM) of /proc/PID/status.
func statusKiB(t *testing.T, pid int, field string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == field+":" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

func zombieChildren(t *testing.T, ppid int) int {
	t.Helper()
	return len(zombiesOf(ppid))
}

// Every line a fast printer writes reaches supd's stdout, whole and in order.
func TestForwardingKeepsEveryLine(t *testing.T) {
	const n = 20000
	d := startSupd(t, fmt.Sprintf(`version: 1
root:
  children:
    - name: loud
      command: ["{{TESTPROC}}", "-print", "%d", "-line-len", "200", "-sleep"]
`, n), "--log-level", "warn")
	waitFor(t, "every line", 20*time.Second, func() bool {
		return strings.Count(d.Stdout(), "\n") >= 2*n
	})
	next := map[string]int{"out": 1, "err": 1}
	for _, l := range strings.Split(strings.TrimSuffix(d.Stdout(), "\n"), "\n") {
		var text string
		switch {
		case strings.HasPrefix(l, "loud | "):
			text = strings.TrimPrefix(l, "loud | ")
		case strings.HasPrefix(l, "loud ! "):
			text = strings.TrimPrefix(l, "loud ! ")
		default:
			t.Fatalf("unexpected line %q", l)
		}
		stream := text[:3]
		if want := testprocbuild.Line(stream, next[stream], 200); text != want {
			t.Fatalf("line %d of %s:\n got %q\nwant %q", next[stream], stream, text, want)
		}
		next[stream]++
	}
	d.signal(syscall.SIGTERM)
	d.wait(10 * time.Second)
}

// startSupdIn runs supd on an existing config.
func startSupdIn(t *testing.T, dir, config string) *daemon {
	t.Helper()
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	d := startSupd(t, string(b))
	_ = dir
	return d
}
