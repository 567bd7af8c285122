package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"testing"
	"time"

	"golang.org/x/sys/unix"

	"supd/control/api"
	"supd/control/client"
	"supd/internal/testproc/testprocbuild"
)

// Limits: what one worker or many clients can throw at supd. In each, supd
// keeps serving (every answer within servingLimit), its memory stays under
// a stated bound, and nothing SPEC promises is lost.

// servingLimit is how long any answer may take while supd is under load.
const servingLimit = 2 * time.Second

// servingProbe asks supd for its tree every 100 ms while a test loads it.
type servingProbe struct {
	t    *testing.T
	stop chan struct{}
	done chan struct{}
	max  time.Duration
	n    int
	err  error
}

func probeServing(t *testing.T, d *daemon) *servingProbe {
	p := &servingProbe{t: t, stop: make(chan struct{}), done: make(chan struct{})}
	c := client.New(d.socket)
	go func() {
		defer close(p.done)
		defer c.Close()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), servingLimit)
			began := time.Now()
			_, err := c.Tree(ctx)
			cancel()
			p.max = max(p.max, time.Since(began))
			p.n++
			if err != nil && p.err == nil {
				p.err = fmt.Errorf("GET /v1/tree after %v: %w", time.Since(began).Round(time.Millisecond), err)
			}
		}
	}()
	return p
}

// end stops the probe and fails the test if supd did not answer in time.
func (p *servingProbe) end() {
	p.t.Helper()
	close(p.stop)
	<-p.done
	if p.err != nil {
		p.t.Errorf("supd stopped serving: %v", p.err)
	}
	p.t.Logf("GET /v1/tree answered %d times, in %v at most", p.n, p.max.Round(time.Millisecond))
}

// maxPiece bounds the pieces supd cuts a long line into (64 KiB today):
// what a reader of its log must hold for one line.
const maxPiece = 1 << 20

// A worker writes one line of 100 MiB with no newline. supd cuts it into
// pieces as it reads, so its memory does not follow the line; the log file
// gets every byte (each piece on its own line), the ring the newest pieces,
// and another worker's lines meanwhile lose nothing.
func TestLimitLongLine(t *testing.T) {
	const size = 100 << 20
	d := startSupd(t, fmt.Sprintf(`version: 1
logs:
  dir: {{DIR}}/logs
  max_size: 1GiB
  forward: false
root:
  children:
    - name: other
      command: ["{{TESTPROC}}", "-print-every", "2ms", "-line-len", "60", "-sleep"]
    - name: blob
      command: ["{{TESTPROC}}", "-blob", "%d", "-sleep"]
`, size))
	pid := d.cmd.Process.Pid
	waitFor(t, "the control socket", 10*time.Second, func() bool { _, err := os.Stat(d.socket); return err == nil })
	hwm0 := statusKiB(t, pid, "VmHWM")
	probe := probeServing(t, d)
	file := filepath.Join(d.dir, "logs", "blob.log")
	began := time.Now()
	// The last piece is held until a newline or the end of the stream.
	waitFor(t, "all but the last piece in the log file", 60*time.Second, func() bool {
		fi, err := os.Stat(file)
		return err == nil && fi.Size() >= size-maxPiece
	})
	took := time.Since(began)
	probe.end()
	hwm1 := statusKiB(t, pid, "VmHWM")
	t.Logf("100 MiB read in %v; supd's peak RSS %d KiB before, %d KiB after", took.Round(time.Millisecond), hwm0, hwm1)
	// The bound: supd's own working set plus a few pieces in flight and the
	// 1 MiB ring, nowhere near the line's 100 MiB.
	if hwm1 > hwm0+32<<10 {
		t.Errorf("supd's peak RSS grew by %d KiB while it read a 100 MiB line", hwm1-hwm0)
	}

	d.mustCtl("stop", "blob")
	piece, n := checkBlobFile(t, file, size)
	// The ring holds the newest pieces, the end of the line.
	lines := d.logLines(t, "blob", 3)
	if len(lines) != 3 {
		t.Fatalf("supctl logs -n 3 blob: %d lines", len(lines))
	}
	for i, l := range lines {
		if err := isBlob(l.Text, int64(n-3+i)*piece); err != nil {
			t.Errorf("line %d of the ring: %v", i, err)
		}
	}
	t.Logf("the line came in %d pieces of %d bytes", n, piece)
	checkConsecutive(t, d.logLines(t, "other", 5000))
}

