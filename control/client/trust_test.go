package client

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/internal/testuser"
)

// Another user serves a socket where the client looks for supd (say, in
// a folder they could write): the client refuses to talk to it, unless told
// to trust that user.
func TestUntrustedServer(t *testing.T) {
	u := testuser.New(t)
	dir, err := os.MkdirTemp("", "supd-client-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	u.Chown(t, dir)
	sock := filepath.Join(dir, "supd.sock")

	// The test binary, where the user can run it.
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "server")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "SUPD_CLIENT_TEST_SERVE="+sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.Cred()}
	cmd.Dir = "/"
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	said := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		said <- s
	}()
	select {
	case s := <-said:
		if s != "listening\n" {
			t.Fatalf("server said %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not listen within 10s")
	}

	_, err = New(sock).Version(ctx(t))
	var untrusted *UntrustedError
	if !errors.As(err, &untrusted) || untrusted.UID != int(u.UID) {
		t.Fatalf("got %v, want the server refused as uid %d", err, u.UID)
	}
	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) || !strings.Contains(err.Error(), "cannot reach supd at "+sock+": the socket is served by uid "+strconv.Itoa(int(u.UID))+" ("+u.Name+"), who is neither root nor you") {
		t.Errorf("message %q", err)
	}
	if _, err := New(sock, TrustUID(int(u.UID))).Version(ctx(t)); err != nil {
		t.Errorf("trusting uid %d: %v", u.UID, err)
	}
}
