package osproc

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestGuardMsg(t *testing.T) {
	w := watched{start: 4711, cgroup: "/sys/fs/cgroup/unified/supd.1.2/web api\n.7"}
	var b []byte
	b = appendWatch(b, 812, w)
	b = appendWatch(b, 9, watched{start: 1})
	b = appendForget(b, 812)
	b = append(b, "bye\n"...)
	want := []guardMsg{{"watch", 812, w}, {"watch", 9, watched{start: 1}}, {"forget", 812, watched{}}, {verb: "bye"}}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines %q, want %d", len(lines), b, len(want))
	}
	for i, l := range lines {
		if m, err := parseGuardMsg(l); err != nil || m != want[i] {
			t.Errorf("parseGuardMsg(%q) = %+v, %v; want %+v", l, m, err, want[i])
		}
	}
	for _, bad := range []string{"", "hello", "bye now", "forget", "forget x", "forget 0", "forget -3",
		"watch 1 2", "watch 1 x \"\"", "watch x 2 \"\"", "watch 1 2 nope", "watch 0 2 \"\""} {
		if m, err := parseGuardMsg(bad); err == nil {
			t.Errorf("parseGuardMsg(%q) = %+v, want an error", bad, m)
		}
	}
}

func TestParseGuardianArgs(t *testing.T) {
	tests := []struct {
		args []string
		want guardianArgs
		bad  bool
	}{
		{args: []string{"--supd", "812"}, want: guardianArgs{supd: 812}},
		{args: []string{"--supd", "812", "--base", "/a b", "--log-json"}, want: guardianArgs{supd: 812, base: "/a b", json: true}},
		{args: nil, bad: true},
		{args: []string{"--supd"}, bad: true},
		{args: []string{"--supd", "x"}, bad: true},
		{args: []string{"--supd", "1", "--base"}, bad: true},
		{args: []string{"--supd", "1", "--what"}, bad: true},
	}
	for _, tt := range tests {
		got, err := parseGuardianArgs(tt.args)
		if tt.bad != (err != nil) || (!tt.bad && got != tt.want) {
			t.Errorf("parseGuardianArgs(%q) = %+v, %v; want %+v (error %v)", tt.args, got, err, tt.want, tt.bad)
		}
	}
}

// TestSessionsLeft: the members of a known session, its leader and what
// hangs below them, but no session whose leader's pid was reused.
func TestSessionsLeft(t *testing.T) {
	all := []procStat{
		{pid: 1, ppid: 0, sid: 1, start: 1},
		{pid: 10, ppid: 1, sid: 10, start: 100},  // a live worker
		{pid: 11, ppid: 10, sid: 10, start: 101}, // its child
		{pid: 12, ppid: 11, sid: 12, start: 102}, // left the session, still linked
		{pid: 13, ppid: 1, sid: 20, start: 103},  // worker 20 died: its session lives on
		{pid: 14, ppid: 13, sid: 14, start: 104}, // left it, still linked
		{pid: 30, ppid: 1, sid: 30, start: 999},  // pid 30 reused: worker 30's session ended
		{pid: 31, ppid: 30, sid: 30, start: 1000},
		{pid: 40, ppid: 1, sid: 40, start: 400}, // not supd's
	}
	ws := map[int]watched{10: {start: 100}, 20: {start: 200}, 30: {start: 300}}
	var got []int
	for _, st := range sessionsLeft(all, ws) {
		got = append(got, st.pid)
	}
	want := []int{10, 11, 12, 11, 12, 13, 14}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sessionsLeft = %v, want %v", got, want)
	}
}

// startGuardian starts a guardian of the test process, logging to the
// returned log, and stops it at the end of the test.
func startGuardian(t *testing.T) (*guardian, testLog) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := StartGuardian(GuardianOptions{Log: slog.New(slog.NewTextHandler(f, nil))}); err != nil {
		t.Fatal(err)
	}
	regMu.Lock()
	g := guard
	regMu.Unlock()
	if g == nil {
		t.Fatal("no guardian after StartGuardian")
	}
	t.Cleanup(StopGuardian)
	return g, testLog(f.Name())
}

// testLog is a log file that the reaper's goroutine may be writing.
type testLog string

func (l testLog) String() string {
	b, _ := os.ReadFile(string(l))
	return string(b)
}

// TestGuardianIsVisibleAndDeaf: the guardian names itself, leads a session
// of its own, ignores what a terminal or `pkill supd` sends, and leaves
// after the goodbye, having killed nothing, and without a word in supd's log.
func TestGuardianIsVisibleAndDeaf(t *testing.T) {
	worker := startReady(t, Spec{}, "-sleep")
	g, log := startGuardian(t)
	pid := g.proc.Pid()
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	argv := strings.Split(string(cmdline), "\x00")
	if strings.TrimSpace(string(comm)) != guardianName || argv[0] != guardianName || argv[1] != GuardianArg {
		t.Errorf("guardian's comm %q, argv %q; want %s", comm, argv, guardianName)
	}
	if sid, err := unix.Getsid(pid); err != nil || sid != pid {
		t.Errorf("guardian's session %d, %v; want its own", sid, err)
	}
	environ, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	for _, kv := range strings.Split(strings.TrimSuffix(string(environ), "\x00"), "\x00") {
		if kv != "" && !strings.HasPrefix(kv, "GO") {
			t.Errorf("guardian's environment has %q", kv)
		}
	}
	if !strings.Contains(log.String(), fmt.Sprintf("msg=\"guardian started\" pid=%d", pid)) {
		t.Errorf("log %q", log)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGTSTP, syscall.SIGPIPE} {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatal(err)
		}
	}
	StopGuardian()
	select {
	case <-g.proc.Done():
	default:
		t.Fatal("StopGuardian returned before the guardian was reaped")
	}
	if e := g.proc.Exit(); e != (Exit{}) {
		t.Errorf("guardian's exit %v, want code 0", e)
	}
	if strings.Contains(log.String(), "level=ERROR") || strings.Contains(log.String(), "level=WARN") {
		t.Errorf("log %q", log)
	}
	if err := worker.Signal(0, false); err != nil {
		t.Errorf("the goodbye killed a worker: %v", err)
	}
	regMu.Lock()
	defer regMu.Unlock()
	if guard != nil {
		t.Error("a guardian is still set")
	}
}

