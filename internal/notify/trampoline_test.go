package notify

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestWrapArgv(t *testing.T) {
	argv := []string{"server", "--port", "80", "--"}
	tests := []struct {
		name string
		t    Trampoline
		want []string
	}{
		{"nothing to do", Trampoline{}, argv},
		{"watchdog", Trampoline{WatchdogPID: true},
			[]string{"/proc/self/exe", "__supd_exec", "--watchdog-pid", "--", "server", "--port", "80", "--"}},
		{"moves", Trampoline{Moves: []Move{{3, 5}, {4, 3}}},
			[]string{"/proc/self/exe", "__supd_exec", "--move", "3:5", "--move", "4:3", "--", "server", "--port", "80", "--"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := WrapArgv(SelfExe, tc.t, argv)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if !tc.t.Needed() {
				return
			}
			// What WrapArgv writes, the trampoline reads back.
			back, rest, err := parseTrampoline(got[2:])
			if err != nil || !reflect.DeepEqual(back, tc.t) || !reflect.DeepEqual(rest, argv) {
				t.Fatalf("parsed back %+v %q %v", back, rest, err)
			}
		})
	}
}

func TestTrampolineFailures(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		execErr  error
		wantCode int
		wantErr  string
	}{
		{"no --", []string{}, nil, TrampolineUsage, "missing"},
		{"program without --", []string{"prog"}, nil, TrampolineUsage, "unknown option"},
		{"nothing after --", []string{"--"}, nil, TrampolineUsage, "no program"},
		{"unknown option", []string{"--frob", "--", "x"}, nil, TrampolineUsage, "unknown option"},
		{"bad move", []string{"--move", "1:5", "--", "x"}, nil, TrampolineUsage, "both >= 3"},
		{"move without value", []string{"--move"}, nil, TrampolineUsage, "FROM:TO"},
		{"not in PATH", []string{"--", "no-such-program-supd-test"}, nil, TrampolineNotFound, "no-such-program"},
		{"exec ENOENT", []string{"--", "/x/y"}, syscall.ENOENT, TrampolineNotFound, "/x/y"},
		{"exec EACCES", []string{"--", "/x/y"}, syscall.EACCES, TrampolineCannotExec, "permission denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := trampoline(tc.args, &stderr, func(string, []string, []string) error { return tc.execErr })
			if code != tc.wantCode || !strings.Contains(stderr.String(), tc.wantErr) {
				t.Fatalf("code %d, stderr %q; want %d and %q", code, stderr.String(), tc.wantCode, tc.wantErr)
			}
		})
	}
}

func TestTrampolineExecArgs(t *testing.T) {
	t.Setenv("WATCHDOG_PID", "1")
	var path string
	var argv, env []string
	trampoline([]string{"--watchdog-pid", "--", "sh", "-c", "x"}, new(bytes.Buffer), func(p string, a, e []string) error {
		path, argv, env = p, a, e
		return syscall.EPERM
	})
	want, _ := exec.LookPath("sh")
	if path != want || !reflect.DeepEqual(argv, []string{"sh", "-c", "x"}) {
		t.Fatalf("exec %q %q; want %q", path, argv, want)
	}
	var pids []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "WATCHDOG_PID="); ok {
			pids = append(pids, v)
		}
	}
	if !reflect.DeepEqual(pids, []string{strconv.Itoa(os.Getpid())}) {
		t.Fatalf("WATCHDOG_PID entries %q, want just %d", pids, os.Getpid())
	}
}

// TestTrampolineWatchdogPID runs a shell through the trampoline: the pid
// the trampoline wrote is the shell's own, and the one supd started.
func TestTrampolineWatchdogPID(t *testing.T) {
	argv := WrapArgv(os.Args[0], Trampoline{WatchdogPID: true}, []string{"sh", "-c", `echo "$WATCHDOG_PID $$"`})
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(StripEnv(os.Environ()), "GORACE=atexit_sleep_ms=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := fmt.Sprintf("%d %d\n", cmd.Process.Pid, cmd.Process.Pid)
	if string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}

// TestTrampolineMoves hands descriptors 3 and 4 to the trampoline and has
// it swap them and move one further: the worker sees exactly the targets,
// each still the pipe it was.
func TestTrampolineMoves(t *testing.T) {
	r1, w1, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()

	link := func(f *os.File) string {
		l, err := os.Readlink(fmt.Sprint("/proc/self/fd/", f.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	p1, p2 := link(w1), link(w2)

	// fd 3 = w1, fd 4 = w2. After: 4 = w1, 6 = w2; 3 closed.
	moves := Trampoline{Moves: []Move{{From: 3, To: 4}, {From: 4, To: 6}}}
	argv := WrapArgv(os.Args[0], moves, []string{os.Args[0], "6", "to-w2"})
	h := startCmd(t, exec.Command(argv[0], argv[1:]...),
		[]string{"SUPD_NOTIFY_TEST_CHILD=fds", "SUPD_NOTIFY_TEST_NOWAIT=1"}, []*os.File{w1, w2})
	w1.Close()
	w2.Close()
	// The worker, a Go program, may open files of its own (its runtime
	// reads cgroup CPU limits); only the pipes' places matter.
	fds := map[string]string{}
	for _, kv := range strings.Fields(h.line(t)) {
		fd, target, _ := strings.Cut(kv, "=")
		fds[target] += fd
	}
	if fds[p1] != "4" || fds[p2] != "6" {
		t.Fatalf("worker has pipe 1 at fd %q and pipe 2 at %q, want 4 and 6 only", fds[p1], fds[p2])
	}
	if got := h.line(t); got != "done" {
		t.Fatalf("worker said %q", got)
	}
	h.finish(t)
	buf := make([]byte, 16)
	n, _ := r2.Read(buf)
	if string(buf[:n]) != "to-w2" {
		t.Fatalf("pipe 2 got %q", buf[:n])
	}
}

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "prog")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plain"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		want string // "" for an error
	}{
		{"prog", []string{"PATH=/nonexistent:" + dir}, exe},
		{"prog", []string{"PATH=/x", "PATH=" + dir}, exe},
		{"prog", []string{"PATH=."}, ""},
		{"plain", []string{"PATH=" + dir}, ""},
		{"sub", []string{"PATH=" + dir}, ""},
		{"./rel/x", nil, "./rel/x"},
	}
	for _, tc := range tests {
		got, err := LookPath(tc.name, tc.env)
		if (tc.want == "") != (err != nil) || got != tc.want {
			t.Errorf("LookPath(%q, %q) = %q, %v; want %q", tc.name, tc.env, got, err, tc.want)
		}
	}
	// Without PATH, the default one applies.
	if got, err := LookPath("sh", nil); err != nil || !strings.HasSuffix(got, "/sh") {
		t.Errorf("LookPath(sh) without PATH = %q, %v", got, err)
	}
}
