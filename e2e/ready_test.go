package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"supd/control/api"
)

// Readiness, health checks and the watchdog (SPEC §2.2–§2.4), seen from
// outside: supd, its workers and supctl are real processes, and what a test
// asserts is what `supctl -o json` or supd's log says, and which pids live.

// ctl runs supctl against d's socket and returns its stdout.
func (d *daemon) ctl(args ...string) (string, error) {
	cmd := exec.Command(bin.supctl, append([]string{"--socket", d.socket}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("supctl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// mustCtl is ctl that fails the test on an error.
func (d *daemon) mustCtl(args ...string) string {
	d.t.Helper()
	out, err := d.ctl(args...)
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// node reads one node with `supctl -o json status PATH`.
func (d *daemon) node(path string) (api.Node, error) {
	out, err := d.ctl("-o", "json", "status", path)
	if err != nil {
		return api.Node{}, err
	}
	var nodes []api.Node
	if err := json.Unmarshal([]byte(out), &nodes); err != nil {
		return api.Node{}, fmt.Errorf("supctl status %s: %w: %q", path, err, out)
	}
	if len(nodes) != 1 {
		return api.Node{}, fmt.Errorf("supctl status %s: %d nodes", path, len(nodes))
	}
	return nodes[0], nil
}

// waitNode reads the node at path until cond holds and returns it: now, and
// again at each of supd's events (see watch.until).
func (d *daemon) waitNode(path, what string, timeout time.Duration, cond func(api.Node) bool) api.Node {
	d.t.Helper()
	var n api.Node
	var err error
	d.waitSupd(what+" of "+path, timeout, false, func() bool {
		n, err = d.node(path)
		return err == nil && cond(n)
	})
	if err != nil || !cond(n) {
		d.t.Fatalf("timed out after %v waiting for %s: %s; last: %+v, err %v", timeout, path, what, n, err)
	}
	return n
}

// waitSupd calls cond now and again at each of supd's events (and, with
// lines, each line of its workers' output), until it holds or timeout
// passes; it fails the test only when supd cannot be followed.
func (d *daemon) waitSupd(what string, timeout time.Duration, lines bool, cond func() bool) bool {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	w, err := watchSupd(ctx, d.socket, lines)
	if err != nil {
		d.t.Fatalf("waiting for %s: %v", what, err)
	}
	defer w.close()
	return w.until(deadline, cond)
}

// running waits for the worker at path to be running and returns it.
func (d *daemon) running(path string) api.Node {
	d.t.Helper()
	return d.waitNode(path, "running", 15*time.Second, func(n api.Node) bool { return n.State == api.StateRunning })
}

// events reads supd's recent events with `supctl -o json events`.
func (d *daemon) events() []api.Event {
	d.t.Helper()
	out := d.mustCtl("-o", "json", "events", "-n", "1000")
	var evs []api.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e api.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			d.t.Fatalf("events: %v: %q", err, sc.Text())
		}
		evs = append(evs, e)
	}
	return evs
}

// lineTime is when supd captured the first line of the worker at path
// that holds text, read with `supctl -o json logs`.
func (d *daemon) lineTime(path, text string) time.Time {
	d.t.Helper()
	var at time.Time
	if !d.waitSupd(path+" to print "+strconv.Quote(text), 10*time.Second, true, func() bool {
		out, err := d.ctl("-o", "json", "logs", "-n", "1000", path)
		if err != nil {
			return false
		}
		for _, l := range strings.Split(out, "\n") {
			var ll api.LogLine
			if json.Unmarshal([]byte(l), &ll) == nil && strings.Contains(ll.Text, text) {
				at = ll.Time
				return true
			}
		}
		return false
	}) {
		d.t.Fatalf("timed out after 10s waiting for %s to print %q", path, text)
	}
	return at
}

// stateEvents is the state changes of the node at path, oldest first.
func stateEvents(evs []api.Event, path string) []api.Event {
	var out []api.Event
	for _, e := range evs {
		if e.Kind == api.EventState && e.Path == path {
			out = append(out, e)
		}
	}
	return out
}

// firstInto is the first change of the node at path into state, after the
// change at index from of stateEvents(evs, path).
func firstInto(t *testing.T, evs []api.Event, path string, state api.State, from int) (api.Event, int) {
	t.Helper()
	se := stateEvents(evs, path)
	for i := from; i < len(se); i++ {
		if se[i].New == state {
			return se[i], i
		}
	}
	t.Fatalf("%s: no change into %s after event %d in %s", path, state, from, describe(se))
	return api.Event{}, 0
}

func describe(evs []api.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "\n  %s %s: %s -> %s reason=%s", e.Time.Format("15:04:05.000"), e.Path, e.Old, e.New, e.Reason)
		if e.Exit != nil && e.Exit.Detail != "" {
			fmt.Fprintf(&b, " detail=%q", e.Exit.Detail)
		}
	}
	return b.String()
}

// freeAddr finds a loopback TCP address nobody listens on. A probe in the
// config needs a fixed address, so the port is chosen here and handed to
// the worker; the kernel does not hand it out again at once.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// readEnv waits for a testproc -info file and returns its environment.
func readEnv(t *testing.T, file string) map[string]string {
	t.Helper()
	var b []byte
	waitFor(t, file, 10*time.Second, func() bool {
		var err error
		b, err = os.ReadFile(file)
		return err == nil
	})
	env := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if kv, ok := strings.CutPrefix(l, "env "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	return env
}

// startTicks is the start time (clock ticks since boot) of the first
// process of a testproc -pidfile.
func startTicks(t *testing.T, file string) uint64 {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		t.Fatalf("pidfile %s: %q", file, b)
	}
	n, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// userHZ is the unit of /proc's start times: USER_HZ, 100 on every Linux
// architecture supd runs on.
const userHZ = 100

func shutdown(t *testing.T, d *daemon) {
	t.Helper()
	d.signal(syscall.SIGTERM)
	if st := d.wait(15 * time.Second); st != 0 {
		t.Fatalf("supd exit status %d", st)
	}
}

// sd_notify: READY=1 gates a sequential start; STATUS=, MAINPID= and
// STOPPING=1 show in supctl status; a MAINPID= of another process is
// ignored.
func TestNotify(t *testing.T) {
	t.Parallel()
	d := startSupd(t, `version: 1
root:
  start: sequential
  children:
    - name: a
      command: ["{{TESTPROC}}", "-sleep", "-notify-ready", "300ms", "-status", "serving 42", "-pidfile", "{{DIR}}/a.pid"]
      ready: {notify: true}
    - name: b
      command: ["{{TESTPROC}}", "-sleep", "-pidfile", "{{DIR}}/b.pid"]
    - name: m
      command: ["{{TESTPROC}}", "-sleep", "-children", "1", "-mainpid-child", "-notify-ready", "0s", "-pidfile", "{{DIR}}/m.pid"]
      ready: {notify: true}
    - name: s
      command: ["{{TESTPROC}}", "-sleep", "-stopping", "-ignore-term", "-notify-ready", "0s", "-pidfile", "{{DIR}}/s.pid"]
      ready: {notify: true}
      stop_timeout: 500ms
    - name: liar
      command: ["{{TESTPROC}}", "-sleep", "-notify-ready", "0s", "-status", "lying\nMAINPID=1", "-pidfile", "{{DIR}}/liar.pid"]
      ready: {notify: true}
`)
	liar := d.waitNode("liar", "running", 15*time.Second, func(n api.Node) bool { return n.State == api.StateRunning && n.Status != "" })
	s, _ := d.node("s")
	var mp []int // m and its grandchild, its MAINPID
	waitFor(t, "m's pidfile", 10*time.Second, func() bool { mp = pids(t, filepath.Join(d.dir, "m.pid")); return len(mp) == 2 })
	killAll(t, firstPid(t, filepath.Join(d.dir, "a.pid")), firstPid(t, filepath.Join(d.dir, "b.pid")),
		firstPid(t, filepath.Join(d.dir, "s.pid")), firstPid(t, filepath.Join(d.dir, "liar.pid")), mp[0], mp[1])

	// b started only once a was ready, 300ms after a started.
	evs := d.events()
	aStart, i := firstInto(t, evs, "a", api.StateStarting, 0)
	aReady, _ := firstInto(t, evs, "a", api.StateRunning, i)
	bStart, _ := firstInto(t, evs, "b", api.StateStarting, 0)
	if got := aReady.Time.Sub(aStart.Time); got < 300*time.Millisecond {
		t.Errorf("a running %v after its start, before its READY=1", got)
	}
	if bStart.Time.Before(aReady.Time) {
		t.Errorf("b started at %v, before a was ready at %v", bStart.Time, aReady.Time)
	}
	if dt := startTicks(t, filepath.Join(d.dir, "b.pid")) - startTicks(t, filepath.Join(d.dir, "a.pid")); dt < 300*userHZ/1000 {
		t.Errorf("b's process started %d ticks after a's: before a's READY=1 at 300ms", dt)
	}

	// STATUS= in json and in the table.
	a, _ := d.node("a")
	if a.Status != "serving 42" {
		t.Errorf("a's status = %q, want %q", a.Status, "serving 42")
	}
	if table := d.mustCtl("status"); !tableRow(table, "a", "running", "serving 42") {
		t.Errorf("status table lacks a's STATUS=:\n%s", table)
	}

	// MAINPID= changes the pid supd reports and signals.
	m := d.waitNode("m", "pid to be MAINPID=", 5*time.Second, func(n api.Node) bool { return n.PID == mp[1] })
	d.mustCtl("signal", "KILL", "m")
	waitFor(t, "m's MAINPID to die of supctl signal", 5*time.Second, func() bool { return !alive(mp[1]) })
	if !alive(mp[0]) {
		t.Errorf("supctl signal reached m's own process %d, not only its MAINPID %d", mp[0], mp[1])
	}
	if m.State != api.StateRunning {
		t.Errorf("m: %s", m.State)
	}
	// A MAINPID= that is not the worker's (here init's) is ignored.
	if lp := firstPid(t, filepath.Join(d.dir, "liar.pid")); liar.PID != lp || liar.Status != "lying" {
		t.Errorf("liar: pid %d (its own %d), status %q", liar.PID, lp, liar.Status)
	}
	if !strings.Contains(d.Stderr(), "ignoring sd_notify MAINPID= of a process that is not the worker's") {
		t.Error("the ignored MAINPID= was not logged")
	}

	// STOPPING=1, sent on SIGTERM by a worker that then goes on running.
	if s.Stopping {
		t.Fatal("s stopping before it said so")
	}
	d.mustCtl("signal", "TERM", "s")
	d.waitNode("s", "STOPPING=1 to show", 5*time.Second, func(n api.Node) bool { return n.Stopping })
	if table := d.mustCtl("status", "s"); !tableRow(table, "s", "running", "stopping") {
		t.Errorf("status table lacks s's STOPPING=1:\n%s", table)
	}
	shutdown(t, d)
}

// tableRow reports whether a line of a status table starts with path and
// holds every one of words after it, in order.
func tableRow(table, path string, words ...string) bool {
	for _, l := range strings.Split(table, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != path {
			continue
		}
		rest := l
		ok := true
		for _, w := range words {
			i := strings.Index(rest, w)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(w):]
		}
		if ok {
			return true
		}
	}
	return false
}

// A datagram from a process of no worker is dropped, logged once per
// sender, and changes nothing.
func TestNotifyStranger(t *testing.T) {
	t.Parallel()
	d := startSupd(t, `version: 1
root:
  children:
    - name: w
      command: ["{{TESTPROC}}", "-sleep", "-notify-ready", "0s", "-status", "mine", "-info", "{{DIR}}/w.info"]
      ready: {notify: true}
`)
	d.waitNode("w", "running with its status", 15*time.Second, func(n api.Node) bool {
		return n.State == api.StateRunning && n.Status == "mine"
	})
	sock := readEnv(t, filepath.Join(d.dir, "w.info"))["NOTIFY_SOCKET"]
	if !strings.HasPrefix(sock, "@supd-notify-") {
		t.Fatalf("worker's NOTIFY_SOCKET = %q", sock)
	}
	// A process outside the worker's group and cgroup: this test's child.
	// It says STATUS= and then WATCHDOG=1 every 50ms for 400ms.
	stranger := func(args ...string) int {
		cmd := exec.Command(bin.testproc, args...)
		cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAll(t, cmd.Process.Pid)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("stranger: %v", err)
		}
		return cmd.Process.Pid
	}
	first := stranger("-status", "evil", "-watchdog", "50ms", "-watchdog-for", "400ms", "-after", "500ms")
	// A second stranger's line is logged only after every datagram of the
	// first expired: parked datagrams expire oldest first.
	second := stranger("-status", "evil again", "-after", "1s")
	line := func(pid int) string {
		return `dropping sd_notify message from a process of no worker" pid=` + strconv.Itoa(pid) + " "
	}
	waitFor(t, "the second stranger to be logged", 15*time.Second, func() bool {
		return strings.Contains(d.Stderr(), line(second))
	})
	if n := strings.Count(d.Stderr(), line(first)); n != 1 {
		t.Errorf("the first stranger (10 datagrams) was logged %d times, want once", n)
	}
	if w, _ := d.node("w"); w.Status != "mine" || w.State != api.StateRunning {
		t.Errorf("w after the strangers: %s, status %q", w.State, w.Status)
	}
	shutdown(t, d)
}

