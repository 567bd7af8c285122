package osproc

import (
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestOwnSession checks that a worker leads a session and a process group
// of its own, outside supd's.
func TestOwnSession(t *testing.T) {
	p := startReady(t, Spec{}, "-sleep")
	sid, err := unix.Getsid(p.Pid())
	if err != nil {
		t.Fatal(err)
	}
	pgid, err := unix.Getpgid(p.Pid())
	if err != nil {
		t.Fatal(err)
	}
	own, _ := unix.Getsid(0)
	if sid != p.Pid() || pgid != p.Pid() || sid == own {
		t.Errorf("worker %d: session %d, group %d (supd's session %d); want both its pid", p.Pid(), sid, pgid, own)
	}
}

// TestCannotJoinAnotherWorkersGroup: setpgid(2) works only within a
// session, so a worker can no longer move into another worker's process
// group (and be taken for it, say by sd_notify's attribution).
func TestCannotJoinAnotherWorkersGroup(t *testing.T) {
	victim := startReady(t, Spec{}, "-sleep")
	attacker := start(t, Spec{Argv: tp("-join-group", strconv.Itoa(victim.Pid()), "-exit", "0")})
	if e := wait(t, attacker, 10*time.Second); e != (Exit{Code: 3}) {
		t.Errorf("a worker's setpgid into worker %d's group: exit %v, want code 3 (refused)", victim.Pid(), e)
	}
}

// TestMainExitKillsItsSession: without a cgroup, when a worker's main
// process ends, what it left in its session outside its process group is
// killed at the reap, as is what those started in a session of their own
// while still linked to them by parent.
func TestMainExitKillsItsSession(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	p := startReady(t, Spec{}, "-children", "2", "-double-fork-group", "-child-ignore-term", "-after", "200ms", "-pidfile", pidfile)
	pids := readPidfile(t, pidfile)
	if e := wait(t, p, 10*time.Second); e != (Exit{}) {
		t.Fatalf("exit %v", e)
	}
	waitDead(t, pids[1:], 10*time.Second)
}

// TestSignalPidBySession: MAINPID= may name a process of the worker's
// session that left its group and lost its parent.
func TestSignalPidBySession(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	p := startReady(t, Spec{}, "-sleep", "-children", "1", "-double-fork-group", "-pidfile", pidfile)
	pids := readPidfile(t, pidfile)
	if err := p.SignalPid(pids[1].pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitDead(t, pids[1:], 10*time.Second)
}
