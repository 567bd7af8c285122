package osproc

import (
	"os"
	"strconv"
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
	attacker := start(t, Spec{Argv: tp("-join-group", strconv.Itoa(victim.Pid()), "-exit", "0"), Stderr: os.Stderr})
	if e := wait(t, attacker, 10*time.Second); e != (Exit{Code: 3}) {
		t.Errorf("a worker's setpgid into worker %d's group: exit %v, want code 3 (refused)", victim.Pid(), e)
	}
}
