package bench

import (
	"bufio"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	workers = 1000
	idle    = 10 * time.Second
)

// BenchmarkThousandWorkers brings up 1000 workers of a long sleep under one
// `start: parallel` supervisor and measures the time until all run, supd's
// RSS then, its CPU time and wakeups (context switches) over 10 idle
// seconds, and the time to stop them all — each against the floor: one Go
// process that fork-execs the same 1000 sleeps and kills them, all at once
// or, as supd must by default (SPEC §2.1), one after another in reverse
// order; then the same tree with `stop: parallel` against the floor's stop
// of all at once. The "-cg" figures are against the same floor giving each
// start a fresh cgroup, removed after the reap, as supd does.
func BenchmarkThousandWorkers(b *testing.B) {
	for range b.N {
		f := runFloor(b, "spawn", idle)
		fseq := runFloor(b, "spawn-seq", 0)
		fcg := runFloor(b, "spawn-cg", 0)
		fseqcg := runFloor(b, "spawn-seq-cg", 0)
		var yaml strings.Builder
		yaml.WriteString("version: 1\nroot:\n  start: parallel\n  children:\n")
		for i := range workers {
			fmt.Fprintf(&yaml, "    - name: w%d\n      command: [\"sleep\", \"3600\"]\n", i)
		}
		t0 := time.Now()
		s := startSupd(b, yaml.String())
		s.waitLog(b, "path=/ state=running", 60*time.Second)
		up := time.Since(t0)
		pid := s.cmd.Process.Pid
		time.Sleep(time.Second) // let the log drain and the start settle
		rss := rssMiB(b, pid)
		u0 := readUsage(b, pid)
		time.Sleep(idle)
		u1 := readUsage(b, pid)
		down := s.stop(b)

		b.ReportMetric(up.Seconds()*1000, "up-ms")
		b.ReportMetric(rss, "rss-MiB")
		b.ReportMetric((u1.cpu-u0.cpu).Seconds()*1000, "idle-cpu-ms")
		b.ReportMetric(float64(u1.switches-u0.switches), "idle-wakeups")
		b.ReportMetric(down.Seconds()*1000, "stop-ms")
		b.ReportMetric(f.up.Seconds()*1000, "floor-up-ms")
		b.ReportMetric(f.rss, "floor-rss-MiB")
		b.ReportMetric(float64(f.idle.switches), "floor-idle-wakeups")
		b.ReportMetric(f.down.Seconds()*1000, "floor-stop-ms")
		b.ReportMetric(up.Seconds()/f.up.Seconds(), "up-ratio")
		b.ReportMetric(fseq.down.Seconds()*1000, "floor-seq-stop-ms")
		b.ReportMetric(down.Seconds()/fseq.down.Seconds(), "seq-stop-ratio")
		// The floor that also gives each start a fresh cgroup and removes
		// it after the reap, as supd does.
		b.ReportMetric(fcg.up.Seconds()*1000, "floor-cg-up-ms")
		b.ReportMetric(up.Seconds()/fcg.up.Seconds(), "up-ratio-cg")
		b.ReportMetric(fseqcg.down.Seconds()*1000, "floor-cg-seq-stop-ms")
		b.ReportMetric(down.Seconds()/fseqcg.down.Seconds(), "seq-stop-ratio-cg")

		// The same tree with `stop: parallel`, against the floor's stop
		// of all at once.
		ps := startSupd(b, strings.Replace(yaml.String(), "start: parallel\n", "start: parallel\n  stop: parallel\n", 1))
		ps.waitLog(b, "path=/ state=running", 60*time.Second)
		time.Sleep(time.Second)
		pdown := ps.stop(b)
		b.ReportMetric(pdown.Seconds()*1000, "par-stop-ms")
		b.ReportMetric(pdown.Seconds()/f.down.Seconds(), "par-stop-ratio")
		b.ReportMetric(fcg.down.Seconds()*1000, "floor-cg-stop-ms")
		b.ReportMetric(pdown.Seconds()/fcg.down.Seconds(), "par-stop-ratio-cg")
	}
}

type floorRun struct {
	up, down time.Duration
	rss      float64
	idle     usage
}

// runFloor runs the floor in mode "spawn" (stops all at once) or
// "spawn-seq" (stops one after another, as supd must), measuring idle
// usage over wait (none when 0).
func runFloor(b *testing.B, mode string, wait time.Duration) floorRun {
	return runFloorN(b, mode, workers, wait)
}

// runFloorN is runFloor with n processes.
func runFloorN(b *testing.B, mode string, n int, wait time.Duration) floorRun {
	b.Helper()
	cmd := exec.Command(bin.floor, mode, strconv.Itoa(n), "sleep", "3600")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "running ") {
		b.Fatalf("floor: %q", sc.Text())
	}
	var r floorRun
	r.up = time.Since(t0)
	time.Sleep(time.Second)
	r.rss = rssMiB(b, cmd.Process.Pid)
	u0 := readUsage(b, cmd.Process.Pid)
	time.Sleep(wait)
	u1 := readUsage(b, cmd.Process.Pid)
	r.idle = usage{cpu: u1.cpu - u0.cpu, switches: u1.switches - u0.switches}
	t1 := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "stopped ") {
		b.Fatalf("floor: %q", sc.Text())
	}
	r.down = time.Since(t1)
	return r
}
