package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"supd/internal/testproc/testprocbuild"
)

// bin holds the binaries built for this run.
var bin struct {
	dir, supd, supctl, testproc string
}

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "supd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755)
	bin.dir = dir
	bin.supd = filepath.Join(dir, "supd")
	bin.supctl = filepath.Join(dir, "supctl")
	cmd := exec.Command("go", "build", "-o", dir+"/", "supd/cmd/supd", "supd/cmd/supctl")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building supd: %v\n%s", err, out)
		return 1
	}
	if bin.testproc, err = testprocbuild.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
