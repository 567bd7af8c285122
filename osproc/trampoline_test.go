package osproc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTrampolineArgv(t *testing.T) {
	argv := []string{"server", "--port", "80", "--"}
	got := trampolineArgv([]string{"WATCHDOG_PID", "MY_PID"}, "/usr/bin/server", argv)
	want := []string{"/proc/self/exe", "__supd_exec", "--pid-env", "WATCHDOG_PID", "--pid-env", "MY_PID", "--", "/usr/bin/server", "server", "--port", "80", "--"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// What trampolineArgv writes, the trampoline reads back.
	pidEnv, path, rest, err := parseTrampoline(got[2:])
	if err != nil || !slices.Equal(pidEnv, []string{"WATCHDOG_PID", "MY_PID"}) || path != "/usr/bin/server" || !slices.Equal(rest, argv) {
		t.Fatalf("parsed back %q %q %q %v", pidEnv, path, rest, err)
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
		{"no --", []string{}, nil, trampolineUsage, "missing"},
		{"program without --", []string{"prog"}, nil, trampolineUsage, "unknown option"},
		{"nothing after --", []string{"--"}, nil, trampolineUsage, "want PATH and ARGV"},
		{"no argv", []string{"--", "/bin/x"}, nil, trampolineUsage, "want PATH and ARGV"},
		{"unknown option", []string{"--frob", "--", "/bin/x", "x"}, nil, trampolineUsage, "unknown option"},
		{"pid-env without a name", []string{"--pid-env"}, nil, trampolineUsage, "variable name"},
		{"pid-env with =", []string{"--pid-env", "A=1", "--", "/bin/x", "x"}, nil, trampolineUsage, "variable name"},
		{"exec ENOENT", []string{"--", "/x/y", "y"}, syscall.ENOENT, trampolineNotFound, "/x/y"},
		{"exec EACCES", []string{"--", "/x/y", "y"}, syscall.EACCES, trampolineCannotExec, "permission denied"},
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
	trampoline([]string{"--pid-env", "WATCHDOG_PID", "--", "/bin/sh", "sh", "-c", "x"}, new(bytes.Buffer), func(p string, a, e []string) error {
		path, argv, env = p, a, e
		return syscall.EPERM
	})
	if path != "/bin/sh" || !reflect.DeepEqual(argv, []string{"sh", "-c", "x"}) {
		t.Fatalf("exec %q %q", path, argv)
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

// TestPidEnv starts testproc through the trampoline: the variables hold the
// pid Start returned, argv[0] is the one given, and nothing else changed.
func TestPidEnv(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "info")
	env := []string{"PATH=" + filepath.Dir(testproc), "A=1", "MY_PID=stale"}
	p := start(t, Spec{Argv: []string{"testproc", "-info", info}, Env: env, Dir: dir, PidEnv: []string{"WATCHDOG_PID", "MY_PID"}})
	if e := wait(t, p, 10*time.Second); e != (Exit{}) {
		t.Fatalf("exit %v", e)
	}
	got := readInfo(t, info)
	want := []string{env[0], "A=1", fmt.Sprintf("WATCHDOG_PID=%d", p.Pid()), fmt.Sprintf("MY_PID=%d", p.Pid())}
	if !slices.Equal(got["env"], want) {
		t.Errorf("env %q, want %q", got["env"], want)
	}
	if got["cwd"][0] != dir {
		t.Errorf("cwd %q, want %q", got["cwd"], dir)
	}
	if len(env) != 3 || env[2] != "MY_PID=stale" {
		t.Errorf("Spec.Env changed: %q", env)
	}
	// A program exec would refuse is still an error of Start, not the
	// trampoline's exit status.
	notExec := filepath.Join(dir, "plain")
	if err := os.WriteFile(notExec, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for prog, want := range map[string]string{
		"/nonexistent/x": `exec "/nonexistent/x": no such file or directory`,
		notExec:          fmt.Sprintf("exec %q: permission denied", notExec),
		"no-such-prog":   `exec "no-such-prog": file does not exist in $PATH`,
	} {
		if _, err := Start(Spec{Argv: []string{prog}, PidEnv: []string{"P"}}); err == nil || err.Error() != want {
			t.Errorf("Start(%s) error %v, want %s", prog, err, want)
		}
	}
}

// TestExtraFilesAt places a pipe at fd 6 with nil entries before it: the
// worker has it there and nothing of ours at 3, 4 or 5.
func TestExtraFilesAt(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	other, err := os.Open(os.DevNull) // open in supd: must not leak
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	pipe, err := os.Readlink(fmt.Sprint("/proc/self/fd/", w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	info := filepath.Join(t.TempDir(), "info")
	p := start(t, Spec{Argv: tp("-info", info, "-ready-fd", "6", "-sleep"), ExtraFiles: []*os.File{nil, nil, nil, w}})
	w.Close()
	// The newline comes after -info was written.
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 8)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "\n" {
		t.Errorf("read %q, %v from the pipe; want the worker's newline", buf[:n], err)
	}
	fds := map[string]string{}
	for _, l := range readInfo(t, info)["fd"] {
		fd, target, _ := strings.Cut(l, " ")
		fds[fd] = target
	}
	if fds["6"] != pipe {
		t.Errorf("fd 6 is %q, want the pipe %q", fds["6"], pipe)
	}
	for _, fd := range []string{"3", "4", "5"} {
		if fds[fd] == pipe || fds[fd] == os.DevNull {
			t.Errorf("fd %s is open on %q", fd, fds[fd])
		}
	}
	p.Kill()
	wait(t, p, 10*time.Second)
}
