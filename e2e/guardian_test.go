package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killedWithin is how soon after supd's SIGKILL nothing of its tree may be
// left (SPEC §2.1).
const killedWithin = time.Second

// treeWorkers are workers whose grandchildren leave in every way a process
// can, each -sleep with its pidfile (main, then 2 grandchildren) under
// {{DIR}}/NAME.pid; reach tells whether the grandchildren can be found
// without cgroups: by session, or by their parent link to the worker while
// the worker lives (it dies of the parent-death signal as the guardian
// looks, so maybe).
var treeWorkers = []struct {
	name, flags string
	reach       reach
}{
	{"fork", "", always},                    // in the worker's group
	{"group", "-double-fork-group", always}, // a group of their own, reparented
	{"session", "-setsid", maybe},           // a session of their own, the worker's children
	{"daemon", "-double-fork", never},       // a session of their own, reparented
	{"shell", "sh", always},                 // `sleep & exec sleep` through a shell: main and 1
}

type reach int

const (
	always reach = iota
	maybe
	never
)

// treeConfig is a config of treeWorkers.
func treeConfig() string {
	var b strings.Builder
	b.WriteString("version: 1\nroot:\n  start: parallel\n  children:\n")
	for _, w := range treeWorkers {
		if w.flags == "sh" {
			// $$ is a $ in a config.
			fmt.Fprintf(&b, "    - name: %s\n      command: \"sleep 3600 & echo $$$$ > {{DIR}}/%s.tmp; echo $$! >> {{DIR}}/%s.tmp; mv {{DIR}}/%s.tmp {{DIR}}/%s.pid; exec sleep 3600\"\n", w.name, w.name, w.name, w.name, w.name)
			continue
		}
		args := `"-sleep", "-children", "2", "-pidfile", "{{DIR}}/` + w.name + `.pid"`
		for _, f := range strings.Fields(w.flags) {
			args += `, "` + f + `"`
		}
		fmt.Fprintf(&b, "    - name: %s\n      command: [\"{{TESTPROC}}\", %s]\n", w.name, args)
	}
	return b.String()
}

// startTree starts supd on treeConfig with env and returns it with the pids
// of each worker's tree (main first).
func startTree(t *testing.T, env ...string) (*daemon, map[string][]int) {
	t.Helper()
	dir, path, socket := writeConfig(t, treeConfig())
	d := startSupdAt(t, &daemon{t: t, dir: dir, config: path, socket: socket, env: env})
	trees := map[string][]int{}
	for _, w := range treeWorkers {
		want := 3
		if w.flags == "sh" {
			want = 2
		}
		file := filepath.Join(dir, w.name+".pid")
		var p []int
		waitFor(t, file, 10*time.Second, func() bool { p = pids(t, file); return len(p) == want })
		trees[w.name] = p
		killAll(t, p...)
	}
	return d, trees
}

// guardianOf waits for supd's guardian: its child named supd-guardian.
func guardianOf(t *testing.T, supd int) int {
	t.Helper()
	var g int
	waitFor(t, "supd's guardian", 10*time.Second, func() bool {
		// The child of whichever thread forked it.
		files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", supd))
		var kids []string
		for _, f := range files {
			b, _ := os.ReadFile(f)
			kids = append(kids, strings.Fields(string(b))...)
		}
		for _, f := range kids {
			pid, _ := strconv.Atoi(f)
			if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) == "supd-guardian" {
				g = pid
				return true
			}
		}
		return false
	})
	return g
}

