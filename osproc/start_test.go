package osproc

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/internal/testproc/testprocbuild"
)

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want Exit
	}{
		{[]string{"-exit", "0"}, Exit{}},
		{[]string{"-exit", "3"}, Exit{Code: 3}},
		{[]string{"-exit", "255", "-after", "50ms"}, Exit{Code: 255}},
	}
	for _, tt := range tests {
		var calls int
		var got Exit
		p := start(t, Spec{Argv: tp(tt.args...), OnExit: func(e Exit) { calls++; got = e }})
		if e := wait(t, p, 10*time.Second); e != tt.want {
			t.Errorf("%q: Exit() = %+v, want %+v", tt.args, e, tt.want)
		}
		if calls != 1 || got != tt.want {
			t.Errorf("%q: OnExit called %d times with %+v", tt.args, calls, got)
		}
	}
}

func TestDeathBySignal(t *testing.T) {
	dir := t.TempDir() // a relative core_pattern writes cores here
	tests := []struct {
		args []string
		want Exit
	}{
		{[]string{"-signal", "TERM"}, Exit{Signal: syscall.SIGTERM}},
		{[]string{"-signal", "KILL"}, Exit{Signal: syscall.SIGKILL}},
		{[]string{"-signal", "SEGV"}, Exit{Signal: syscall.SIGSEGV}},
		{[]string{"-signal", "ABRT"}, Exit{Signal: syscall.SIGABRT}},
		// Whether a core is dumped is up to the host (core_pattern,
		// limits): the flag is checked against the kernel's own report.
		{[]string{"-signal", "ABRT", "-core"}, Exit{Signal: syscall.SIGABRT}},
	}
	cores := 0
	for _, tt := range tests {
		p := start(t, Spec{Argv: tp(tt.args...), Dir: dir})
		e := wait(t, p, 10*time.Second)
		code, ok := zombieStatus.Load(p.Pid())
		if !ok {
			t.Fatalf("%q: the kernel's exit_code of %d was not read before the reap", tt.args, p.Pid())
		}
		kernel := code.(int)
		want := tt.want
		want.Core = kernel&0x80 != 0
		if e != want || int(e.Signal) != kernel&0x7f {
			t.Errorf("%q: Exit() = %+v, want %+v (the kernel's exit_code %#x)", tt.args, e, want, kernel)
		}
		if e.Core {
			cores++
		}
	}
	// Core false everywhere would prove little: a host whose cores go to a
	// file must have dumped the one that -core allowed.
	pattern, _ := os.ReadFile("/proc/sys/kernel/core_pattern")
	switch {
	case cores > 0:
	case strings.HasPrefix(string(pattern), "|"):
		t.Logf("no core dumped: core_pattern %q hands cores to a program, which may refuse them", strings.TrimSpace(string(pattern)))
	default:
		t.Errorf("no core dumped for -core, with core_pattern %q", strings.TrimSpace(string(pattern)))
	}
}

func TestSignal(t *testing.T) {
	p := startReady(t, Spec{}, "-sleep")
	if err := p.Signal(syscall.SIGTERM, false); err != nil {
		t.Fatal(err)
	}
	if e := wait(t, p, 10*time.Second); e != (Exit{Signal: syscall.SIGTERM}) {
		t.Errorf("after SIGTERM: %+v", e)
	}
	err := p.Signal(syscall.SIGTERM, false)
	if !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signal after exit = %v, want os.ErrProcessDone", err)
	}
	p.Kill() // harmless after the end

	// An ignored SIGTERM leaves it running until Kill.
	p = startReady(t, Spec{}, "-sleep", "-ignore-term")
	if err := p.Signal(syscall.SIGTERM, true); err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(0, false); err != nil {
		t.Fatalf("after an ignored SIGTERM: %v", err)
	}
	p.Kill()
	if e := wait(t, p, 10*time.Second); e != (Exit{Signal: syscall.SIGKILL}) {
		t.Errorf("after Kill: %+v", e)
	}
}

