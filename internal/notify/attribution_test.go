package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"supd/osproc"
)

// cgroupsFor makes a cgroup per name under a fresh base, removed when the
// test ends, and returns their paths as /proc shows them.
func cgroupsFor(t *testing.T, names ...string) (dirs, paths []string) {
	t.Helper()
	mount := cgroup2Mount(t)
	self, err := osproc.CgroupOf(os.Getpid())
	if err != nil {
		t.Skipf("own cgroup: %v", err)
	}
	base := filepath.Join(mount, self, fmt.Sprintf("supd-notify-test-%d", time.Now().UnixNano()))
	if err := os.Mkdir(base, 0o755); err != nil {
		t.Skipf("no writable cgroup2: %v", err)
	}
	t.Cleanup(func() { os.Remove(base) })
	for _, n := range names {
		dir := filepath.Join(base, n)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(dir) })
		dirs = append(dirs, dir)
		paths = append(paths, filepath.Join(self, filepath.Base(base), n))
	}
	return dirs, paths
}

// moveInto puts a helper's process into the cgroup at dir; it is killed
// first when the test ends, so that the cgroup can go.
func moveInto(t *testing.T, h *helper, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), fmt.Append(nil, h.cmd.Process.Pid), 0); err != nil {
		t.Skipf("cannot move a process into a cgroup: %v", err)
	}
	t.Cleanup(func() {
		h.cmd.Process.Kill()
		h.cmd.Wait()
	})
}

// TestAttackJoinAnotherWorkersGroup: a worker joins another worker's
// process group (setpgid, possible while they share a session) and speaks
// for it: READY=1 for a worker that is not ready, its STATUS=, a MAINPID=
// that would have supd signal the attacker's choice. With cgroups, each
// sender is the worker of its cgroup, whatever its group: the datagrams are
// the attacker's own, and a MAINPID= outside its cgroup is left out.
//
// The same holds for a victim registered without a cgroup, by its process
// group (its cgroup could not be made): a sender in a worker's cgroup is
// that worker's.
func TestAttackJoinAnotherWorkersGroup(t *testing.T) {
	for _, victimCgroup := range []bool{true, false} {
		t.Run(fmt.Sprintf("victim with a cgroup %v", victimCgroup), func(t *testing.T) {
			joinAnotherWorkersGroup(t, victimCgroup)
		})
	}
}

func joinAnotherWorkersGroup(t *testing.T, victimCgroup bool) {
	dirs, cgs := cgroupsFor(t, "victim", "attacker")
	r := listen(t, Options{Hold: 100 * time.Millisecond})

	victim := startHelper(t, "send", []string{r.Env()}, nil)
	moveInto(t, victim, dirs[0])
	hv, toVictim := recorder()
	if !victimCgroup {
		cgs[0] = ""
	}
	defer r.Register(victim.cmd.Process.Pid, cgs[0], hv)()

	vpid := victim.cmd.Process.Pid
	attacker := startHelper(t, "joinsend", []string{r.Env()}, nil, fmt.Sprint(vpid),
		"STATUS=forged", fmt.Sprintf("MAINPID=%d", vpid), "READY=1")
	moveInto(t, attacker, dirs[1])
	ha, toAttacker := recorder()
	defer r.Register(attacker.cmd.Process.Pid, cgs[1], ha)()

	attacker.goAhead(t)
	if s := attacker.line(t); s != "done" {
		t.Fatalf("attacker said %q", s)
	}
	if pg, _ := osproc.ProcessGroup(attacker.cmd.Process.Pid); pg != vpid {
		t.Fatalf("the attacker's group is %d, not the victim's %d", pg, vpid)
	}
	for _, want := range []string{"status forged", "ready"} {
		select {
		case got := <-toAttacker:
			if got != want {
				t.Fatalf("attacker's handler got %q, want %q", got, want)
			}
		case got := <-toVictim:
			t.Fatalf("the victim's handler got %q from the attacker", got)
		case <-time.After(5 * time.Second):
			t.Fatalf("no %q within 5s", want)
		}
	}
	select {
	case got := <-toVictim:
		t.Fatalf("the victim's handler got %q from the attacker", got)
	case <-time.After(200 * time.Millisecond):
	}
	select {
	case got := <-toAttacker:
		t.Fatalf("the attacker's handler got %q too", got)
	default:
	}
}

// TestStrangerFloodIsCheap: a process of no worker floods the socket.
// Beyond a few parked datagrams its are dropped as they are read, its
// lines in supd's log are bounded, and a worker is still heard.
func TestStrangerFloodIsCheap(t *testing.T) {
	log, warns := warnings()
	r := listen(t, Options{Log: log, Hold: time.Minute})
	stranger := startHelper(t, "flood", []string{r.Env()}, nil, "300ms", "0")
	stranger.goAhead(t)
	sent, _ := strconv.Atoi(stranger.line(t))
	if sent < 10*maxParkedPerSender {
		t.Fatalf("the stranger sent only %d datagrams", sent)
	}
	r.mu.Lock()
	parked := len(r.pending)
	r.mu.Unlock()
	if parked > maxParkedPerSender {
		t.Errorf("%d of the stranger's %d datagrams parked, want at most %d", parked, sent, maxParkedPerSender)
	}
	if n := len(warns); n > 25 {
		t.Errorf("%d lines logged for one stranger's flood", n)
	}

	h, got := recorder()
	w := startHelper(t, "send", []string{r.Env()}, nil, "READY=1")
	defer r.Register(w.cmd.Process.Pid, "", h)()
	w.goAhead(t)
	if ev := within(t, got, 5*time.Second, "ready"); ev != "ready" {
		t.Fatalf("got %q", ev)
	}
	w.finish(t)
}
