package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// supd hands its workers no descriptor but 0, 1 and 2 (SPEC §2.1): none
// of its own, and none that it inherited without close-on-exec (from a
// shell, a service manager, a sloppy parent) either, which it marks so at
// start.
func TestInheritedFDsDoNotReachWorkers(t *testing.T) {
	dir, path, socket := writeConfig(t, `version: 1
root:
  children:
    - name: w
      command: "for f in /proc/$$$$/fd/*; do echo $$f $$(readlink $$f); done > {{DIR}}/fds.tmp; mv {{DIR}}/fds.tmp {{DIR}}/fds; exec sleep 100"
`)
	marker, err := os.Create(filepath.Join(dir, "inherited-by-supd"))
	if err != nil {
		t.Fatal(err)
	}
	defer marker.Close()
	d := startSupdAt(t, &daemon{t: t, dir: dir, config: path, socket: socket, extra: []*os.File{marker}})
	fds := filepath.Join(dir, "fds")
	b, err := waitFile(fds, time.Now().Add(10*time.Second), func(b []byte) bool { return len(b) > 0 })
	if err != nil {
		t.Fatalf("the worker did not list its fds: %v", err)
	}
	if strings.Contains(string(b), marker.Name()) {
		t.Errorf("the worker has the fd that supd inherited:\n%s", b)
	}
	d.signal(syscall.SIGTERM)
	d.wait(10 * time.Second)
}
