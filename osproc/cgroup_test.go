package osproc

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseMountinfo(t *testing.T) {
	const hybrid = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
	tests := []struct {
		name string
		in   string
		want []mountPoint
	}{
		{"hybrid", hybrid, []mountPoint{{point: "/sys/fs/cgroup/unified", root: "/", rw: true}}},
		{"unified read-only", "29 23 0:26 / /sys/fs/cgroup ro,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n",
			[]mountPoint{{point: "/sys/fs/cgroup", root: "/"}}},
		{"optional fields and escapes", "29 23 0:26 /docker/abc /my\\040cg rw,nosuid shared:4 master:1 - cgroup2 none rw\n",
			[]mountPoint{{point: "/my cg", root: "/docker/abc", rw: true}}},
		{"v1 only", "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", nil},
		{"garbage", "x y z\n\n- cgroup2\n", nil},
	}
	for _, tt := range tests {
		got := parseMountinfo([]byte(tt.in))
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: parseMountinfo = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestParseCgroup(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{"9:name=systemd:/\n4:memory:/x\n0::/\n", "/", false},
		{"0::/system.slice/supd.service\n", "/system.slice/supd.service", false},
		{"9:name=systemd:/\n4:memory:/x\n0::/a/b\n", "/a/b", false},
		{"0::/supd.1.2/web_api.7", "/supd.1.2/web_api.7", false},
		{"0::/gone (deleted)\n", "/gone", false},
		{"4:memory:/x\n", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := parseCgroup([]byte(tt.in))
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("parseCgroup(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestCgroupOf(t *testing.T) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Skip(err)
	}
	want, err := parseCgroup(b)
	if err != nil {
		t.Skip("no cgroup v2 here")
	}
	if got, err := CgroupOf(os.Getpid()); err != nil || got != want {
		t.Errorf("CgroupOf(self) = %q, %v; want %q", got, err, want)
	}
	// pid_max is at most 2^22: this pid cannot exist.
	if _, err := CgroupOf(1 << 23); err == nil {
		t.Error("CgroupOf of a missing pid succeeded")
	}
}

func TestOwnCgroupDir(t *testing.T) {
	rw := mountPoint{point: "/sys/fs/cgroup", root: "/", rw: true}
	tests := []struct {
		name   string
		mounts []mountPoint
		own    string
		want   string // "" is an error
	}{
		{"root", []mountPoint{rw}, "/", "/sys/fs/cgroup"},
		{"service", []mountPoint{rw}, "/system.slice/supd.service", "/sys/fs/cgroup/system.slice/supd.service"},
		{"read-only", []mountPoint{{point: "/sys/fs/cgroup", root: "/"}}, "/", ""},
		{"none", nil, "/", ""},
		{"bind mount of own", []mountPoint{{point: "/cg", root: "/docker/abc", rw: true}}, "/docker/abc/x", "/cg/x"},
		{"not a path prefix", []mountPoint{{point: "/cg", root: "/docker/abc", rw: true}}, "/docker/abcd", ""},
		{"second mount fits", []mountPoint{{point: "/a", root: "/other", rw: true}, rw}, "/x", "/sys/fs/cgroup/x"},
	}
	for _, tt := range tests {
		got, err := ownCgroupDir(tt.mounts, tt.own)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: = %q, want an error", tt.name, got)
			}
		} else if err != nil || got != tt.want {
			t.Errorf("%s: = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestParseOOMKills(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
	}{
		{"low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\noom_group_kill 0\n", 1},
		{"oom 0\noom_kill 0\n", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := parseOOMKills([]byte(tt.in)); got != tt.want {
			t.Errorf("parseOOMKills(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// writableCgroup2 finds, independently of the code under test, whether this
// host has a writable cgroup2 mount.
func writableCgroup2(t *testing.T) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if strings.Contains(l, " - cgroup2 ") && strings.Contains(strings.Fields(l)[5], "rw") {
			return os.Geteuid() == 0
		}
	}
	return false
}

func needCgroups(t *testing.T) {
	t.Helper()
	if cgroupBase() == "" {
		if writableCgroup2(t) {
			t.Fatal("the host has a writable cgroup2 mount, but osproc does not use it")
		}
		t.Skip("no writable cgroup v2")
	}
}

func TestCgroupDetection(t *testing.T) {
	needCgroups(t)
	base := cgroupBase()
	self, _ := readStat(os.Getpid())
	if want := fmt.Sprintf("supd.%d.%d", self.pid, self.start); filepath.Base(base) != want {
		t.Errorf("base %s, want name %s", base, want)
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(base, &fs); err != nil || fs.Type != 0x63677270 { // CGROUP2_SUPER_MAGIC
		t.Errorf("base %s is not on cgroup2: %v", base, err)
	}
	if _, err := os.Stat("/sys/fs/cgroup/unified/cgroup.procs"); err == nil && !strings.HasPrefix(base, "/sys/fs/cgroup/unified/") {
		t.Errorf("hybrid host: base %s not under /sys/fs/cgroup/unified", base)
	}
}

// TestCgroupPerStart checks that every start gets a fresh cgroup, that the
// process is in it from birth, and that it is removed after the end.
func TestCgroupPerStart(t *testing.T) {
	needCgroups(t)
	var dirs []string
	for range 2 {
		p := startReady(t, Spec{Cgroup: "web/api"}, "-sleep")
		dir := p.Cgroup()
		if filepath.Dir(dir) != cgroupBase() || !strings.HasPrefix(filepath.Base(dir), "web_api.") {
			t.Fatalf("cgroup %q", dir)
		}
		procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil || strings.TrimSpace(string(procs)) != fmt.Sprint(p.Pid()) {
			t.Fatalf("cgroup.procs = %q, %v; want %d", procs, err, p.Pid())
		}
		// The kernel names the same cgroup as CgroupPath does.
		if got, err := CgroupOf(p.Pid()); err != nil || got != p.CgroupPath() {
			t.Errorf("CgroupOf(worker) = %q, %v; CgroupPath() = %q", got, err, p.CgroupPath())
		}
		dirs = append(dirs, dir)
		since := removedDirs.now()
		p.Kill()
		if e := wait(t, p, 10*time.Second); e.Signal != syscall.SIGKILL {
			t.Errorf("exit %v", e)
		}
		removedDirs.waitSince(t, since, []string{dir}, 10*time.Second)
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s still there: %v", dir, err)
		}
	}
	if dirs[0] == dirs[1] {
		t.Errorf("cgroup %s reused", dirs[0])
	}
	// An exec failure leaves no cgroup behind.
	since := removedDirs.now()
	before := cgroupDirs(t)
	if _, err := Start(Spec{Argv: []string{"/nonexistent/x"}, Cgroup: "fails"}); err == nil {
		t.Fatal("started /nonexistent/x")
	}
	for _, d := range cgroupDirs(t) {
		if !slices.Contains(before, d) {
			removedDirs.waitSince(t, since, []string{d}, 10*time.Second)
		}
	}
	// Without Spec.Cgroup the process stays in supd's cgroup.
	p := startReady(t, Spec{}, "-sleep")
	if p.Cgroup() != "" {
		t.Errorf("cgroup %q without Spec.Cgroup", p.Cgroup())
	}
}

// TestSupdKilled kills a helper supd with SIGKILL: its worker dies of the
// parent-death signal, the worker's double-forked grandchildren survive in
// the helper's cgroup, and the next supd's cgroup cleanup kills them and
// removes the cgroups.
func TestSupdKilled(t *testing.T) {
	needCgroups(t)
	dir := t.TempDir()
	pidfile, cgfile := filepath.Join(dir, "pids"), filepath.Join(dir, "cg")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := testproc + " -sleep -children 2 -double-fork -child-ignore-term -pidfile " + pidfile
	helper := startReadyArgv(t, Spec{
		Argv: []string{self},
		Env:  []string{helperEnv + "=" + args, "OSPROC_TEST_CGFILE=" + cgfile},
	})
	pids := readPidfile(t, pidfile)
	b, err := os.ReadFile(cgfile)
	if err != nil {
		t.Fatal(err)
	}
	worker, helperBase := string(b), filepath.Dir(string(b))

	if err := helper.Signal(syscall.SIGKILL, false); err != nil {
		t.Fatal(err)
	}
	if e := wait(t, helper, 10*time.Second); e.Signal != syscall.SIGKILL {
		t.Fatalf("helper exit %v", e)
	}
	// The worker died with its parent.
	waitDead(t, pids[:1], 10*time.Second)
	for _, g := range pids[1:] {
		if !alive(g.pid, g.start) {
			t.Fatalf("grandchild %d died with the helper: the cleanup is not tested", g.pid)
		}
	}
	dirs, populated := killLeftovers(filepath.Dir(helperBase), filepath.Base(cgroupBase()))
	if !containsAll(dirs, worker, helperBase) || !containsAll(populated, helperBase) {
		t.Errorf("leftovers %q (populated %q), want %s and %s", dirs, populated, worker, helperBase)
	}
	since := removedDirs.now()
	removec <- dirs
	waitDead(t, pids, 10*time.Second)
	removedDirs.waitSince(t, since, []string{worker, helperBase}, 10*time.Second)
}

// startReadyArgv starts spec with a pipe as fd 3 and waits for a newline.
func startReadyArgv(t *testing.T, spec Spec) *Proc {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	spec.ExtraFiles = []*os.File{w}
	if spec.Stderr == nil {
		spec.Stderr = os.Stderr
	}
	p := start(t, spec)
	w.Close()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 1)
	if _, err := r.Read(buf); err != nil {
		t.Fatalf("%q not ready: %v", spec.Argv, err)
	}
	return p
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

// cgroupDirs lists the cgroups below the base.
func cgroupDirs(t *testing.T) []string {
	ents, err := os.ReadDir(cgroupBase())
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range ents {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(cgroupBase(), e.Name()))
		}
	}
	return dirs
}
