package testprocbuild

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var testproc string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "testproc-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testproc, err = Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestLine(t *testing.T) {
	tests := []struct {
		stream string
		seq    int
		length int
		want   string
	}{
		{"out", 1, 20, "out 000001 bcdefghij"},
		{"err", 36, 14, "err 000036 abc"},
		{"out", 2, 5, "out 000002 "}, // never shorter than the prefix
	}
	for _, tt := range tests {
		if got := Line(tt.stream, tt.seq, tt.length); got != tt.want {
			t.Errorf("Line(%q, %d, %d) = %q, want %q", tt.stream, tt.seq, tt.length, got, tt.want)
		}
	}
	if Line("out", 1, 100) == Line("out", 2, 100)[:11]+Line("out", 1, 100)[11:] {
		t.Error("filler does not depend on the sequence number")
	}
}

// run runs testproc with args and a deadline, returning its wait error.
func run(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%q did not end", cmd.Args)
		return nil
	}
}

func TestEnding(t *testing.T) {
	tests := []struct {
		args []string
		code int
		sig  syscall.Signal
	}{
		{[]string{}, 0, 0},
		{[]string{"-exit", "7", "-after", "20ms"}, 7, 0},
		{[]string{"-signal", "TERM"}, -1, syscall.SIGTERM},
		{[]string{"-signal", "QUIT"}, -1, syscall.SIGQUIT},
		{[]string{"-signal", "9"}, -1, syscall.SIGKILL},
		{[]string{"-bogus"}, 2, 0},
	}
	for _, tt := range tests {
		err := run(t, exec.Command(testproc, tt.args...))
		var ee *exec.ExitError
		code, sig := 0, syscall.Signal(0)
		if errors.As(err, &ee) {
			ws := ee.Sys().(syscall.WaitStatus)
			code = ws.ExitStatus()
			if ws.Signaled() {
				sig = ws.Signal()
			}
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.code || sig != tt.sig {
			t.Errorf("%q: code %d signal %v, want %d %v", tt.args, code, sig, tt.code, tt.sig)
		}
	}
}

func TestFilesAndPrint(t *testing.T) {
	dir := t.TempDir()
	pidfile, info := filepath.Join(dir, "pids"), filepath.Join(dir, "info")
	cmd := exec.Command(testproc, "-pidfile", pidfile, "-info", info, "-print", "3", "-print-to", "out", "-line-len", "30")
	cmd.Env = []string{"A=1"}
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout = &out
	if err := run(t, cmd); err != nil {
		t.Fatal(err)
	}
	want := Line("out", 1, 30) + "\n" + Line("out", 2, 30) + "\n" + Line("out", 3, 30) + "\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	b, _ := os.ReadFile(pidfile)
	var pid int
	var start uint64
	if _, err := fmt.Sscanf(string(b), "%d %d\n", &pid, &start); err != nil || pid != cmd.Process.Pid || start == 0 {
		t.Errorf("pidfile %q for pid %d", b, cmd.Process.Pid)
	}
	b, _ = os.ReadFile(info)
	for _, l := range []string{"uid 0", "cwd " + dir, "env A=1"} {
		if os.Geteuid() != 0 && l == "uid 0" {
			continue
		}
		if !strings.Contains(string(b), l+"\n") {
			t.Errorf("info lacks %q:\n%s", l, b)
		}
	}
}

func TestNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cmd := exec.Command(testproc, "-notify-ready", "10ms", "-status", "up", "-children", "1", "-mainpid-child",
		"-watchdog", "5ms", "-watchdog-for", "50ms", "-after", "100ms")
	cmd.Env = []string{"NOTIFY_SOCKET=" + sock}
	// Its own group, so that the grandchild it leaves goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()
	done := make(chan error, 1)
	go func() { done <- run(t, cmd) }()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	var ready string
	watchdogs := 0
	for ready == "" || watchdogs < 2 {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (ready %q, %d watchdogs)", err, ready, watchdogs)
		}
		switch msg := string(buf[:n]); {
		case msg == "WATCHDOG=1":
			watchdogs++
		case strings.HasPrefix(msg, "READY=1\nSTATUS=up\nMAINPID="):
			ready = msg
		default:
			t.Errorf("unexpected datagram %q", msg)
		}
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func TestReadyFDAndServers(t *testing.T) {
	dir := t.TempDir()
	addrFile := filepath.Join(dir, "addr")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(testproc, "-ready-fd", "3", "-ready-after", "10ms", "-http", "127.0.0.1:0", "-http-fail-after", "300ms",
		"-tcp", "127.0.0.1:0", "-tcp-stop-after", "600ms", "-addr-file", addrFile, "-sleep")
	cmd.ExtraFiles = []*os.File{w}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	events := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			events <- sc.Text()
		}
		close(events)
	}()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(addrFile)
	var httpAddr, tcpAddr string
	if _, err := fmt.Sscanf(string(b), "http %s\ntcp %s\n", &httpAddr, &tcpAddr); err != nil {
		t.Fatalf("addr file %q: %v", b, err)
	}
	status := func() int {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+httpAddr+"/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(); s != 200 {
		t.Errorf("status %d before -http-fail-after", s)
	}
	c, err := net.DialTimeout("tcp", tcpAddr, 5*time.Second)
	if err != nil {
		t.Fatalf("tcp before -tcp-stop-after: %v", err)
	}
	c.Close()
	// Then both fail.
	timeout := time.After(10 * time.Second)
	for _, want := range []string{"testproc: http failing", "testproc: tcp stopped"} {
		select {
		case got := <-events:
			if got != want {
				t.Fatalf("stdout %q, want %q", got, want)
			}
		case <-timeout:
			t.Fatalf("no %q", want)
		}
	}
	if s := status(); s != 500 {
		t.Errorf("status %d after -http-fail-after", s)
	}
	if c, err := net.DialTimeout("tcp", tcpAddr, 5*time.Second); err == nil {
		c.Close()
		t.Error("tcp still accepting after -tcp-stop-after")
	}
}

