package osproc

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"

	"supd/internal/testproc/testprocbuild"
)

// testproc is the path of the helper program.
var testproc string

// Seen reaps (of all children, and of orphans alone) and cgroup removals,
// from the reaper's test hooks.
var (
	reapedPids    = newSeen[int]()
	reapedOrphans = newSeen[int]()
	removedDirs   = newSeen[string]()
	zombieStatus  sync.Map // pid → the kernel's exit_code of the zombie, as int
)

func TestMain(m *testing.M) {
	// Start's trampoline runs the test binary (Spec.PidEnv).
	if len(os.Args) > 1 && os.Args[1] == TrampolineArg {
		os.Exit(TrampolineMain(os.Args[2:]))
	}
	// So does the guardian (StartGuardian).
	if len(os.Args) > 1 && os.Args[1] == GuardianArg {
		os.Exit(GuardianMain(os.Args[2:]))
	}
	if os.Getenv(helperEnv) != "" {
		helperMain()
		return
	}
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	// The guardian is this binary, built with -race, whose exit would wait
	// a second for the race detector's report.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	dir, err := os.MkdirTemp("", "osproc-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Reachable by the uid of the credentials test.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// Built before the reaper starts: go build is waited for by os/exec.
	if testproc, err = testprocbuild.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testHookReaped = func(pid int, orphan bool) {
		reapedPids.note(pid)
		if orphan {
			reapedOrphans.note(pid)
		}
	}
	testHookRemoved = removedDirs.note
	testHookExited = func(pid int) {
		if code, err := zombieExitCode(pid); err == nil {
			zombieStatus.Store(pid, code)
		}
	}
	if err := Init(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	// Whatever a failed test left behind, reparented to us.
	KillAll()
	if code == 0 {
		if err := goleak.Find(
			goleak.IgnoreAnyFunction("supd/osproc.reapLoop"),
			goleak.IgnoreAnyFunction("supd/osproc.spawnLoop"),
		); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			return 1
		}
	}
	return code
}

// seen records when each key was last noted, in a sequence of notes, and
// lets tests wait for keys.
type seen[K comparable] struct {
	mu      sync.Mutex
	seq     uint64
	last    map[K]uint64
	changed chan struct{} // closed and replaced on every note
}

func newSeen[K comparable]() *seen[K] {
	return &seen[K]{last: map[K]uint64{}, changed: make(chan struct{})}
}

func (s *seen[K]) note(k K) {
	s.mu.Lock()
	s.seq++
	s.last[k] = s.seq
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// now is the sequence number to pass to waitSince; take it before the
// processes to wait for are started.
func (s *seen[K]) now() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// waitSince waits until every key was noted after since (a pid may have
// been reaped before, in an earlier life).
func (s *seen[K]) waitSince(t testing.TB, since uint64, keys []K, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		s.mu.Lock()
		var missing []K
		for _, k := range keys {
			if s.last[k] <= since {
				missing = append(missing, k)
			}
		}
		ch := s.changed
		s.mu.Unlock()
		if len(missing) == 0 {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("not seen within %v: %v", d, missing)
		}
	}
}

// waitDead waits until each process has ended (a zombie has), whoever its
// parent is: a pidfd becomes readable when its process ends.
func waitDead(t testing.TB, ps []procStat, d time.Duration) {
	t.Helper()
	var fds []unix.PollFd
	for _, st := range ps {
		fd, err := unix.PidfdOpen(st.pid, 0)
		if err != nil {
			continue // gone
		}
		defer unix.Close(fd)
		if now, err := readStat(st.pid); err != nil || now.start != st.start {
			continue // gone, the pid reused
		}
		fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
	}
	deadline := time.Now().Add(d)
	for len(fds) > 0 {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("%d processes still alive after %v", len(fds), d)
		}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if err != nil && err != unix.EINTR {
			t.Fatal(err)
		}
		if n > 0 {
			fds = slices.DeleteFunc(fds, func(p unix.PollFd) bool { return p.Revents != 0 })
		}
	}
}

// tp returns the argv that runs testproc with args.
func tp(args ...string) []string { return append([]string{testproc}, args...) }

// start starts spec and kills whatever is left at the end of the test.
func start(t testing.TB, spec Spec) *Proc {
	t.Helper()
	p, err := Start(spec)
	if err != nil {
		t.Fatalf("start %q: %v", spec.Argv, err)
	}
	t.Cleanup(func() {
		p.Kill()
		wait(t, p, 10*time.Second)
	})
	return p
}

// startReady starts testproc with args and -ready-fd 3, and waits for its
// newline: the grandchildren run and the pidfile is written.
func startReady(t testing.TB, spec Spec, args ...string) *Proc {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	spec.Argv = tp(append(args, "-ready-fd", fmt.Sprint(3+len(spec.ExtraFiles)))...)
	spec.ExtraFiles = append(spec.ExtraFiles, w)
	p := start(t, spec)
	w.Close()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil {
		t.Fatalf("testproc %q not ready: %v", args, err)
	}
	return p
}

// wait waits for p to end.
func wait(t testing.TB, p *Proc, d time.Duration) Exit {
	t.Helper()
	select {
	case <-p.Done():
		return p.Exit()
	case <-time.After(d):
		t.Fatalf("pid %d still running after %v", p.Pid(), d)
		return Exit{}
	}
}

// readPidfile reads testproc's "PID STARTTIME" lines.
func readPidfile(t testing.TB, name string) []procStat {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []procStat
	for l := range strings.Lines(string(b)) {
		var st procStat
		if _, err := fmt.Sscanf(l, "%d %d", &st.pid, &st.start); err != nil {
			t.Fatalf("pidfile line %q: %v", l, err)
		}
		out = append(out, st)
	}
	return out
}

func pidsOf(ps []procStat) []int {
	out := make([]int, len(ps))
	for i, st := range ps {
		out[i] = st.pid
	}
	return out
}

// cgroupBase is the directory below which workers get their cgroups, or ""
// when cgroups are not used.
func cgroupBase() string {
	if cgRoot == nil {
		return ""
	}
	return cgRoot.dir
}

// zombieExitCode reads the last field of /proc/PID/stat, exit_code: the
// kernel's own account of how an exited process ended, in the form of a
// wait status (the signal, and 0x80 when it dumped a core).
func zombieExitCode(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 50 {
		return 0, fmt.Errorf("stat of %d: no exit_code field", pid)
	}
	return strconv.Atoi(f[len(f)-1])
}
