package control

import (
	"bufio"
	"fmt"
	"io"
	"net"
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

// squatterEnv makes the test binary a stranger that opens connections and
// sends half a request on each (see squatterMain).
const squatterEnv = "SUPD_CONTROL_TEST_SQUATTER"

// squatterMain opens $SUPD_CONTROL_TEST_CONNS connections to sock, sends
// half a request header on each, says how many it holds and holds them
// until stdin closes.
func squatterMain(sock string) int {
	n, _ := strconv.Atoi(os.Getenv("SUPD_CONTROL_TEST_CONNS"))
	var held []net.Conn
	for range n {
		c, err := net.DialTimeout("unix", sock, time.Second)
		if err != nil {
			break
		}
		io.WriteString(c, "GET /v1/tree HTTP/1.1\r\nHost: supd\r\n")
		held = append(held, c)
	}
	fmt.Println(len(held))
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// An unauthorised peer opens connections and sends their requests' headers
// slowly, to hold the server's connection slots (MaxConns) until
// ReadTimeout: the server closes each at accept, so root's request goes
// through at once, and the audit lines stay few.
func TestAttackStrangerHoldsSlots(t *testing.T) {
	u := testuser.New(t)
	ts := startServer(t, newFakeBackend(), Options{MaxConns: 8, ReadTimeout: time.Minute})
	for _, p := range []string{filepath.Dir(filepath.Dir(ts.sock)), filepath.Dir(ts.sock)} {
		os.Chmod(p, 0o755)
	}
	os.Chmod(ts.sock, 0o666)
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), squatterEnv+"="+ts.sock, "SUPD_CONTROL_TEST_CONNS=64", "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.Cred()}
	cmd.Dir = "/"
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}()
	said := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		said <- strings.TrimSpace(s)
	}()
	select {
	case s := <-said:
		if s == "0" || s == "" {
			t.Fatalf("the stranger holds %q connections", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stranger did not connect within 10s")
	}
	c := unixClient(ts.sock)
	c.Timeout = 5 * time.Second
	resp, err := c.Get("http://supd/v1/tree")
	if err != nil {
		t.Fatalf("root's request while a stranger holds 64 half-sent requests: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("root got %d", resp.StatusCode)
	}
	if n := strings.Count(ts.log.String(), "access denied"); n > 25 {
		t.Errorf("%d audit lines for one stranger's connections", n)
	}
}