// A notify worker that never says READY=1 fails its start at ready_timeout,
// is retried with backoff, and the sibling after it never starts.
func TestReadyTimeout(t *testing.T) {
	t.Parallel()
	d := startSupd(t, `version: 1
root:
  start: sequential
  max_restarts: 100
  period: 10s
  children:
    - name: mute
      command: ["{{TESTPROC}}", "-sleep"]
      ready: {notify: true}
      ready_timeout: 500ms
      backoff: {initial: 200ms, jitter: 0}
    - name: next
      command: ["{{TESTPROC}}", "-sleep", "-pidfile", "{{DIR}}/next.pid"]
`)
	mute := d.waitNode("mute", "two failed starts", 15*time.Second, func(n api.Node) bool { return n.Restarts >= 2 })
	if x := mute.LastExit; x == nil || x.Reason != api.ReasonStartFailed || !strings.Contains(x.Detail, "not ready within 500ms") {
		t.Errorf("mute's last exit: %+v", x)
	}
	evs := d.events()
	se := stateEvents(evs, "mute")
	st, i := firstInto(t, evs, "mute", api.StateStarting, 0)
	stop, _ := firstInto(t, evs, "mute", api.StateStopping, i)
	back, j := firstInto(t, evs, "mute", api.StateBackoff, i)
	again, _ := firstInto(t, evs, "mute", api.StateStarting, j)
	if got := stop.Time.Sub(st.Time); got < 500*time.Millisecond || got > 3*time.Second {
		t.Errorf("start failed %v after the start, want 500ms", got)
	}
	if back.Reason != string(api.ReasonStartFailed) || back.Restart == nil || back.Restart.Delay != api.Duration(200*time.Millisecond) {
		t.Errorf("backoff event: reason %q, restart %+v%s", back.Reason, back.Restart, describe(se))
	}
	if got := again.Time.Sub(back.Time); got < 200*time.Millisecond {
		t.Errorf("restarted %v after the failure, before its backoff of 200ms", got)
	}
	if n := stateEvents(evs, "next"); len(n) != 0 {
		t.Errorf("next changed state while mute was never ready:%s", describe(n))
	}
	if next, _ := d.node("next"); next.State != api.StateStopped {
		t.Errorf("next: %s", next.State)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "next.pid")); err == nil {
		t.Error("next's process ran")
	}
	shutdown(t, d)
}

