package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/internal/testuser"
)

// A worker run as another user gets that user's HOME, USER, LOGNAME and
// SHELL, not supd's (root's): programs find their own dotfiles and caches,
// not root's.
func TestUserWorkerEnvironment(t *testing.T) {
	u := testuser.New(t)
	d := startSupd(t, `version: 1
root:
  children:
    - name: w
      user: `+u.Name+`
      dir: /
      restart: temporary
      command: "echo HOME=$$HOME USER=$$USER LOGNAME=$$LOGNAME SHELL=$$SHELL; exec sleep 100"
`)
	want := "w | HOME=" + u.Home + " USER=" + u.Name + " LOGNAME=" + u.Name + " SHELL=" + u.Shell
	waitFor(t, "the worker's environment", 10*time.Second, func() bool { return strings.Contains(d.Stdout(), "w | HOME=") })
	if !strings.Contains(d.Stdout(), want) {
		t.Errorf("stdout %q, want %q", d.Stdout(), want)
	}
	d.signal(syscall.SIGTERM)
	d.wait(10 * time.Second)
}
