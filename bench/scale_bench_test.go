package bench

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scaleFDs is the open-file limit the scale benchmark gives itself and so
// the supd it starts: 10,000 workers need 2 pipes each in supd (20,256 fds
// with supd's headroom), above this machine's hard limit of 20,000.
const scaleFDs = 65536

// BenchmarkScale brings up 100, 1000 and 10,000 workers of a long sleep,
// under one `start: parallel`, `stop: parallel` supervisor ("flat") or
// spread over supervisors of 100 ("nested", e.g. 100 of 100), and measures
// the time until all run, supd's RSS, `supctl -o json status` (whole
// process, median of 5), supd's CPU and wakeups over 5 idle seconds, and
// the time to stop all of them (SIGTERM to supd → supd exited), against
// the floor's bring-up and stop of all at once of the same number. For
// the 10,000 it raises its own RLIMIT_NOFILE (soft and hard, which needs
// CAP_SYS_RESOURCE) to scaleFDs, which supd then inherits; where it cannot,
// it runs as many as fit below the hard limit and says so.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		for _, nested := range []bool{false, true} {
			shape := "flat"
			if nested {
				shape = "nested"
			}
			b.Run(fmt.Sprintf("%s-%d", shape, n), func(b *testing.B) {
				n := n
				if n > 1000 {
					n = raiseFDs(b, n)
				}
				for range b.N {
					scale(b, n, nested)
				}
			})
		}
	}
}

// raiseFDs raises the open-file limit for n workers and returns n; where
// the hard limit cannot be raised (no CAP_SYS_RESOURCE, as in some
// sandboxes) it returns the most workers, in hundreds, that fit below it.
func raiseFDs(b *testing.B, n int) int {
	b.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if lim.Max >= scaleFDs && lim.Cur >= scaleFDs {
		return n
	}
	// syscall.Setrlimit also keeps the Go runtime from restoring the old
	// soft limit in the children.
	err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: scaleFDs, Max: max(lim.Max, scaleFDs)})
	if err == nil {
		return n
	}
	fit := min(n, int(lim.Max-400)/2/100*100)
	b.Logf("raising RLIMIT_NOFILE to %d: %v; %d workers (2 fds each) fit below the hard limit of %d", scaleFDs, err, fit, lim.Max)
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: lim.Max, Max: lim.Max})
	return fit
}

func scaleYAML(n int, nested bool) string {
	var y strings.Builder
	y.WriteString("version: 1\nroot:\n  start: parallel\n  stop: parallel\n  children:\n")
	if !nested {
		for i := range n {
			fmt.Fprintf(&y, "    - name: w%d\n      command: [\"sleep\", \"3600\"]\n", i)
		}
		return y.String()
	}
	for s := range n / 100 {
		fmt.Fprintf(&y, "    - name: s%d\n      start: parallel\n      stop: parallel\n      children:\n", s)
		for i := range 100 {
			fmt.Fprintf(&y, "        - name: w%d\n          command: [\"sleep\", \"3600\"]\n", i)
		}
	}
	return y.String()
}

func scale(b *testing.B, n int, nested bool) {
	b.Helper()
	f := runFloorN(b, "spawn", n, 0)
	t0 := time.Now()
	s := startSupd(b, scaleYAML(n, nested))
	s.waitLog(b, "path=/ state=running", 120*time.Second)
	up := time.Since(t0)
	pid := s.cmd.Process.Pid
	time.Sleep(2 * time.Second) // let the start settle
	rss := rssMiB(b, pid)
	var times []time.Duration
	var size int
	for range 5 {
		cmd := exec.Command(bin.supctl, "--socket", s.socket, "-o", "json", "status")
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		t := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("supctl: %v: %s", err, stderr.Bytes())
		}
		times = append(times, time.Since(t))
		size = out.Len()
	}
	running := strings.Count(statusOf(b, s), `"state":"running"`)
	if running < n {
		b.Fatalf("%d nodes running, want %d workers", running, n)
	}
	time.Sleep(time.Second) // past supctl's requests
	u0 := readUsage(b, pid)
	time.Sleep(5 * time.Second)
	u1 := readUsage(b, pid)
	down := s.stop(b)

	b.ReportMetric(float64(n), "workers")
	b.ReportMetric(ms(up), "up-ms")
	b.ReportMetric(ms(f.up), "floor-up-ms")
	b.ReportMetric(up.Seconds()/f.up.Seconds(), "up-ratio")
	b.ReportMetric(rss, "rss-MiB")
	b.ReportMetric(ms(percentile(times, 50)), "status-ms")
	b.ReportMetric(float64(size)/1024, "status-KiB")
	b.ReportMetric(ms(u1.cpu-u0.cpu), "idle-cpu-ms")
	b.ReportMetric(float64(u1.switches-u0.switches), "idle-wakeups")
	b.ReportMetric(ms(down), "stop-ms")
	b.ReportMetric(ms(f.down), "floor-stop-ms")
	b.ReportMetric(down.Seconds()/f.down.Seconds(), "stop-ratio")
}

func statusOf(b *testing.B, s *supd) string {
	b.Helper()
	cmd := exec.Command(bin.supctl, "--socket", s.socket, "-o", "json", "status")
	cmd.Stderr = io.Discard
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("supctl: %v", err)
	}
	return string(out)
}