// Readiness by s6's fd (at 3 and at 5) and by exec, http and tcp probes.
func TestReadyFDAndProbes(t *testing.T) {
	t.Parallel()
	httpAddr, tcpAddr := freeAddr(t), freeAddr(t)
	d := startSupd(t, `version: 1
root:
  start: parallel
  children:
    - name: fd3
      command: ["{{TESTPROC}}", "-sleep", "-ready-fd", "3", "-ready-after", "300ms"]
      ready: {fd: 3}
    - name: fd5
      command: ["{{TESTPROC}}", "-sleep", "-ready-fd", "5", "-ready-after", "300ms"]
      ready: {fd: 5}
    - name: fd4dog
      command: ["{{TESTPROC}}", "-sleep", "-ready-fd", "4", "-ready-after", "100ms", "-watchdog", "100ms", "-pidfile", "{{DIR}}/fd4dog.pid", "-info", "{{DIR}}/fd4dog.info"]
      ready: {fd: 4}
      watchdog: 1s
    - name: exec
      command: ["{{TESTPROC}}", "-sleep"]
      ready: {exec: ["test", "-f", "{{DIR}}/ready"], interval: 100ms}
    - name: http
      command: ["{{TESTPROC}}", "-sleep", "-http", "`+httpAddr+`"]
      ready: {http: "http://`+httpAddr+`/", interval: 100ms}
    - name: tcp
      command: ["{{TESTPROC}}", "-sleep", "-tcp", "`+tcpAddr+`"]
      ready: {tcp: "`+tcpAddr+`", interval: 100ms}
`)
	for _, n := range []string{"fd3", "fd5", "fd4dog", "http", "tcp"} {
		d.running(n)
	}
	// The pipe is at 4 and the trampoline set WATCHDOG_PID.
	pid := firstPid(t, filepath.Join(d.dir, "fd4dog.pid"))
	if env := readEnv(t, filepath.Join(d.dir, "fd4dog.info")); env["WATCHDOG_PID"] != strconv.Itoa(pid) {
		t.Errorf("fd4dog: WATCHDOG_PID=%q, its pid %d", env["WATCHDOG_PID"], pid)
	}
	evs := d.events()
	for _, n := range []string{"fd3", "fd5"} {
		st, i := firstInto(t, evs, n, api.StateStarting, 0)
		ready, _ := firstInto(t, evs, n, api.StateRunning, i)
		if got := ready.Time.Sub(st.Time); got < 300*time.Millisecond {
			t.Errorf("%s running %v after its start, before its newline", n, got)
		}
	}
	// The exec probe fails while the file is missing.
	if n, _ := d.node("exec"); n.State != api.StateStarting {
		t.Fatalf("exec: %s before its probe could succeed", n.State)
	}
	if err := os.WriteFile(filepath.Join(d.dir, "ready"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d.running("exec")
	if n, _ := d.node("fd4dog"); n.PID != pid || n.LastExit != nil {
		t.Errorf("fd4dog (pinging) was touched: %+v", n)
	}
	shutdown(t, d)
}

// Health checks: an http probe that turns to 500, a tcp port that closes,
// probes that fail but never `failures` times in a row, and a grace period.
func TestHealth(t *testing.T) {
	t.Parallel()
	// flaky fails two probes of every three: never three in a row.
	var flakyHits atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if flakyHits.Add(1)%3 != 0 {
			http.Error(w, "flaky", http.StatusServiceUnavailable)
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	webAddr, portAddr, closed := freeAddr(t), freeAddr(t), freeAddr(t)
	d := startSupd(t, `version: 1
root:
  start: parallel
  max_restarts: 100
  period: 10s
  children:
    - name: web
      command: ["{{TESTPROC}}", "-sleep", "-http", "`+webAddr+`", "-http-fail-after", "1s", "-pidfile", "{{DIR}}/web.pid"]
      ready: {http: "http://`+webAddr+`/", interval: 50ms}
      health: {http: "http://`+webAddr+`/", interval: 200ms, failures: 3}
      backoff: {initial: 100ms, jitter: 0}
    - name: port
      command: ["{{TESTPROC}}", "-sleep", "-tcp", "`+portAddr+`", "-tcp-stop-after", "1s"]
      ready: {tcp: "`+portAddr+`", interval: 50ms}
      health: {tcp: "`+portAddr+`", interval: 100ms, failures: 1}
      backoff: {initial: 100ms, jitter: 0}
    - name: flaky
      command: ["{{TESTPROC}}", "-sleep"]
      health: {http: "http://`+ln.Addr().String()+`/", interval: 100ms, failures: 3}
    - name: late
      command: ["{{TESTPROC}}", "-sleep"]
      health: {tcp: "`+closed+`", interval: 100ms, failures: 1, grace: 1s}
      backoff: {initial: 5s}
    - name: disk
      command: ["{{TESTPROC}}", "-sleep"]
      health:
        exec: test -f {{DIR}}/healthy || { echo "disk full"; exit 7; }
        interval: 100ms
        failures: 2
      backoff: {initial: 5s}
`)
	if err := os.WriteFile(filepath.Join(d.dir, "healthy"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	firstWeb := firstPid(t, filepath.Join(d.dir, "web.pid"))
	killAll(t, firstWeb)
	unhealthy := func(n api.Node) bool { return n.LastExit != nil && n.LastExit.Reason == api.ReasonUnhealthy }
	web := d.waitNode("web", "unhealthy", 15*time.Second, unhealthy)
	port := d.waitNode("port", "unhealthy", 15*time.Second, unhealthy)
	d.waitNode("late", "unhealthy", 15*time.Second, unhealthy)

	if x := web.LastExit; x.Signal != "TERM" || !strings.Contains(x.Detail, "3 consecutive") ||
		!strings.Contains(x.Detail, "500") || !strings.Contains(x.Detail, "failing") {
		t.Errorf("web's exit: %+v: want TERM and the probe's 500 \"failing\" after 3 failures", x)
	}
	if x := port.LastExit; x.Signal != "TERM" || !strings.Contains(x.Detail, "connect "+portAddr) {
		t.Errorf("port's exit: %+v: want TERM and the failed connect", x)
	}
	// web is restarted: a new process, running again.
	d.waitNode("web", "restarted", 15*time.Second, func(n api.Node) bool {
		return n.Restarts >= 1 && n.State == api.StateRunning && n.PID != firstWeb && n.PID != 0
	})
	killAll(t, pids(t, filepath.Join(d.dir, "web.pid"))...)
	if alive(firstWeb) {
		t.Errorf("web's unhealthy process %d still alive", firstWeb)
	}

	evs := d.events()
	// unhealthyAfter checks that path was stopped as unhealthy at least min
	// after since, and that its end was judged a failure and restarted.
	unhealthyAfter := func(path, since string, at time.Time, min time.Duration) {
		t.Helper()
		_, i := firstInto(t, evs, path, api.StateRunning, 0)
		stop, j := firstInto(t, evs, path, api.StateStopping, i)
		end, _ := firstInto(t, evs, path, api.StateBackoff, j)
		if got := stop.Time.Sub(at); got < min {
			t.Errorf("%s stopped as unhealthy %v after %s, want at least %v", path, got, since, min)
		}
		if end.Reason != string(api.ReasonUnhealthy) || end.Restart == nil || end.Exit == nil ||
			end.Exit.Detail == "" {
			t.Errorf("%s: the end of the unhealthy run: reason %q, exit %+v, restart %+v", path, end.Reason, end.Exit, end.Restart)
		}
	}
	// 3 consecutive failures 200ms apart: the first at or after the
	// switch to 500, the third 400ms later (one failure would have been
	// enough within 200ms; the margin is for the line's capture).
	unhealthyAfter("web", "its switch to 500", d.lineTime("web", "testproc: http failing"), 300*time.Millisecond)
	d.lineTime("port", "testproc: tcp stopped")
	// The port closes 1s after it was opened, which was before it was ready.
	port0, _ := firstInto(t, evs, "port", api.StateRunning, 0)
	unhealthyAfter("port", "it was running", port0.Time, 800*time.Millisecond)
	// The exec probe's output and status make the detail.
	if err := os.Remove(filepath.Join(d.dir, "healthy")); err != nil {
		t.Fatal(err)
	}
	disk := d.waitNode("disk", "unhealthy", 15*time.Second, unhealthy)
	if x := disk.LastExit; !strings.Contains(x.Detail, "disk full") || !strings.Contains(x.Detail, "7") {
		t.Errorf("disk's exit: %+v: want the probe's output and exit code", x)
	}
	// Its probe fails from the start: only the grace delays the verdict.
	late, _ := firstInto(t, evs, "late", api.StateRunning, 0)
	unhealthyAfter("late", "it was running", late.Time, time.Second)

	if f, _ := d.node("flaky"); f.State != api.StateRunning || f.Restarts != 0 || f.LastExit != nil {
		t.Errorf("flaky (never 3 failures in a row) was judged unhealthy: %+v", f)
	}
	if n := flakyHits.Load(); n < 6 {
		t.Errorf("flaky was probed only %d times", n)
	}
	shutdown(t, d)
}

// The watchdog: a worker whose pings stop is stopped with SIGABRT (reason
// watchdog) and restarted; one that keeps pinging is left alone. Both see
// WATCHDOG_USEC and WATCHDOG_PID equal to their own pid.
func TestWatchdog(t *testing.T) {
	t.Parallel()
	d := startSupd(t, `version: 1
root:
  start: parallel
  max_restarts: 100
  period: 10s
  children:
    - name: dog
      command: ["{{TESTPROC}}", "-sleep", "-watchdog", "100ms", "-watchdog-for", "1s", "-pidfile", "{{DIR}}/dog.pid", "-info", "{{DIR}}/dog.info"]
      watchdog: 300ms
      backoff: {initial: 100ms, jitter: 0}
    - name: good
      command: ["{{TESTPROC}}", "-sleep", "-watchdog", "100ms", "-pidfile", "{{DIR}}/good.pid", "-info", "{{DIR}}/good.info"]
      watchdog: 2s # a wide margin over its pings: a loaded machine must not make it miss
    - name: mute
      command: ["{{TESTPROC}}", "-sleep", "-notify-ready", "600ms"]
      ready: {notify: true}
      watchdog: 200ms
      backoff: {initial: 5s}
`)
	dog := firstPid(t, filepath.Join(d.dir, "dog.pid"))
	dogEnv := readEnv(t, filepath.Join(d.dir, "dog.info"))
	good := firstPid(t, filepath.Join(d.dir, "good.pid"))
	goodEnv := readEnv(t, filepath.Join(d.dir, "good.info"))
	killAll(t, dog, good)
	for _, c := range []struct {
		pid  int
		env  map[string]string
		usec string
	}{{dog, dogEnv, "300000"}, {good, goodEnv, "2000000"}} {
		if c.env["WATCHDOG_PID"] != strconv.Itoa(c.pid) || c.env["WATCHDOG_USEC"] != c.usec ||
			!strings.HasPrefix(c.env["NOTIFY_SOCKET"], "@supd-notify-") {
			t.Errorf("pid %d: WATCHDOG_PID=%q WATCHDOG_USEC=%q NOTIFY_SOCKET=%q", c.pid,
				c.env["WATCHDOG_PID"], c.env["WATCHDOG_USEC"], c.env["NOTIFY_SOCKET"])
		}
	}
	n := d.waitNode("dog", "restarted after the watchdog", 15*time.Second, func(n api.Node) bool {
		return n.LastExit != nil && n.State == api.StateRunning && n.PID != dog
	})
	killAll(t, n.PID)
	if x := n.LastExit; x.Reason != api.ReasonWatchdog || !strings.Contains(x.Detail, "300ms") {
		t.Errorf("dog's exit: %+v: want reason watchdog", x)
	}
	evs := d.events()
	run, i := firstInto(t, evs, "dog", api.StateRunning, 0)
	stop, j := firstInto(t, evs, "dog", api.StateStopping, i)
	end, _ := firstInto(t, evs, "dog", api.StateBackoff, j)
	// The stop began with SIGABRT, not stop_signal: testproc, a Go
	// program, dies of it by printing its goroutines and exiting 2.
	if abrt := d.lineTime("dog", "SIGABRT: abort"); abrt.Before(stop.Time) {
		t.Errorf("dog got SIGABRT at %v, before its stop at %v", abrt, stop.Time)
	}
	// Pings every 100ms for 1s (the last at 900ms or 1s), then 300ms of
	// silence.
	if got := stop.Time.Sub(run.Time); got < 1100*time.Millisecond {
		t.Errorf("watchdog fired %v after dog was running, want at least 1.2s", got)
	}
	if end.Reason != string(api.ReasonWatchdog) || end.Restart == nil {
		t.Errorf("dog's end: reason %q restart %+v", end.Reason, end.Restart)
	}
	// The new run's WATCHDOG_PID is its own pid too.
	waitFor(t, "dog's second info", 10*time.Second, func() bool {
		return readEnv(t, filepath.Join(d.dir, "dog.info"))["WATCHDOG_PID"] == strconv.Itoa(n.PID)
	})
	if g, _ := d.node("good"); g.PID != good || g.Restarts != 0 || g.State != api.StateRunning {
		t.Errorf("good (pinging) was touched: %+v", g)
	}

	// mute never pings: its watchdog is armed only once it is ready, at
	// 600ms, and fires 200ms later.
	m := d.waitNode("mute", "stopped by the watchdog", 10*time.Second, func(n api.Node) bool { return n.LastExit != nil })
	if m.LastExit.Reason != api.ReasonWatchdog {
		t.Errorf("mute's exit: %+v", m.LastExit)
	}
	evs = d.events()
	st, i := firstInto(t, evs, "mute", api.StateStarting, 0)
	run, i = firstInto(t, evs, "mute", api.StateRunning, i)
	stop, _ = firstInto(t, evs, "mute", api.StateStopping, i)
	if got := run.Time.Sub(st.Time); got < 600*time.Millisecond {
		t.Errorf("mute ready %v after its start, before its READY=1", got)
	}
	if got := stop.Time.Sub(run.Time); got < 200*time.Millisecond {
		t.Errorf("mute's watchdog fired %v after it was ready, want 200ms", got)
	}
	shutdown(t, d)
}

// Workers never inherit supd's own NOTIFY_SOCKET, WATCHDOG_* or LISTEN_*;
// a notify worker gets supd's socket instead. Not parallel: supd inherits
// this test's environment.
func TestWorkerEnvironmentScrubbed(t *testing.T) {
	inherited := map[string]string{
		"NOTIFY_SOCKET": "/nonexistent/notify", "WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "1",
		"LISTEN_FDS": "2", "LISTEN_PID": "1", "LISTEN_FDNAMES": "a:b",
	}
	for k, v := range inherited {
		t.Setenv(k, v)
	}
	d := startSupd(t, `version: 1
root:
  children:
    - name: plain
      command: ["{{TESTPROC}}", "-sleep", "-info", "{{DIR}}/plain.info"]
    - name: notify
      command: ["{{TESTPROC}}", "-sleep", "-notify-ready", "0s", "-info", "{{DIR}}/notify.info"]
      ready: {notify: true}
`)
	d.running("notify")
	plain := readEnv(t, filepath.Join(d.dir, "plain.info"))
	notify := readEnv(t, filepath.Join(d.dir, "notify.info"))
	for k := range inherited {
		if v, ok := plain[k]; ok {
			t.Errorf("plain worker inherited %s=%s", k, v)
		}
		if v, ok := notify[k]; ok && k != "NOTIFY_SOCKET" {
			t.Errorf("notify worker inherited %s=%s", k, v)
		}
	}
	want := fmt.Sprintf("@supd-notify-%d-", d.cmd.Process.Pid)
	if s := notify["NOTIFY_SOCKET"]; !strings.HasPrefix(s, want) {
		t.Errorf("notify worker's NOTIFY_SOCKET = %q, want supd's own %s…", s, want)
	}
	if plain["PATH"] == "" {
		t.Error("plain worker lost supd's PATH")
	}
	shutdown(t, d)
}

// A real third-party sd_notify program: redis-server under
// `--supervised systemd` says READY=1 once it accepts connections, so the
// sibling started after it (redis-cli) can use it the moment it starts.
func TestRedisNotify(t *testing.T) {
	t.Parallel()
	redis, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not on PATH (make testdeps installs it as root)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli is not on PATH (make testdeps installs it with redis-server)")
	}
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	d := startSupd(t, `version: 1
root:
  start: sequential
  children:
    - name: redis
      command: ["`+redis+`", "--supervised", "systemd", "--daemonize", "no", "--port", "`+port+`", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "{{DIR}}"]
      ready: {notify: true}
      ready_timeout: 10s
    - name: client
      command: ["`+cli+`", "-h", "127.0.0.1", "-p", "`+port+`", "ping"]
      restart: temporary
`)
	client := d.waitNode("client", "to have pinged", 15*time.Second, func(n api.Node) bool { return n.LastExit != nil })
	r, _ := d.node("redis")
	killAll(t, r.PID)
	if r.State != api.StateRunning || r.Status == "" {
		t.Errorf("redis: %s, status %q: want running with its STATUS=", r.State, r.Status)
	}
	if x := client.LastExit; x.Code == nil || *x.Code != 0 {
		t.Errorf("redis-cli ping: %+v", x)
	}
	d.lineTime("client", "PONG")
	evs := d.events()
	ready, _ := firstInto(t, evs, "redis", api.StateRunning, 0)
	if next, _ := firstInto(t, evs, "client", api.StateStarting, 0); next.Time.Before(ready.Time) {
		t.Errorf("client started at %v, before redis was ready at %v", next.Time, ready.Time)
	}
	shutdown(t, d)
}

// A descendant that left the worker's process group (setsid) is still the
// worker's by its cgroup: its READY=1 counts.
func TestNotifyFromSessionLeader(t *testing.T) {
	t.Parallel()
	if !cgroupsAvailable() {
		t.Skip("no writable cgroup v2 here: a descendant in a session of its own is a stranger")
	}
	d := startSupd(t, `version: 1
root:
  children:
    - name: w
      command: setsid -f {{TESTPROC}} -notify-ready 0s -status "from a new session" -after 3s -pidfile {{DIR}}/leader.pid; exec {{TESTPROC}} -sleep
      ready: {notify: true}
      ready_timeout: 10s
`)
	w := d.running("w")
	killAll(t, w.PID)
	if w.Status != "from a new session" {
		t.Errorf("status %q", w.Status)
	}
	leader := firstPid(t, filepath.Join(d.dir, "leader.pid"))
	killAll(t, leader)
	if pg, _ := syscall.Getpgid(leader); pg == w.PID {
		t.Fatalf("the descendant %d is in the worker's group %d", leader, pg)
	}
	shutdown(t, d)
}

// A worker running as another user reaches supd's notify socket (abstract:
// no file to open) and is recognised by its credentials; its trampoline,
// run as that user, sets WATCHDOG_PID.
func TestNotifyAsAnotherUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a worker as nobody")
	}
	// A folder nobody may use: the test's own are root's alone.
	shared, err := os.MkdirTemp("", "supd-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	d := startSupd(t, `version: 1
root:
  children:
    - name: w
      command: ["{{TESTPROC}}", "-sleep", "-notify-ready", "200ms", "-status", "as nobody", "-watchdog", "100ms", "-info", "`+shared+`/w.info"]
      user: nobody
      dir: `+shared+`
      ready: {notify: true}
      watchdog: 1s
`)
	w := d.waitNode("w", "running with its status", 15*time.Second, func(n api.Node) bool {
		return n.State == api.StateRunning && n.Status == "as nobody"
	})
	killAll(t, w.PID)
	if env := readEnv(t, filepath.Join(shared, "w.info")); env["WATCHDOG_PID"] != strconv.Itoa(w.PID) {
		t.Errorf("WATCHDOG_PID=%q, the worker's pid %d", env["WATCHDOG_PID"], w.PID)
	}
	shutdown(t, d)
}
