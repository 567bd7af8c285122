package e2e

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"supd/control/api"
)

// A stderr that never drains (a stalled journal) does not stop the tree:
// supd's log is written behind a bounded queue, so a crash loop that logs
// three lines a restart goes on far past what the pipe holds, and the
// control socket answers.
func TestStalledStderrDoesNotStopTheTree(t *testing.T) {
	dir, path, socket := writeConfig(t, `version: 1
root:
  max_restarts: 1000000
  period: 1s
  children:
    - name: loop
      command: ["{{TESTPROC}}", "-exit", "1"]
      backoff: {initial: 0s}
`)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() // held open, never read: writes block once 64 KiB wait
	cmd := exec.Command(bin.supd, "--config", path, "--socket", socket)
	cmd.Stderr = w
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	d := &daemon{t: t, dir: dir, config: path, socket: socket}
	d.waitNode("loop", "2000 restarts", 60*time.Second, func(n api.Node) bool { return n.Restarts >= 2000 })
}
