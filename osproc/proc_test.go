package osproc

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestStopTree stops workers whose grandchildren ignore SIGTERM, with and
// without cgroups: after the stop signal and Kill, none is alive.
func TestStopTree(t *testing.T) {
	tests := []struct {
		name     string
		cgroup   bool
		children string // testproc flag placing the grandchildren
		termEnds bool   // SIGTERM ends the main process
	}{
		{"cgroup, double-forked", true, "-double-fork", false},
		{"cgroup, double-forked, main ends on TERM", true, "-double-fork", true},
		{"cgroup, own session", true, "-setsid", false},
		{"cgroup, same group", true, "", false},
		{"no cgroup, same group", false, "", false},
		{"no cgroup, same group, main ends on TERM", false, "", true},
		{"no cgroup, own session", false, "-setsid", false},
		{"no cgroup, double-forked out of the group", false, "-double-fork-group", false},
		{"no cgroup, double-forked out of the group, main ends on TERM", false, "-double-fork-group", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cgroup {
				needCgroups(t)
			}
			spec := Spec{}
			if tt.cgroup {
				spec.Cgroup = "stop"
			}
			pidfile := filepath.Join(t.TempDir(), "pids")
			args := []string{"-sleep", "-children", "3", "-child-ignore-term", "-pidfile", pidfile}
			if tt.children != "" {
				args = append(args, tt.children)
			}
			if !tt.termEnds {
				args = append(args, "-ignore-term")
			}
			p := startReady(t, spec, args...)
			pids := readPidfile(t, pidfile)

			if err := p.Signal(syscall.SIGTERM, true); err != nil {
				t.Fatal(err)
			}
			if tt.termEnds {
				if e := wait(t, p, 10*time.Second); e.Signal != syscall.SIGTERM {
					t.Errorf("exit %v, want TERM", e)
				}
			} else {
				if err := p.Signal(0, true); err != nil {
					t.Fatalf("main gone after an ignored TERM: %v", err)
				}
				for _, g := range pids {
					if !alive(g.pid, g.start) {
						t.Fatalf("pid %d died of an ignored TERM", g.pid)
					}
				}
				p.Kill()
				if e := wait(t, p, 10*time.Second); e.Signal != syscall.SIGKILL {
					t.Errorf("exit %v, want KILL", e)
				}
			}
			waitDead(t, pids, 10*time.Second)
		})
	}
}

// TestSignalGroupOutside checks that a group signal reaches the processes
// that left the process group: through the cgroup, or through parent links
// or the session.
func TestSignalGroupOutside(t *testing.T) {
	for _, tt := range []struct {
		cg   bool
		flag string
	}{{false, "-setsid"}, {false, "-double-fork-group"}, {true, "-double-fork"}} {
		cg, flag := tt.cg, tt.flag
		if cg {
			needCgroups(t)
		}
		spec := Spec{}
		if cg {
			spec.Cgroup = "outside"
		}
		pidfile := filepath.Join(t.TempDir(), "pids")
		p := startReady(t, spec, "-sleep", "-ignore-term", "-children", "2", flag, "-pidfile", pidfile)
		pids := readPidfile(t, pidfile)
		if err := p.Signal(syscall.SIGTERM, true); err != nil {
			t.Fatal(err)
		}
		waitDead(t, pids[1:], 10*time.Second)
		if !alive(pids[0].pid, pids[0].start) {
			t.Errorf("cgroup %v, %s: main died of an ignored TERM", cg, flag)
		}
		p.Kill()
		wait(t, p, 10*time.Second)
	}
}

// TestKillAllOrphans shows the limit without cgroups: double-forked
// grandchildren outlive their worker's Kill, and KillAll, which kills every
// child of this process, ends them.
func TestKillAllOrphans(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	p := startReady(t, Spec{}, "-sleep", "-children", "2", "-double-fork", "-pidfile", pidfile)
	pids := readPidfile(t, pidfile)
	since := reapedOrphans.now()
	p.Kill()
	wait(t, p, 10*time.Second)
	for _, g := range pids[1:] {
		if !alive(g.pid, g.start) {
			t.Errorf("pid %d died without a cgroup: update the package doc", g.pid)
		}
	}
	live := startReady(t, Spec{}, "-sleep")
	KillAll()
	if e := wait(t, live, 10*time.Second); e.Signal != syscall.SIGKILL {
		t.Errorf("live worker after KillAll: %v", e)
	}
	// Reparented to us, they are reaped as orphans.
	reapedOrphans.waitSince(t, since, pidsOf(pids[1:]), 10*time.Second)
}

// TestSignalPid signals a worker's grandchild by pid, as MAINPID= needs, and
// refuses a pid that is not the worker's.
func TestSignalPid(t *testing.T) {
	for _, cg := range []string{"", "mainpid"} {
		if cg != "" {
			needCgroups(t)
		}
		pidfile := filepath.Join(t.TempDir(), "pids")
		p := startReady(t, Spec{Cgroup: cg}, "-sleep", "-children", "2", "-setsid", "-pidfile", pidfile)
		pids := readPidfile(t, pidfile)
		if err := p.SignalPid(os.Getpid(), 0); !errors.Is(err, ErrNotMember) {
			t.Errorf("cgroup %q: SignalPid(own pid) = %v, want ErrNotMember", cg, err)
		}
		if err := p.SignalPid(pids[1].pid, syscall.SIGTERM); err != nil {
			t.Fatalf("cgroup %q: %v", cg, err)
		}
		waitDead(t, pids[1:2], 10*time.Second)
		if !alive(pids[2].pid, pids[2].start) || !alive(pids[0].pid, pids[0].start) {
			t.Errorf("cgroup %q: SignalPid reached more than its pid", cg)
		}
		if err := p.SignalPid(p.Pid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if e := wait(t, p, 10*time.Second); e.Signal != syscall.SIGTERM {
			t.Errorf("exit %v", e)
		}
		if err := p.SignalPid(pids[2].pid, 0); !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("cgroup %q: SignalPid after the end = %v", cg, err)
		}
	}
}
