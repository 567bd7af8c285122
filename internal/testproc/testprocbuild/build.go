package testprocbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

var build struct {
	once sync.Once
	path string
	err  error
}

// Build compiles testproc into dir/testproc (mode 0755, so a test can run it
// under another uid when dir is reachable) and returns its path. It builds
// once per process; later calls return the first result whatever their dir.
//
// Call it from TestMain before anything starts osproc's reaper: it waits for
// `go build` with os/exec, and the reaper would steal that child's exit.
func Build(dir string) (string, error) {
	build.once.Do(func() {
		_, self, _, ok := runtime.Caller(0)
		if !ok {
			build.err = fmt.Errorf("build testproc: cannot locate its source")
			return
		}
		out := filepath.Join(dir, "testproc")
		cmd := exec.Command("go", "build", "-o", out, ".")
		cmd.Dir = filepath.Dir(filepath.Dir(self))
		if msg, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("build testproc: %w: %s", err, strings.TrimSpace(string(msg)))
			return
		}
		if err := os.Chmod(out, 0o755); err != nil {
			build.err = fmt.Errorf("build testproc: %w", err)
			return
		}
		build.path = out
	})
	return build.path, build.err
}

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// Line is line seq (from 1) that `testproc -print` writes to stream ("out"
// or "err"), length bytes long without its newline (at least the prefix): the
// stream, the sequence number, and filler that depends on seq, so a reader
// can tell a lost, repeated, cut or spliced line.
func Line(stream string, seq, length int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %06d ", stream, seq)
	for i := seq; b.Len() < length; i++ {
		b.WriteByte(alphabet[i%len(alphabet)])
	}
	return b.String()
}

// BlobByte is byte i of what `testproc -blob` writes: the same alphabet,
// so that a reader can tell a lost, repeated or moved byte.
func BlobByte(i int64) byte { return alphabet[i%int64(len(alphabet))] }
