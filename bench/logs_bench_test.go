package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The log benchmark's output: 200 MB of 100-byte lines.
const (
	logLines    = 2_000_000
	logLineSize = 100
	logBytes    = logLines * logLineSize
)

// BenchmarkLogs200MB has one worker write 200 MB of 100-byte lines to its
// stdout as fast as the pipe takes them, into its log file (and supd's
// ring), and measures the throughput from the writer's first instruction
// until the file holds every byte, and supd's CPU time for it; then it
// checks that the file holds every line, whole, once, in order. The floor
// is a Go program that copies the same writer's pipe into a file. With
// "follower", `supctl logs -f` follows the worker meanwhile; it reports how
// many lines the follower got before it lagged (all of them, when it kept
// up).
func BenchmarkLogs200MB(b *testing.B) {
	for _, follow := range []bool{false, true} {
		name := "file"
		if follow {
			name = "file+follower"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				floor := logFloor(b)
				mbs, cpu, got := logSupd(b, follow)
				b.ReportMetric(mbs, "MB/s")
				b.ReportMetric(cpu.Seconds()*1000, "supd-cpu-ms")
				b.ReportMetric(floor, "floor-MB/s")
				b.ReportMetric(mbs/floor, "ratio")
				if follow {
					b.ReportMetric(float64(got), "followed-lines")
				}
			}
		})
	}
}

// logFloor runs the floor's copy and returns its MB/s.
func logFloor(b *testing.B) float64 {
	b.Helper()
	dir := b.TempDir()
	file, stamp := filepath.Join(dir, "out.log"), filepath.Join(dir, "stamp")
	cmd := exec.Command(bin.floor, "copy", file, bin.lines, strconv.Itoa(logLines), strconv.Itoa(logLineSize), stamp)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Wait() }()
	d := waitSize(b, file, stamp)
	checkLines(b, file)
	return logBytes / d.Seconds() / 1e6
}

// logSupd runs the writer under supd, started by supctl once supd is
// idle, and returns its MB/s, supd's CPU time from the start until the
// worker exited, and, with follow, how many of its lines the follower got.
func logSupd(b *testing.B, follow bool) (mbs float64, cpu time.Duration, followed int) {
	b.Helper()
	dir := b.TempDir()
	file, stamp := filepath.Join(dir, "out.log"), filepath.Join(dir, "stamp")
	s := startSupd(b, fmt.Sprintf(`version: 1
root:
  children:
    - name: out
      command: [%q, "%d", "%d", %q]
      restart: temporary
      autostart: false
      logs: {file: %q, max_size: 1GiB, forward: false}
`, bin.lines, logLines, logLineSize, stamp, file))
	s.waitLog(b, "path=/ state=running", 30*time.Second)
	var counted chan int
	if follow {
		counted = make(chan int, 1)
		f := exec.Command(bin.supctl, "--socket", s.socket, "logs", "-f", "-n", "0", "out")
		out, err := f.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = f.Process.Kill(); _ = f.Wait() })
		go func() {
			n := 0
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if bytes.Contains(sc.Bytes(), []byte(" lmnop")) {
					n++
				}
			}
			counted <- n
		}()
		time.Sleep(200 * time.Millisecond) // following before the start
	}
	pid := s.cmd.Process.Pid
	u0 := readUsage(b, pid)
	if out, err := exec.Command(bin.supctl, "--socket", s.socket, "start", "out").CombinedOutput(); err != nil {
		b.Fatalf("supctl start: %v: %s", err, out)
	}
	d := waitSize(b, file, stamp)
	s.waitLog(b, "path=out state=exited", 30*time.Second)
	u1 := readUsage(b, pid)
	checkLines(b, file)
	s.stop(b) // the follower has all there is once supd is gone
	if follow {
		select {
		case followed = <-counted:
		case <-time.After(30 * time.Second):
			b.Fatal("the follower did not end")
		}
		if followed != logLines {
			// Not a failure: a follower that falls behind is told so and
			// dropped, so that neither the tree nor the file waits for it.
			b.Logf("the follower got %d of %d lines before it lagged", followed, logLines)
		}
	}
	return logBytes / d.Seconds() / 1e6, u1.cpu - u0.cpu, followed
}

// waitSize waits until file holds logBytes and returns the time since the
// writer's start, as stamped in stamp.
func waitSize(b *testing.B, file, stamp string) time.Duration {
	b.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(file); err == nil && fi.Size() >= logBytes {
			now := monotonic()
			st, err := os.ReadFile(stamp)
			if err != nil {
				b.Fatal(err)
			}
			t0, err := strconv.ParseInt(string(st), 10, 64)
			if err != nil {
				b.Fatalf("stamp %q: %v", st, err)
			}
			return time.Duration(now - t0)
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("%s did not reach %d bytes within 60s", file, logBytes)
	return 0
}

func monotonic() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// checkLines fails unless file holds the writer's lines 1..logLines, each
// whole and once, in order, and nothing else.
func checkLines(b *testing.B, file string) {
	b.Helper()
	f, err := os.Open(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	want := 0
	for {
		l, err := r.ReadSlice('\n')
		if len(l) == 0 && err != nil {
			break
		}
		want++
		n, perr := strconv.Atoi(string(l[:min(10, len(l))]))
		if len(l) != logLineSize || perr != nil || n != want {
			b.Fatalf("%s: line %d is %q", file, want, l[:min(40, len(l))])
		}
	}
	if want != logLines {
		b.Fatalf("%s: %d lines, want %d", file, want, logLines)
	}
}
