package notify

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// The test binary doubles as the program the tests run: a worker that
// speaks sd_notify or writes a readiness fd (SUPD_NOTIFY_TEST_CHILD set).
func TestMain(m *testing.M) {
	if mode := os.Getenv("SUPD_NOTIFY_TEST_CHILD"); mode != "" {
		os.Exit(child(mode, os.Args[1:]))
	}
	goleak.VerifyTestMain(m)
}

// child runs one of the helper programs. Each waits for a line on stdin
// before acting (so the test can set the stage first: a cgroup, a
// registration) unless SUPD_NOTIFY_TEST_NOWAIT is set, reports "done" on
// stdout, and then stays alive until stdin reaches EOF, so that the
// receiver can still read its /proc entry.
func child(mode string, args []string) int {
	in := bufio.NewReader(os.Stdin)
	if os.Getenv("SUPD_NOTIFY_TEST_NOWAIT") == "" {
		if _, err := in.ReadString('\n'); err != nil {
			return 2
		}
	}
	switch mode {
	case "send": // each argument is one datagram; $PID stands for the helper's pid
		for _, a := range args {
			a = strings.ReplaceAll(a, "$PID", strconv.Itoa(os.Getpid()))
			if ok, err := daemon.SdNotify(false, a); !ok || err != nil {
				fmt.Fprintln(os.Stderr, "sd_notify:", ok, err)
				return 1
			}
		}
	case "sendfd": // args[0] is a file to open and pass along with STATUS=fd
		if err := sendWithFD(args[0]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case "fds": // report fds 3..9 as "fd=target ...", then write args[1] to fd args[0]
		var open []string
		for fd := 3; fd < 10; fd++ {
			if l, err := os.Readlink(fmt.Sprint("/proc/self/fd/", fd)); err == nil {
				open = append(open, strconv.Itoa(fd)+"="+l)
			}
		}
		fmt.Println(strings.Join(open, " "))
		fd, _ := strconv.Atoi(args[0])
		if _, err := unix.Write(fd, []byte(args[1])); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			return 1
		}
	default:
		return 2
	}
	fmt.Println("done")
	io.Copy(io.Discard, in)
	return 0
}

func sendWithFD(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	addr := os.Getenv("NOTIFY_SOCKET")
	sa := &unix.SockaddrUnix{Name: addr}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Sendmsg(fd, []byte("STATUS=fd"), unix.UnixRights(int(f.Fd())), sa, 0)
}

// helper is a running helper program.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// startHelper runs the test binary as a helper in mode, in its own process
// group, with extra environment env. It is killed when the test ends.
func startHelper(t *testing.T, mode string, env []string, extra []*os.File, args ...string) *helper {
	t.Helper()
	return startCmd(t, exec.Command(os.Args[0], args...), append(env, "SUPD_NOTIFY_TEST_CHILD="+mode), extra)
}

func startCmd(t *testing.T, cmd *exec.Cmd, env []string, extra []*os.File) *helper {
	t.Helper()
	// The race runtime sleeps a second at exit unless told not to.
	cmd.Env = append(append(StripEnv(os.Environ()), "GORACE=atexit_sleep_ms=0"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.ExtraFiles = extra
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		stdin.Close()
		cmd.Wait()
	})
	return h
}

// go lets a waiting helper act.
func (h *helper) goAhead(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(h.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
}

// line reads the helper's next line of output, within a deadline.
func (h *helper) line(t *testing.T) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() {
		s, _ := h.out.ReadString('\n')
		ch <- strings.TrimSuffix(s, "\n")
	}()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("helper said nothing within 10s")
		return ""
	}
}

// finish closes the helper's stdin and waits for it to exit.
func (h *helper) finish(t *testing.T) {
	t.Helper()
	h.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("helper: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not exit within 10s")
	}
}

// within receives one value from ch or fails the test after d.
func within[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("no %s within %v", what, d)
		var zero T
		return zero
	}
}
