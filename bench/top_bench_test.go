package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"supd/control/client"
)

// crashers is how many workers crash-loop in BenchmarkTop1000, each
// about once a second: three events a crash (exit, start, running).
const crashers = 17

// BenchmarkTop1000 opens `supctl top` (in tmux, 120×40) on a tree of 1000
// idle workers and measures, over 10 s each: supd's CPU and wakeups while
// nothing happens (target: zero), top's own CPU then, and top's and supd's
// CPU while ~50 events a second arrive (target for top: under 2% of a
// core).
func BenchmarkTop1000(b *testing.B) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		b.Skip("tmux is not on PATH (make testdeps installs it as root)")
	}
	var yaml strings.Builder
	yaml.WriteString("version: 1\nroot:\n  children:\n    - name: pool\n      start: parallel\n      children:\n")
	for i := range ctlWorkers {
		fmt.Fprintf(&yaml, "        - name: w%d\n          command: [\"sleep\", \"3600\"]\n", i)
	}
	yaml.WriteString("    - name: churn\n      max_restarts: 100000\n      period: 1s\n      start: parallel\n      children:\n")
	for i := range crashers {
		fmt.Fprintf(&yaml, "        - name: c%d\n          command: [%q, \"-exit\", \"1\", \"-after\", \"1s\"]\n          autostart: false\n          backoff: {initial: 0s}\n", i, bin.testproc)
	}
	for range b.N {
		s := startSupd(b, yaml.String())
		s.waitLog(b, "path=/ state=running", 60*time.Second)
		go func() { // supd's log is not read from here on
			for range s.lines {
			}
		}()

		sock := filepath.Join(b.TempDir(), "tmux.sock")
		tm := func(args ...string) string {
			out, err := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
			if err != nil {
				b.Fatalf("tmux %v: %v\n%s", args, err, out)
			}
			return strings.TrimSpace(string(out))
		}
		cmd := exec.Command(tmux, "-S", sock, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
			"exec "+bin.supctl+" --socket "+s.socket+" top")
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tmux: %v\n%s", err, out)
		}
		b.Cleanup(func() { _ = exec.Command(tmux, "-S", sock, "kill-server").Run() })
		top, err := strconv.Atoi(tm("display-message", "-p", "-t", "0", "#{pane_pid}"))
		if err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(tm("capture-pane", "-p", "-t", "0"), fmt.Sprintf("%d workers: %d stopped, %d running", ctlWorkers+crashers, crashers, ctlWorkers)) {
			if time.Now().After(deadline) {
				b.Fatalf("top did not show the tree:\n%s", tm("capture-pane", "-p", "-t", "0"))
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(5 * time.Second) // let the first frames, the log and the heap settle

		pid := s.cmd.Process.Pid
		d0, t0 := readUsage(b, pid), readUsage(b, top)
		time.Sleep(idle)
		d1, t1 := readUsage(b, pid), readUsage(b, top)

		c := client.New(s.socket)
		ctx, cancel := context.WithCancel(context.Background())
		for i := range crashers {
			if _, err := c.Start(ctx, fmt.Sprintf("churn/c%d", i)); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(2 * time.Second)
		evs, err := c.FollowEvents(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		counted := make(chan int)
		go func() {
			n := 0
			for {
				if _, err := evs.Next(); err != nil {
					counted <- n
					return
				}
				n++
			}
		}()
		d2, t2 := readUsage(b, pid), readUsage(b, top)
		time.Sleep(idle)
		d3, t3 := readUsage(b, pid), readUsage(b, top)
		cancel()
		n := <-counted
		evs.Close()
		c.Close()
		if !strings.Contains(tm("capture-pane", "-p", "-t", "0"), " live") {
			b.Fatalf("top is not live:\n%s", tm("capture-pane", "-p", "-t", "0"))
		}

		pct := func(d time.Duration) float64 { return 100 * d.Seconds() / idle.Seconds() }
		b.ReportMetric(ms(d1.cpu-d0.cpu), "supd-idle-cpu-ms")
		b.ReportMetric(float64(d1.switches-d0.switches), "supd-idle-wakeups")
		b.ReportMetric(pct(t1.cpu-t0.cpu), "top-idle-cpu-%")
		b.ReportMetric(float64(n)/idle.Seconds(), "events/s")
		b.ReportMetric(pct(t3.cpu-t2.cpu), "top-busy-cpu-%")
		b.ReportMetric(pct(d3.cpu-d2.cpu), "supd-busy-cpu-%")
	}
}