func TestBlobAndPrintEvery(t *testing.T) {
	cmd := exec.Command(testproc, "-print", "1", "-print-to", "out", "-line-len", "20", "-blob", "100")
	var out strings.Builder
	cmd.Stdout = &out
	if err := run(t, cmd); err != nil {
		t.Fatal(err)
	}
	want := Line("out", 1, 20) + "\n"
	for i := range int64(100) {
		want += string(BlobByte(i))
	}
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}

	cmd = exec.Command(testproc, "-print-every", "5ms", "-line-len", "20", "-sleep")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for i := 1; i <= 5; i++ {
		select {
		case l := <-lines:
			if l != Line("out", i, 20) {
				t.Fatalf("line %d: %q", i, l)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no line %d within 5s", i)
		}
	}
}

func TestOpenFDs(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	cmd := exec.Command(testproc, "-open-fds", "500", "-children", "1", "-pidfile", pidfile, "-sleep")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Process.Kill(); cmd.Wait() }()
	var lines []string
	deadline := time.Now().Add(10 * time.Second)
	for len(lines) < 4 {
		if time.Now().After(deadline) {
			t.Fatal("no pidfile within 10s")
		}
		time.Sleep(10 * time.Millisecond)
		b, _ := os.ReadFile(pidfile)
		lines = strings.Fields(string(b))
		lines = lines[:len(lines)/2*2]
	}
	count := func(pid string) int {
		ents, err := os.ReadDir("/proc/" + pid + "/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	if n := count(lines[0]); n < 500 {
		t.Errorf("testproc holds %d fds, want 500 and more", n)
	}
	if n := count(lines[2]); n > 50 {
		t.Errorf("its grandchild inherited them: %d fds", n)
	}
}