// TestGuardianDeathIsLogged: supd says so when its guardian dies.
func TestGuardianDeathIsLogged(t *testing.T) {
	g, log := startGuardian(t)
	if err := syscall.Kill(g.proc.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wait(t, g.proc, 10*time.Second)
	select {
	case <-g.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the guardian's writer did not end")
	}
	want := fmt.Sprintf("level=ERROR msg=\"the guardian died: should supd die now, what its workers started outlives it until supd's next start\" pid=%d exit=\"signal KILL\"", g.proc.Pid())
	if !strings.Contains(log.String(), want) {
		t.Errorf("log %q, want %q", log, want)
	}
	regMu.Lock()
	defer regMu.Unlock()
	if guard != nil {
		t.Error("a dead guardian is still set")
	}
}

// TestGuardianKillsWhatSupdLeft kills a helper supd with SIGKILL: its
// guardian kills what the workers left, with and without cgroups, exits,
// and leaves no cgroup behind. One worker started before the guardian,
// the others after.
func TestGuardianKillsWhatSupdLeft(t *testing.T) {
	for _, cg := range []bool{false, true} {
		t.Run(fmt.Sprintf("cgroups %v", cg), func(t *testing.T) {
			if cg {
				needCgroups(t)
			}
			dir := t.TempDir()
			workers := []string{"-children 2", "-children 2 -double-fork-group"}
			if cg {
				// Out of reach of sessions: only the cgroup holds them.
				workers = append(workers, "-children 2 -setsid", "-children 2 -double-fork")
			}
			var helperArgs []string
			for i, w := range workers {
				helperArgs = append(helperArgs, fmt.Sprintf("%s -sleep -child-ignore-term %s -pidfile %s", testproc, w, filepath.Join(dir, strconv.Itoa(i))))
			}
			cgfile, guardfile := filepath.Join(dir, "cg"), filepath.Join(dir, "guardian")
			env := []string{helperEnv + "=" + strings.Join(helperArgs, " ; "), helperCgroupFile + "=" + cgfile, helperGuardianFile + "=" + guardfile}
			if !cg {
				env = append(env, CgroupsEnv+"=off")
			}
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			stderr, err := os.Create(filepath.Join(dir, "stderr"))
			if err != nil {
				t.Fatal(err)
			}
			defer stderr.Close()
			since := reapedOrphans.now()
			helper := startReadyArgv(t, Spec{Argv: []string{self}, Env: env, Stderr: stderr})
			var tree []procStat
			for i := range workers {
				tree = append(tree, readPidfile(t, filepath.Join(dir, strconv.Itoa(i)))...)
			}
			b, err := os.ReadFile(guardfile)
			if err != nil {
				t.Fatal(err)
			}
			guardian, _ := strconv.Atoi(string(b))
			worker, _ := os.ReadFile(cgfile)
			if cg != (len(worker) > 0) {
				t.Fatalf("helper's worker in cgroup %q", worker)
			}

			if err := helper.Signal(syscall.SIGKILL, false); err != nil {
				t.Fatal(err)
			}
			wait(t, helper, 10*time.Second)
			waitDead(t, tree, 10*time.Second)
			// The guardian was reparented to this process, a subreaper.
			reapedOrphans.waitSince(t, since, []int{guardian}, 10*time.Second)
			if base := filepath.Dir(string(worker)); cg {
				if _, err := os.Stat(base); !os.IsNotExist(err) {
					t.Errorf("the guardian left %s: %v", base, err)
				}
			}
			out, _ := os.ReadFile(stderr.Name())
			want := fmt.Sprintf("level=WARN msg=\"guardian: supd died: killed what its workers left\" supd=%d processes=", helper.Pid())
			if !strings.Contains(string(out), want) {
				t.Errorf("helper's stderr %q, want %q", out, want)
			}
		})
	}
}

// TestGuardianByHand: run without supd's pipes, the guardian refuses to
// start, and so kills nothing.
func TestGuardianByHand(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for _, extra := range [][]*os.File{nil, {null, null}} {
		p := start(t, Spec{Argv: []string{self, GuardianArg, "--supd", "1", "--base", "/nonexistent"}, ExtraFiles: extra})
		if e := wait(t, p, 10*time.Second); e != (Exit{Code: guardianUsage}) {
			t.Errorf("the guardian with fds 3, 4 = %v: exit %v, want code %d", extra, e, guardianUsage)
		}
	}
}

// TestGuardianNotReady: a guardian that ends before its newline is an error
// of StartGuardian's, with its exit.
func TestGuardianNotReady(t *testing.T) {
	ready, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer ready.Close()
	p := start(t, Spec{Argv: tp("-exit", "3"), ExtraFiles: []*os.File{w}})
	w.Close()
	err = awaitGuardian(ready, p)
	if err == nil || !strings.Contains(err.Error(), "start guardian: not ready (EOF): exit code 3") {
		t.Errorf("awaitGuardian = %v", err)
	}
}
