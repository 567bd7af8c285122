package daemon

import (
	"fmt"
	"os"
	"testing"

	"supd/internal/testproc/testprocbuild"
)

// testprocPath is the helper program the daemon tests supervise.
var testprocPath string

// The test binary doubles as supd's trampoline and guardian, as the supd
// binary does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == TrampolineArg {
		os.Exit(TrampolineMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == GuardianArg {
		os.Exit(GuardianMain(os.Args[2:]))
	}
	dir, err := os.MkdirTemp("", "supd-daemon-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Built before osproc's reaper starts: it would reap `go build`.
	testprocPath, err = testprocbuild.Build(dir)
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
