package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/control/api"
)

// freePortTens finds ten free TCP ports on the loopback, PREFIX0 …
// PREFIX9, and returns PREFIX.
func freePortTens(t *testing.T) int {
	t.Helper()
	for range 100 {
		prefix := 3000 + rand.IntN(2500)
		ok := true
		for i := range 10 {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d%d", prefix, i))
			if err != nil {
				ok = false
				break
			}
			ln.Close()
		}
		if ok {
			return prefix
		}
	}
	t.Fatal("no ten free ports")
	return 0
}

// Replica sets with real processes (SPEC §2.10): one port per instance
// through ${SUPD_INSTANCE}, scaling that leaves the others' pids alone, a
// crashing instance restarted alone, scale errors, 0 → N → 0.
func TestReplicas(t *testing.T) {
	prefix := freePortTens(t)
	d := startSupd(t, fmt.Sprintf(`version: 1
root:
  children:
    - {name: db, command: ["{{TESTPROC}}", "-sleep"]}
    - name: api
      command: ["{{TESTPROC}}", "-sleep", "-pidfile", "{{DIR}}/api-${SUPD_INSTANCE}.pid", "-tcp", "127.0.0.1:%d${SUPD_INSTANCE}"]
      replicas: 3
      ready: {tcp: "127.0.0.1:%d${SUPD_INSTANCE}", interval: 50ms}
      backoff: {initial: 0s}
`, prefix, prefix))
	ev := d.follow()
	pidOf := func(i int) int { return firstPid(t, filepath.Join(d.dir, fmt.Sprintf("api-%d.pid", i))) }
	instances := func() []int {
		var out []int
		for i := range 10 {
			if n, err := d.node(fmt.Sprintf("api/%d", i)); err == nil && n.State == api.StateRunning {
				out = append(out, n.PID)
			}
		}
		return out
	}
	// `start: parallel` starts the instances at once, in no order.
	for i := range 3 {
		d.running(fmt.Sprintf("api/%d", i))
	}
	before := map[int]int{}
	for i := range 3 {
		before[i] = pidOf(i)
		killAll(t, before[i])
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d%d", prefix, i))
		if err != nil {
			t.Fatalf("instance %d does not listen on its own port: %v", i, err)
		}
		conn.Close()
	}
	if out := d.mustCtl("status", "api"); !strings.Contains(out, "3/3 running") {
		t.Errorf("status of the set:\n%s", out)
	}

	// Scale up: new instances after the others, which keep their pids.
	m := ev.mark()
	d.mustCtl("scale", "api", "5")
	ev.wait(m, "api/4 running", 10*time.Second, into("api/4", api.StateRunning))
	e := ev.wait(m, "the scale event", time.Second, kind(api.EventScale))
	if e.Path != "api" || e.Message != "3 → 5" {
		t.Errorf("scale event %+v", e)
	}
	for i := range 3 {
		if p := pidOf(i); p != before[i] || !alive(p) {
			t.Errorf("scale up touched api/%d: %d → %d", i, before[i], p)
		}
	}
	killAll(t, pidOf(3), pidOf(4))

	// A crashing instance is restarted alone.
	m = ev.mark()
	syscall.Kill(before[1], syscall.SIGKILL)
	ev.wait(m, "api/1 running again", 10*time.Second, into("api/1", api.StateRunning))
	if p := pidOf(0); p != before[0] {
		t.Errorf("api/1's crash touched api/0")
	}

	// Scale down: the highest-numbered go, their processes with them.
	gone := []int{pidOf(4), pidOf(3), pidOf(2)}
	d.mustCtl("scale", "api", "2")
	for _, p := range gone {
		waitFor(t, fmt.Sprintf("pid %d gone", p), 5*time.Second, func() bool { return !alive(p) })
	}
	if _, err := d.node("api/2"); err == nil {
		t.Error("api/2 is still in the tree")
	}
	if got := len(instances()); got != 2 {
		t.Errorf("%d instances running after scale 2", got)
	}

	// Errors: a worker, a bad count, an unknown node.
	for _, tt := range []struct {
		args   []string
		status string
		msg    string
	}{
		{[]string{"scale", "db", "2"}, "exit status 1", "not a replica set"},
		{[]string{"scale", "api", "-1"}, "exit status 2", ""},
		{[]string{"scale", "api", "two"}, "exit status 2", ""},
		{[]string{"scale", "nope", "2"}, "exit status 1", "nope"},
	} {
		_, err := d.ctl(tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.status) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("supctl %v: %v, want %s with %q", tt.args, err, tt.status, tt.msg)
		}
	}

	// 0 → N → 0.
	d.mustCtl("scale", "api", "0")
	waitFor(t, "no instance", 10*time.Second, func() bool { return len(instances()) == 0 })
	if n, _ := d.node("api"); n.State != api.StateRunning || n.Replicas == nil || *n.Replicas != 0 {
		t.Errorf("an empty set: %+v", n)
	}
	m = ev.mark()
	d.mustCtl("scale", "api", "4")
	ev.wait(m, "api/3 running", 10*time.Second, into("api/3", api.StateRunning))
	for i := range 4 {
		killAll(t, pidOf(i))
	}
	if n, _ := d.node(""); n.Budget.Used != 0 {
		t.Errorf("scaling used the root's budget: %+v", n.Budget)
	}
}

// A set whose instances crash beyond its intensity gives up, and its
// parent, one_for_one and permanent, restarts it: failure escalates as for
// any supervisor.
func TestReplicaSetGivesUpAndEscalates(t *testing.T) {
	d := startSupd(t, `version: 1
root:
  max_restarts: 5
  period: 10s
  children:
    - name: crash
      command: ["{{TESTPROC}}", "-exit", "1", "-after", "100ms"]
      replicas: 2
      backoff: {initial: 0s}
`)
	ev := d.follow()
	e := ev.wait(0, "the set failed", 15*time.Second, into("crash", api.StateFailed))
	if e.Restart == nil || e.Restart.Strategy != "one_for_one" || e.Exit == nil || e.Exit.Reason != api.ReasonGaveUp {
		t.Errorf("the set's end: %+v restart %+v", e.Exit, e.Restart)
	}
	ev.wait(0, "the root gave up", 30*time.Second, into("", api.StateFailed))
	if st := d.wait(10 * time.Second); st != 3 {
		t.Errorf("supd exited %d, want 3 (the root gave up)", st)
	}
}
