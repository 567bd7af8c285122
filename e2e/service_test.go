package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/control/api"
)

// A control.http address that cannot be bound stops supd at start, before
// any worker runs, with the address in the message.
func TestControlHTTPBindFailureExits1(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	d := startSupd(t, `version: 1
control:
  http: `+addr+`
root:
  children:
    - name: w
      command: ["{{TESTPROC}}", "-sleep", "-pidfile", "{{DIR}}/w.pid"]
`)
	if st := d.wait(10 * time.Second); st != 1 {
		t.Fatalf("exit status %d, want 1", st)
	}
	if !strings.Contains(d.Stderr(), "control.http: listening on "+addr) || !strings.Contains(d.Stderr(), "address already in use") {
		t.Errorf("stderr does not name %s:\n%s", addr, d.Stderr())
	}
	if _, err := os.Stat(filepath.Join(d.dir, "w.pid")); err == nil {
		t.Error("a worker started although control.http failed")
	}
}

// nsProcs lists the processes in the PID namespace of host pid ns1 (itself
// included): host pid → the last NSpid (the pid inside) and state.
type nsProc struct {
	host, inside int
	state        string
}

func nsProcs(t *testing.T, ns1 int) []nsProc {
	t.Helper()
	want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", ns1))
	if err != nil {
		return nil // the namespace is gone
	}
	ents, _ := os.ReadDir("/proc")
	var out []nsProc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ns, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err != nil || ns != want {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		p := nsProc{host: pid}
		for line := range strings.SplitSeq(string(b), "\n") {
			k, v, _ := strings.Cut(line, ":")
			f := strings.Fields(v)
			switch {
			case k == "State" && len(f) > 0:
				p.state = f[0]
			case k == "NSpid" && len(f) > 0:
				p.inside, _ = strconv.Atoi(f[len(f)-1])
			}
		}
		out = append(out, p)
	}
	return out
}

func findInside(ps []nsProc, inside int) (nsProc, bool) {
	for _, p := range ps {
		if p.inside == inside {
			return p, true
		}
	}
	return nsProc{}, false
}

// supd as PID 1 of a new PID namespace, as a container's entrypoint is, with
// no terminal: it reaps orphans — what a worker double-forked away, and a
// process that entered the namespace from outside and lost its parent, as
// `docker exec` leaves them — SIGTERM shuts the tree down with status 0,
// and it starts no guardian.
func TestPID1ReapsOrphansAndShutsDown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: a new PID namespace (unshare --pid --fork --mount-proc)")
	}
	unshare, err1 := exec.LookPath("unshare")
	nsenter, err2 := exec.LookPath("nsenter")
	if err1 != nil || err2 != nil {
		t.Skip("needs unshare and nsenter (util-linux)")
	}
	dir, config, socket := writeConfig(t, `version: 1
root:
  children:
    - name: app
      command: ["{{TESTPROC}}", "-sleep"]
    - name: spawner
      command: ["{{TESTPROC}}", "-children", "1", "-double-fork", "-pidfile", "{{DIR}}/spawner.pid", "-after", "300ms"]
      restart: temporary
`)
	cmd := exec.Command(unshare, "--pid", "--fork", "--mount-proc", bin.supd, "--config", config, "--socket", socket)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr // stdin is /dev/null: no terminal
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var supd int
	t.Cleanup(func() {
		if supd > 0 {
			_ = syscall.Kill(supd, syscall.SIGKILL) // PID 1's death ends the namespace
		}
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("supd's stderr:\n%s", tail(stderr.String()))
		}
	})
	waitFor(t, "supd in its namespace", 10*time.Second, func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
		if err != nil {
			return false
		}
		supd, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return supd > 0
	})
	if p, ok := findInside(nsProcs(t, supd), 1); !ok || p.host != supd {
		t.Fatalf("supd (pid %d) is not PID 1 of its namespace: %+v", supd, nsProcs(t, supd))
	}
	d := &daemon{t: t, socket: socket}
	d.waitNode("spawner", "spawner exited", 10*time.Second, func(n api.Node) bool { return n.State == api.StateExited })
	grand := pids(t, filepath.Join(dir, "spawner.pid"))
	if len(grand) != 2 {
		t.Fatalf("spawner's pidfile: %v", grand)
	}

	// An orphan that never belonged to a worker.
	out, err := exec.Command(nsenter, "--target", strconv.Itoa(supd), "--pid", "--", "/bin/sh", "-c", "sleep 0.3 & echo $!").Output()
	if err != nil {
		t.Fatalf("nsenter: %v", err)
	}
	orphan, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("nsenter printed %q", out)
	}
	for _, inside := range []int{grand[1], orphan} {
		waitFor(t, fmt.Sprintf("pid %d of the namespace to be reaped", inside), 10*time.Second, func() bool {
			_, ok := findInside(nsProcs(t, supd), inside)
			return !ok
		})
	}
	for _, p := range nsProcs(t, supd) {
		if p.state == "Z" {
			t.Errorf("zombie in supd's namespace: %+v", p)
		}
	}

	if err := syscall.Kill(supd, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Fatalf("unshare/supd ended with %v after SIGTERM, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("supd did not exit within 20s of SIGTERM")
	}
	if !strings.Contains(stderr.String(), `msg="shutting down" reason=terminated`) {
		t.Errorf("no orderly shutdown in the log:\n%s", tail(stderr.String()))
	}
	// The kernel kills the namespace with its PID 1: no guardian needed.
	if !strings.Contains(stderr.String(), `msg="no guardian: supd is PID 1 of its pid namespace`) {
		t.Errorf("the log does not say why there is no guardian:\n%s", tail(stderr.String()))
	}
}
