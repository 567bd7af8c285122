package bench

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// respawns is how many runs each side makes.
const respawns = 3000

// gaps reads a stamp file and returns each exit-to-next-start gap.
func gaps(b *testing.B, file string) []time.Duration {
	b.Helper()
	f, err := os.Open(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []time.Duration
	var lastExit int64 = -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		what, v, _ := strings.Cut(sc.Text(), " ")
		ns, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatalf("stamp line %q", sc.Text())
		}
		switch what {
		case "start":
			if lastExit >= 0 {
				out = append(out, time.Duration(ns-lastExit))
			}
		case "exit":
			lastExit = ns
		}
	}
	return out
}

func countLines(file string) int {
	b, _ := os.ReadFile(file)
	return strings.Count(string(b), "\n")
}

// BenchmarkRespawnGap measures the time from a worker's exit to the start
// of its next run, for a worker that exits at once with `backoff:
// {initial: 0s}`, against the floor: a Go loop that fork-execs and waits
// for the same program, and the same loop with each run in a fresh cgroup
// (the "-cg" figures), which supd's promise of a cgroup per start costs.
func BenchmarkRespawnGap(b *testing.B) {
	if bin.stamp == "" {
		b.Skip("no C compiler: the stamp helper could not be built")
	}
	for range b.N {
		floorGaps := floorRespawn(b, "respawn")
		cgGaps := floorRespawn(b, "respawn-cg")

		stampFile := filepath.Join(b.TempDir(), "supd.stamps")
		s := startSupd(b, `version: 1
root:
  max_restarts: 1000000
  period: 1s
  children:
    - name: quick
      command: ["`+bin.stamp+`"]
      env: {STAMP_FILE: "`+stampFile+`"}
      backoff: {initial: 0s}
`, "SUPD_LOG_LEVEL=error")
		deadline := time.Now().Add(60 * time.Second)
		for countLines(stampFile) < 2*respawns && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		s.stop(b)
		supdGaps := gaps(b, stampFile)
		if len(supdGaps) < respawns-1 {
			b.Fatalf("only %d respawns", len(supdGaps))
		}
		med, fmed := percentile(supdGaps, 50), percentile(floorGaps, 50)
		p99, fp99 := percentile(supdGaps, 99), percentile(floorGaps, 99)
		b.ReportMetric(float64(med.Microseconds()), "gap-median-µs")
		b.ReportMetric(float64(p99.Microseconds()), "gap-p99-µs")
		b.ReportMetric(float64(fmed.Microseconds()), "floor-median-µs")
		b.ReportMetric(float64(fp99.Microseconds()), "floor-p99-µs")
		b.ReportMetric(float64(med)/float64(fmed), "median-ratio")
		cmed, cp99 := percentile(cgGaps, 50), percentile(cgGaps, 99)
		b.ReportMetric(float64(cmed.Microseconds()), "floor-cg-median-µs")
		b.ReportMetric(float64(cp99.Microseconds()), "floor-cg-p99-µs")
		b.ReportMetric(float64(med)/float64(cmed), "median-ratio-cg")
	}
}

// floorRespawn runs the floor's respawn loop of the stamp helper in mode
// ("respawn", or "respawn-cg": each run in a fresh cgroup, as supd starts
// them) and returns its gaps.
func floorRespawn(b *testing.B, mode string) []time.Duration {
	b.Helper()
	file := filepath.Join(b.TempDir(), mode+".stamps")
	floor := exec.Command(bin.floor, mode, strconv.Itoa(respawns), bin.stamp)
	floor.Env = append(os.Environ(), "STAMP_FILE="+file)
	if out, err := floor.CombinedOutput(); err != nil {
		b.Fatalf("floor %s: %v\n%s", mode, err, out)
	}
	return gaps(b, file)
}