func TestExecErrors(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644)
	os.WriteFile(garbage, []byte{0, 1, 2, 3}, 0o755)
	tests := []struct {
		name string
		spec Spec
		msg  string
		is   error
	}{
		{"missing", Spec{Argv: []string{"/nonexistent/prog"}}, `exec "/nonexistent/prog": no such file or directory`, syscall.ENOENT},
		{"not executable", Spec{Argv: []string{noexec}}, fmt.Sprintf("exec %q: permission denied", noexec), syscall.EACCES},
		{"not a program", Spec{Argv: []string{garbage}}, fmt.Sprintf("exec %q: exec format error", garbage), syscall.ENOEXEC},
		{"a directory", Spec{Argv: []string{dir}}, fmt.Sprintf("exec %q: permission denied", dir), syscall.EACCES},
		{"not in PATH", Spec{Argv: []string{"no-such-prog"}, Env: []string{"PATH=" + dir}}, `exec "no-such-prog": file does not exist in $PATH`, fs.ErrNotExist},
		{"bad dir", Spec{Argv: tp(), Dir: "/nonexistent"}, `chdir "/nonexistent": no such file or directory`, syscall.ENOENT},
		{"dir is a file", Spec{Argv: tp(), Dir: noexec}, fmt.Sprintf("chdir %q: not a directory", noexec), syscall.ENOTDIR},
		{"empty argv", Spec{}, "start: empty argv", nil},
	}
	for _, tt := range tests {
		p, err := Start(tt.spec)
		if err == nil {
			p.Kill()
			t.Errorf("%s: started pid %d", tt.name, p.Pid())
			continue
		}
		if err.Error() != tt.msg {
			t.Errorf("%s: error %q, want %q", tt.name, err, tt.msg)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: error %v is not %v", tt.name, err, tt.is)
		}
	}
}

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	os.WriteFile(prog, nil, 0o755)
	os.WriteFile(filepath.Join(dir, "plain"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	tests := []struct {
		name string
		env  []string
		want string // "" is an error
	}{
		{"prog", []string{"PATH=/nonexistent:" + dir}, prog},
		{"prog", []string{"PATH=" + dir, "PATH=/nonexistent"}, ""}, // the last PATH wins
		{"plain", []string{"PATH=" + dir}, ""},
		{"sub", []string{"PATH=" + dir}, ""},
		{"sh", nil, "/bin/sh"}, // the default PATH; /usr/bin/sh where /bin links to it
		{"./prog", []string{"PATH=" + dir}, "./prog"},
		{"/x/prog", nil, "/x/prog"},
	}
	t.Chdir(dir)
	tests = append(tests, struct {
		name string
		env  []string
		want string
	}{"prog", []string{"PATH=."}, ""}) // relative entries are skipped
	for _, tt := range tests {
		got, err := LookPath(tt.name, tt.env)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("LookPath(%q, %q) = %q, want an error", tt.name, tt.env, got)
		case tt.want == "/bin/sh" && err == nil && (got == "/bin/sh" || got == "/usr/bin/sh" || got == "/usr/local/bin/sh"):
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("LookPath(%q, %q) = %q, %v; want %q", tt.name, tt.env, got, err, tt.want)
		}
	}
}

func TestEnvDirAndPath(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "info")
	env := []string{"PATH=/nonexistent:" + filepath.Dir(testproc), "FOO=bar baz", "EMPTY="}
	p := start(t, Spec{Argv: []string{"testproc", "-info", info}, Env: env, Dir: dir})
	if e := wait(t, p, 10*time.Second); e != (Exit{}) {
		t.Fatalf("exit %v", e)
	}
	got := readInfo(t, info)
	if got["cwd"][0] != dir {
		t.Errorf("cwd = %q, want %q", got["cwd"], dir)
	}
	if !slices.Equal(got["env"], env) {
		t.Errorf("env = %q, want %q", got["env"], env)
	}
}

func TestCred(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	p := startReady(t, Spec{Cred: &Cred{UID: 65534, GID: 65533, Groups: []uint32{65532, 65531}}}, "-sleep")
	want := map[string]string{"Uid": "65534 65534 65534 65534", "Gid": "65533 65533 65533 65533", "Groups": "65531 65532"}
	if got := procStatus(t, p.Pid()); !maps.Equal(got, want) {
		t.Errorf("status = %q, want %q", got, want)
	}
	// No supplementary groups: root's are not kept.
	p = startReady(t, Spec{Cred: &Cred{UID: 65534, GID: 65534}}, "-sleep")
	if got := procStatus(t, p.Pid())["Groups"]; got != "" {
		t.Errorf("groups = %q, want none", got)
	}
}

// procStatus returns the Uid, Gid and Groups lines of /proc/PID/status.
func procStatus(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for l := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(l, ":")
		if k == "Uid" || k == "Gid" || k == "Groups" {
			m[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return m
}

func TestStdio(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const n = 2000
	p := start(t, Spec{Argv: tp("-print", fmt.Sprint(n), "-line-len", "300"), Stdout: w, Stderr: w})
	w.Close()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	sc := bufio.NewScanner(r)
	next := map[string]int{"out": 1, "err": 1}
	for sc.Scan() {
		stream := sc.Text()[:3]
		if want := testprocbuild.Line(stream, next[stream], 300); sc.Text() != want {
			t.Fatalf("line %q, want %q", sc.Text(), want)
		}
		next[stream]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if next["out"] != n+1 || next["err"] != n+1 {
		t.Errorf("lines read: %v, want %d each", next, n)
	}
	if e := wait(t, p, 10*time.Second); e != (Exit{}) {
		t.Errorf("exit %v", e)
	}
}

// readInfo reads testproc's -info file: key to values.
func readInfo(t *testing.T, name string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]string{}
	for l := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(strings.TrimSuffix(l, "\n"), " ")
		m[k] = append(m[k], v)
	}
	return m
}

// A folder that another user may not enter is named in the start's error,
// instead of an exec that seems to fail.
func TestStartNamesAFolderTheUserCannotEnter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a process as another user")
	}
	dir := filepath.Join(t.TempDir(), "private")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(filepath.Dir(dir), 0o755)
	_, err := Start(Spec{Argv: []string{"/bin/true"}, Dir: dir, Cred: &Cred{UID: 65534, GID: 65534}})
	if err == nil || !strings.Contains(err.Error(), "chdir") || !strings.Contains(err.Error(), "private") {
		t.Fatalf("err = %v, want a chdir error naming the folder", err)
	}
	if err := checkSearch(dir, &Cred{UID: 0}); err != nil {
		t.Fatalf("root: %v", err)
	}
}