// logLines reads the ring of path with `supctl -o json logs -n N`.
func (d *daemon) logLines(t *testing.T, path string, n int) []api.LogLine {
	t.Helper()
	out := d.mustCtl("-o", "json", "logs", "-n", strconv.Itoa(n), path)
	var lines []api.LogLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l api.LogLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("logs: %v", err)
		}
		lines = append(lines, l)
	}
	return lines
}

// isBlob checks that text is the -blob's bytes from offset on.
func isBlob(text string, offset int64) error {
	for i := range int64(len(text)) {
		if text[i] != testprocbuild.BlobByte(offset+i) {
			return fmt.Errorf("byte %d of %d is %q, want the blob's byte %d", i, len(text), text[i], offset+i)
		}
	}
	return nil
}

// checkBlobFile reads a log file that holds a -blob of size bytes cut into
// pieces: every byte, in order, each piece a line of the same length (at
// most maxPiece) but the last. It returns that length and the number of
// pieces.
func checkBlobFile(t *testing.T, file string, size int64) (piece int64, n int) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 2*maxPiece)
	var off int64
	for ; ; n++ {
		l, err := r.ReadString('\n')
		if err == io.EOF && l == "" {
			break
		}
		if err != nil {
			t.Fatalf("%s, line %d: %v (a piece without its newline)", file, n+1, err)
		}
		l = strings.TrimSuffix(l, "\n")
		if n == 0 {
			piece = int64(len(l))
		}
		if piece > maxPiece || int64(len(l)) != piece && off+int64(len(l)) != size {
			t.Fatalf("%s, line %d: %d bytes, after pieces of %d", file, n+1, len(l), piece)
		}
		if err := isBlob(l, off); err != nil {
			t.Fatalf("%s, line %d: %v", file, n+1, err)
		}
		off += int64(len(l))
	}
	if off != size {
		t.Fatalf("%s holds %d bytes of the line, want %d", file, off, size)
	}
	return piece, n
}

// checkConsecutive checks that lines of a -print-every worker follow each
// other with no gap: nothing was lost.
func checkConsecutive(t *testing.T, lines []api.LogLine) {
	t.Helper()
	if len(lines) < 2 {
		t.Fatalf("%d lines", len(lines))
	}
	prev := 0
	for i, l := range lines {
		var seq int
		if _, err := fmt.Sscanf(l.Text, "out %d ", &seq); err != nil {
			t.Fatalf("line %q: %v", l.Text, err)
		}
		if i > 0 && seq != prev+1 {
			t.Fatalf("line %d follows line %d: %d lines lost", seq, prev, seq-prev-1)
		}
		prev = seq
	}
}

// A worker that holds 100,000 open files starts, is restarted and stops
// like any other, and costs supd nothing of its own fds. Where the hard
// limit of open files is lower and cannot be raised (CAP_SYS_RESOURCE),
// the worker opens as many as it allows.
func TestLimitManyFDs(t *testing.T) {
	n := 100_000
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < uint64(n)+256 && !hasCap(t, unix.CAP_SYS_RESOURCE) {
		n = int(lim.Max) - 256
		t.Logf("the hard limit of open files is %d and this process may not raise it (no CAP_SYS_RESOURCE): the worker opens %d", lim.Max, n)
	}
	if n < 10_000 {
		t.Skipf("the hard limit of open files is %d: too low for this test", lim.Max)
	}
	d := startSupd(t, fmt.Sprintf(`version: 1
root:
  children:
    - name: fds
      command: ["{{TESTPROC}}", "-open-fds", "%d", "-children", "1", "-pidfile", "{{DIR}}/fds.pid", "-notify-ready", "0s", "-sleep"]
      ready: {notify: true}
      stop_timeout: 10s
`, n))
	pid := d.cmd.Process.Pid
	for round := range 2 {
		began := time.Now()
		w := d.waitNode("fds", "running", 60*time.Second, func(n api.Node) bool { return n.State == api.StateRunning })
		killAll(t, w.PID)
		if got := countFDs(t, w.PID); got < n {
			t.Fatalf("the worker holds %d fds, want %d", got, n)
		}
		var kids []int
		waitFor(t, "the worker's pidfile", 10*time.Second, func() bool {
			kids = pids(t, filepath.Join(d.dir, "fds.pid"))
			return len(kids) == 2 && kids[0] == w.PID
		})
		if got := countFDs(t, kids[1]); got > 64 {
			t.Errorf("its grandchild inherited %d fds", got)
		}
		t.Logf("round %d: running with %d fds after %v; supd holds %d fds", round, countFDs(t, w.PID), time.Since(began).Round(time.Millisecond), countFDs(t, pid))
		if got := countFDs(t, pid); got > 64 {
			t.Errorf("supd holds %d fds", got)
		}
		began = time.Now()
		if round == 0 {
			d.mustCtl("restart", "fds")
			waitFor(t, "the first run gone", 10*time.Second, func() bool { return !alive(w.PID) && !alive(kids[1]) })
		} else {
			d.mustCtl("stop", "fds")
			if alive(w.PID) || alive(kids[1]) {
				t.Errorf("the worker or its grandchild outlived its stop")
			}
		}
		t.Logf("round %d: %s in %v", round, []string{"restarted", "stopped"}[round], time.Since(began).Round(time.Millisecond))
	}
	n0, err := d.node("fds")
	if err != nil || n0.State != api.StateStopped || n0.LastExit == nil || n0.LastExit.Signal != "TERM" {
		t.Errorf("after its stop: %+v, %v", n0, err)
	}
}