// waitDeadBy waits until none of pids is alive, failing at deadline.
func waitDeadBy(t *testing.T, what string, deadline time.Time, pids []int) {
	t.Helper()
	for {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v still alive", what, left)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// SIGKILL of supd, with no new supd started: within a second nothing of its
// tree is left, with cgroups; without them, everything but what left the
// worker's session and lost its link to it (SPEC §2.1).
func TestSIGKILLedSupdLeavesNothing(t *testing.T) {
	for _, cg := range []bool{true, false} {
		t.Run(fmt.Sprintf("cgroups %v", cg), func(t *testing.T) {
			var env []string
			if cg && !cgroupsAvailable() {
				t.Skip("no writable cgroup v2 here (or not root)")
			}
			if !cg {
				env = append(env, "SUPD_CGROUPS=off")
			}
			d, trees := startTree(t, env...)
			guardian := guardianOf(t, d.cmd.Process.Pid)
			killAll(t, guardian)
			var reach, beyond []int
			for _, w := range treeWorkers {
				reach = append(reach, trees[w.name][0])
				switch {
				case cg || w.reach == always:
					reach = append(reach, trees[w.name][1:]...)
				case w.reach == never:
					beyond = append(beyond, trees[w.name][1:]...)
				}
			}
			t0 := time.Now()
			d.signal(syscall.SIGKILL)
			waitDeadBy(t, "supd's tree", t0.Add(killedWithin), reach)
			t.Logf("the tree of %d processes was gone %v after supd's SIGKILL", len(reach), time.Since(t0).Round(time.Millisecond))
			for _, p := range beyond {
				if !alive(p) {
					t.Errorf("pid %d, double-forked into a session of its own, died without cgroups: update the README", p)
				}
			}
			d.wait(10 * time.Second) // supd, and the guardian's end of its stderr
			waitDeadBy(t, "the guardian", time.Now().Add(10*time.Second), []int{guardian})
			if want := "msg=\"guardian: supd died: killed what its workers left\" supd=" + strconv.Itoa(d.cmd.Process.Pid); !strings.Contains(d.Stderr(), want) {
				t.Errorf("no %q in supd's stderr", want)
			}
			if want := `mode="process groups only" reason="SUPD_CGROUPS=off"`; !cg && !strings.Contains(d.Stderr(), want) {
				t.Errorf("no %q in supd's stderr", want)
			}
		})
	}
}

// An orderly shutdown leaves no guardian behind and nothing reparented to
// supd, even without cgroups what double-forked into a session of its own
// and so escaped its worker's stop.
func TestShutdownLeavesNoGuardian(t *testing.T) {
	d, trees := startTree(t, "SUPD_CGROUPS=off")
	guardian := guardianOf(t, d.cmd.Process.Pid)
	killAll(t, guardian)
	shutdown(t, d)
	if alive(guardian) {
		t.Errorf("guardian %d outlived supd's shutdown", guardian)
	}
	var all []int
	for _, p := range trees {
		all = append(all, p...)
	}
	waitDeadBy(t, "the tree", time.Now().Add(5*time.Second), all)
	for _, bad := range []string{"guardian: supd died", "the guardian died", "did not leave", "no guardian"} {
		if strings.Contains(d.Stderr(), bad) {
			t.Errorf("%q in supd's stderr", bad)
		}
	}
}

// A guardian SIGKILLed with supd (first, so it cannot act) leaves the next
// start to kill what escaped into the workers' cgroups. supd says when its
// guardian dies.
func TestGuardianKilledWithSupd(t *testing.T) {
	if !cgroupsAvailable() {
		t.Skip("no writable cgroup v2 here (or not root): nothing survives supd's death for its next start to clean up")
	}
	d, trees := startTree(t)
	guardian := guardianOf(t, d.cmd.Process.Pid)
	if err := syscall.Kill(guardian, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	d.waitSupd("supd to notice", 10*time.Second, false, func() bool {
		return strings.Contains(d.Stderr(), "level=ERROR msg=\"the guardian died: should supd die now, what its workers started outlives it until supd's next start\" pid="+strconv.Itoa(guardian))
	})
	d.signal(syscall.SIGKILL)
	d.wait(10 * time.Second)
	escaped := trees["daemon"][1:]
	for _, p := range trees {
		waitDeadBy(t, "the workers", time.Now().Add(5*time.Second), p[:1])
	}
	for _, p := range escaped {
		if !alive(p) {
			t.Fatalf("pid %d died with supd and its guardian: the cleanup is not tested", p)
		}
	}
	d2 := startSupdIn(t, d.dir, d.config)
	waitDeadBy(t, "the escaped grandchildren", time.Now().Add(10*time.Second), escaped)
	d2.running("fork")
	if !strings.Contains(d2.Stderr(), "killed processes left by a supd that died") {
		t.Errorf("the next start did not say it cleaned up:\n%s", tail(d2.Stderr()))
	}
	shutdown(t, d2)
}

// The guardian ignores the signals of a terminal and of `pkill supd`, and
// does its job with supd's stdout and stderr closed.
func TestGuardianIsDeafAndNeedsNoOutput(t *testing.T) {
	dir, path, socket := writeConfig(t, treeConfig())
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin.supd, "--config", path, "--socket", socket)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	go func() { _, _ = io.Copy(io.Discard, r) }() // until r is closed below
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	var all []int
	for _, wk := range treeWorkers {
		file := filepath.Join(dir, wk.name+".pid")
		var p []int
		waitFor(t, file, 10*time.Second, func() bool { p = pids(t, file); return len(p) >= 2 && (wk.flags == "sh" || len(p) == 3) })
		killAll(t, p...)
		if cgroupsAvailable() || wk.reach == always {
			all = append(all, p...)
		}
	}
	guardian := guardianOf(t, cmd.Process.Pid)
	killAll(t, guardian)
	r.Close() // every write to supd's stdout or stderr now fails
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGQUIT} {
		if err := syscall.Kill(guardian, sig); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	_ = cmd.Process.Kill()
	waitDeadBy(t, "supd's tree", t0.Add(killedWithin), all)
	<-done
	waitDeadBy(t, "the guardian", time.Now().Add(10*time.Second), []int{guardian})
}
