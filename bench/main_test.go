package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"supd/internal/testproc/testprocbuild"
)

// bin holds the programs built for this run: supd, supctl, the floor, the
// stamp helper (C, when a C compiler exists) and testproc.
var bin struct {
	dir, supd, supctl, floor, lines, stamp, testproc string
}

// profileDir, from $BENCH_PROFILE, is where each supd a benchmark starts
// writes its CPU profile (supd built with -tags pprof), named after the
// benchmark: `BENCH_PROFILE=/tmp/prof go test -bench ThousandWorkers`, then
// `go tool pprof -top /tmp/prof/BenchmarkThousandWorkers-1.pprof`.
var profileDir = os.Getenv("BENCH_PROFILE")

func TestMain(m *testing.M) { os.Exit(buildAndRun(m)) }

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "supd-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755)
	bin.dir = dir
	bin.supd = filepath.Join(dir, "supd")
	bin.supctl = filepath.Join(dir, "supctl")
	bin.floor = filepath.Join(dir, "floor")
	bin.lines = filepath.Join(dir, "lines")
	args := []string{"build", "-o", dir + "/"}
	if profileDir != "" {
		args = append(args, "-tags", "pprof")
	}
	build := exec.Command("go", append(args, "supd/cmd/supd", "supd/cmd/supctl", "supd/bench/floor", "supd/bench/lines")...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building: %v\n%s", err, out)
		return 1
	}
	if cc, err := exec.LookPath("cc"); err == nil {
		out := filepath.Join(dir, "stamp")
		if msg, err := exec.Command(cc, "-O2", "-static", "-o", out, "stamp/stamp.c").CombinedOutput(); err == nil {
			bin.stamp = out
		} else {
			fmt.Fprintf(os.Stderr, "building stamp: %v\n%s", err, msg)
		}
	}
	if bin.testproc, err = testprocbuild.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
