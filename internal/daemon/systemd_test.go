package daemon

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"supd/config"
	"supd/osproc"
	"supd/tree"
)

// lockedBuffer is supd's log, read by the test while supd writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runningDaemon is a daemon run in the test's process.
type runningDaemon struct {
	d    *daemon
	dir  string
	http string // control.http's address
	code chan int
}

// startDaemon runs the config yaml ({{TESTPROC}} and {{DIR}} replaced) in
// this process. Cleanup shuts it down and waits for it.
func startDaemon(t *testing.T, yaml string) *runningDaemon {
	t.Helper()
	dir := t.TempDir()
	yaml = strings.NewReplacer("{{TESTPROC}}", testprocPath, "{{DIR}}", dir).Replace(yaml)
	file := filepath.Join(dir, "supd.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := osproc.Init(log); err != nil {
		t.Fatal(err)
	}
	d, err := newDaemon(cfg, Options{Socket: filepath.Join(dir, "supd.sock"), Log: log, Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	r := &runningDaemon{d: d, dir: dir, code: make(chan int, 1)}
	if d.httpLn != nil {
		r.http = d.httpLn.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer d.close()
		r.code <- d.run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.code:
		case <-time.After(30 * time.Second):
			t.Error("supd did not stop within 30s")
		}
		if t.Failed() {
			t.Logf("supd's log:\n%s", logs.String())
		}
	})
	return r
}

// probe GETs path on control.http and returns the status and body.
func (r *runningDaemon) probe(t *testing.T, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://" + r.http + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The whole conversation with systemd, against real processes: READY=1
// only once the slowest initial worker is ready, WATCHDOG=1 at half the
// interval that stops while an owner's loop is blocked, the reload pair in
// order, STOPPING=1; and workers see none of it.
func TestSystemdConversation(t *testing.T) {
	const watchdog = 600 * time.Millisecond
	sd := newFakeSystemd(t, watchdog)
	t.Setenv("LISTEN_FDS", "1")
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	t.Setenv("LISTEN_FDNAMES", "supd")
	began := time.Now()
	r := startDaemon(t, `
version: 1
control:
  http: 127.0.0.1:0
shutdown_timeout: 20s
root:
  start: parallel
  children:
    - name: fast
      command: ["{{TESTPROC}}", -sleep, -info, "{{DIR}}/fast.info"]
    - name: web
      children:
        - name: slow
          command: ["{{TESTPROC}}", -sleep, -notify-ready, 1s]
          ready: {notify: true}
`)
	if status, body := r.probe(t, "/readyz"); status != 503 || !strings.Contains(body, "initial start: not finished\n") {
		t.Errorf("/readyz while web/slow starts: %d %q", status, body)
	}

	ready, before := sd.await("READY=1", 15*time.Second)
	if took := time.Since(began); took < time.Second {
		t.Errorf("READY=1 after %v, before web/slow could be ready", took)
	}
	if st := r.d.tree.Snapshot().Find("web/slow").State; st != tree.Running {
		t.Errorf("READY=1 while web/slow is %s", st)
	}
	if ready != "READY=1\nSTATUS=2 running, 0 failed" {
		t.Errorf("READY message %q", ready)
	}
	for _, m := range before {
		if !strings.HasPrefix(m, "STATUS=") && m != "WATCHDOG=1" {
			t.Errorf("before READY=1: %q", m)
		}
	}
	if status, body := r.probe(t, "/readyz"); status != 200 || body != "ready\n" {
		t.Errorf("/readyz after READY=1: %d %q", status, body)
	}

	info, err := os.ReadFile(filepath.Join(r.dir, "fast.info"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID=", "LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES="} {
		if strings.Contains(string(info), "env "+v) {
			t.Errorf("a worker inherited %s:\n%s", v, info)
		}
	}

	// Two pings within two intervals.
	for range 2 {
		sd.await("WATCHDOG=1", watchdog)
	}
	if status, _ := r.probe(t, "/healthz"); status != 200 {
		t.Errorf("/healthz: %d", status)
	}

	// A blocked owner deep in the tree stops the pings and fails /healthz.
	release, err := r.d.tree.BlockForTest("web")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	time.Sleep(watchdog) // a ping under way when the loop blocked may still land
	sd.drain()
	if status, body := r.probe(t, "/healthz"); status != 503 || !strings.Contains(body, "unhealthy: ping") {
		t.Errorf("/healthz with a blocked owner: %d %q", status, body)
	}
	sd.quiet("WATCHDOG=1", 2*watchdog)
	release()
	sd.await("WATCHDOG=1", watchdog)
	if status, _ := r.probe(t, "/healthz"); status != 200 {
		t.Errorf("/healthz after release: %d", status)
	}

	// The reload's pair around every reload: one that changes nothing, and
	// one that fails.
	for _, bad := range []bool{false, true} {
		if bad {
			if err := os.WriteFile(r.d.reloader.current().File, []byte("version: 2\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := r.d.reloader.reload(context.Background(), "test", false)
		if bad != (err != nil) {
			t.Errorf("reload (invalid file %v): %v", bad, err)
		}
		if m, _ := sd.await("RELOADING=1", time.Second); !strings.Contains(m, "\nMONOTONIC_USEC=") {
			t.Errorf("reload began with %q", m)
		}
		if m, _ := sd.await("READY=1", time.Second); m != "READY=1" {
			t.Errorf("reload ended with %q", m)
		}
	}

	r.d.shutdownReq <- struct{}{}
	sd.await("STOPPING=1", 5*time.Second)
	select {
	case code := <-r.code:
		r.code <- code
		if code != ExitOK {
			t.Errorf("exit status %d after shutdown", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("supd did not stop")
	}
}

// A worker whose first start fails does not hold READY=1 back: the initial
// start has finished, and /readyz names the worker.
func TestSystemdReadyWithAFailedFirstStart(t *testing.T) {
	sd := newFakeSystemd(t, 0)
	r := startDaemon(t, `
version: 1
control:
  http: 127.0.0.1:0
root:
  children:
    - name: ok
      command: ["{{TESTPROC}}", -sleep]
    - name: broken
      command: ["{{TESTPROC}}", -exit, "1"]
      ready: {after: 1s}
      backoff: {initial: 1m}
    - name: behind
      command: ["{{TESTPROC}}", -sleep]
`)
	m, _ := sd.await("READY=1", 15*time.Second)
	if m != "READY=1\nSTATUS=1 running, 1 backoff, 1 stopped, 0 failed" {
		t.Errorf("READY message %q", m)
	}
	status, body := r.probe(t, "/readyz")
	if status != 503 || body != "not ready\nbroken: backoff\nbehind: stopped\n" {
		t.Errorf("/readyz: %d %q", status, body)
	}
}