// 1000 API clients at once, each on its own connection: the control
// server serves 512 at a time and the others wait in the listen backlog;
// every one gets its answer, right, and supd's fds are back afterwards.
func TestLimitConcurrentClients(t *testing.T) {
	const clients = 1000
	d := startSupd(t, `version: 1
root:
  children:
    - name: ticker
      command: ["{{TESTPROC}}", "-print-every", "10ms", "-sleep"]
      logs: {forward: false}
    - name: quiet
      command: ["{{TESTPROC}}", "-sleep"]
`)
	pid := d.cmd.Process.Pid
	d.running("ticker")
	d.running("quiet")
	fds0, hwm0 := minFDs(t, pid), statusKiB(t, pid, "VmHWM")
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	var slowest time.Duration
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(d.socket)
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			<-start
			began := time.Now()
			err := clientRequest(ctx, c, i)
			mu.Lock()
			defer mu.Unlock()
			slowest = max(slowest, time.Since(began))
			if err != nil {
				failures = append(failures, fmt.Errorf("client %d: %w", i, err))
			}
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(began)
	if len(failures) > 0 {
		t.Fatalf("%d of %d clients failed; first: %v", len(failures), clients, failures[0])
	}
	var fds1 int
	waitFor(t, "supd's fds back", 10*time.Second, func() bool { fds1 = countFDs(t, pid); return fds1 <= fds0+2 })
	hwm1 := statusKiB(t, pid, "VmHWM")
	t.Logf("%d clients answered in %v (the slowest in %v); supd's fds %d → %d, peak RSS %d → %d KiB",
		clients, took.Round(time.Millisecond), slowest.Round(time.Millisecond), fds0, fds1, hwm0, hwm1)
	if hwm1 > hwm0+64<<10 {
		t.Errorf("supd's peak RSS grew by %d KiB", hwm1-hwm0)
	}
	if n, err := d.node("quiet"); err != nil || n.State != api.StateRunning {
		t.Errorf("quiet after the clients: %+v, %v", n, err)
	}
}

// clientRequest is client i's request, one of a mix of reads and a signal
// that the worker ignores, each checked.
func clientRequest(ctx context.Context, c *client.Client, i int) error {
	switch i % 5 {
	case 0:
		tr, err := c.Tree(ctx)
		if err == nil && len(tr.Root.Children) != 2 {
			err = fmt.Errorf("tree with %d children", len(tr.Root.Children))
		}
		return err
	case 1:
		n, err := c.Node(ctx, "ticker")
		if err == nil && (n.Path != "ticker" || n.State != api.StateRunning) {
			err = fmt.Errorf("node %+v", n)
		}
		return err
	case 2:
		lines, err := c.Logs(ctx, "ticker", 10)
		if err == nil && len(lines) != 10 {
			err = fmt.Errorf("%d lines", len(lines))
		}
		return err
	case 3:
		m, err := c.Metrics(ctx)
		if err == nil && !strings.Contains(m, `supd_node_state`) {
			err = errors.New("metrics without supd_node_state")
		}
		return err
	default:
		_, err := c.Signal(ctx, "quiet", "WINCH", false)
		return err
	}
}

// hasCap reports whether this process has capability c in its effective set.
func hasCap(t *testing.T, c uint) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<c) != 0
		}
	}
	return false
}

// goroutines is supd's go_goroutines, from /metrics.
func goroutines(t *testing.T, d *daemon) int {
	t.Helper()
	m, err := d.metrics()
	if err != nil {
		t.Fatal(err)
	}
	return int(metric(m, "go_goroutines"))
}

// metrics is GET /metrics, within 5 s.
func (d *daemon) metrics() (string, error) {
	c := client.New(d.socket)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Metrics(ctx)
}
