package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"supd/control/api"
	"supd/control/client"
)

// followers is how many `logs -f` followers TestLimitFollowers connects in
// all, and how many at a time: a batch stays below the control server's
// 512 connections, so that the probe and supctl still get in.
const (
	followers     = 10_000
	followerBatch = 400
)

// 10,000 `logs -f` followers connect and leave, 400 at a time (the control
// server serves at most 512 connections at once; more would wait in the
// listen backlog), 50 of them real supctl processes. Each gets the lines
// printed while it follows, in order, none lost; supd keeps serving, and
// once they are gone its fds and goroutines are back where they were.
func TestLimitFollowers(t *testing.T) {
	d := startSupd(t, `version: 1
root:
  children:
    - name: ticker
      command: ["{{TESTPROC}}", "-print-every", "2ms", "-line-len", "60", "-sleep"]
      logs: {forward: false}
`)
	pid := d.cmd.Process.Pid
	d.running("ticker")
	fds0, gr0, hwm0 := minFDs(t, pid), goroutines(t, d), statusKiB(t, pid, "VmHWM")
	probe := probeServing(t, d)
	c := client.New(d.socket)
	defer c.Close()
	began := time.Now()
	var mu sync.Mutex
	var failures []error
	for done := 0; done < followers; done += followerBatch {
		var wg sync.WaitGroup
		for range followerBatch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := follow3(c); err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}()
		}
		if done == 0 {
			followWithSupctl(t, d, 50)
		}
		wg.Wait()
	}
	took := time.Since(began)
	probe.end()
	if len(failures) > 0 {
		t.Fatalf("%d of %d followers failed; first: %v", len(failures), followers, failures[0])
	}
	hwm1 := statusKiB(t, pid, "VmHWM")
	var fds1, gr1 int
	waitFor(t, "supd's fds and goroutines back", 10*time.Second, func() bool {
		fds1, gr1 = countFDs(t, pid), goroutines(t, d)
		return fds1 <= fds0+2 && gr1 <= gr0+4
	})
	t.Logf("%d followers in %v; supd's fds %d → %d, goroutines %d → %d, peak RSS %d → %d KiB",
		followers, took.Round(time.Millisecond), fds0, fds1, gr0, gr1, hwm0, hwm1)
	if hwm1 > hwm0+64<<10 {
		t.Errorf("supd's peak RSS grew by %d KiB", hwm1-hwm0)
	}
	checkConsecutive(t, d.logLines(t, "ticker", 2000))
}

// follow3 follows the ticker until it has three lines, which must be
// consecutive, and leaves.
func follow3(c *client.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := c.FollowLogs(ctx, "ticker", 0)
	if err != nil {
		return err
	}
	defer s.Close()
	prev := 0
	for i := range 3 {
		l, err := s.Next()
		if err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
		var seq int
		if _, err := fmt.Sscanf(l.Text, "out %d ", &seq); err != nil {
			return fmt.Errorf("line %q: %w", l.Text, err)
		}
		if i > 0 && seq != prev+1 {
			return fmt.Errorf("line %d after line %d", seq, prev)
		}
		prev = seq
	}
	return nil
}

// followWithSupctl runs n `supctl logs -f ticker` at once, each until it
// printed three lines.
func followWithSupctl(t *testing.T, d *daemon, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin.supctl, "--socket", d.socket, "logs", "-f", "-n", "0", "ticker")
			out, err := cmd.StdoutPipe()
			if err != nil {
				errs <- err
				return
			}
			if err := cmd.Start(); err != nil {
				errs <- err
				return
			}
			sc := bufio.NewScanner(out)
			got := 0
			for got < 3 && sc.Scan() {
				if strings.Contains(sc.Text(), "out ") {
					got++
				}
			}
			cmd.Process.Kill()
			cmd.Wait()
			if got < 3 {
				errs <- fmt.Errorf("supctl logs -f printed %d lines", got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Followers cannot lock others out: they do not count toward the control
// server's 512 connections but toward 1024 streams of their own, beyond
// which a follower is refused at once. With 1024 followers connected,
// `supctl status` answers within servingLimit and a 1025th `supctl logs -f`
// is told why it is refused.
func TestLimitFollowersDoNotLockOut(t *testing.T) {
	const streams = 1024
	d := startSupd(t, `version: 1
root:
  children:
    - name: ticker
      command: ["{{TESTPROC}}", "-print-every", "100ms", "-sleep"]
      logs: {forward: false}
`)
	d.running("ticker")
	c := client.New(d.socket)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var open []*client.Stream[api.LogLine]
	defer func() {
		for _, s := range open {
			s.Close()
		}
	}()
	for i := range streams {
		s, err := followWithin(ctx, c, 5*time.Second)
		if err != nil {
			t.Fatalf("follower %d: %v", i+1, err)
		}
		open = append(open, s)
	}
	t.Logf("%d followers connected; supd holds %d fds", len(open), countFDs(t, d.cmd.Process.Pid))
	sctx, scancel := context.WithTimeout(ctx, servingLimit)
	defer scancel()
	began := time.Now()
	if out, err := exec.CommandContext(sctx, bin.supctl, "--socket", d.socket, "status").CombinedOutput(); err != nil {
		t.Fatalf("supctl status with %d followers connected: %v\n%s", len(open), err, out)
	}
	t.Logf("supctl status answered in %v", time.Since(began).Round(time.Millisecond))
	out, err := exec.CommandContext(sctx, bin.supctl, "--socket", d.socket, "logs", "-f", "ticker").CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "1024 streams") {
		t.Fatalf("follower %d: exit %d (%v), want 1 and why:\n%s", streams+1, code, err, out)
	}
	t.Logf("follower %d: %s", streams+1, strings.TrimSpace(string(out)))
}

// followWithin opens a logs -f stream of the ticker that lives as long as
// ctx, waiting at most d for its headers.
func followWithin(ctx context.Context, c *client.Client, d time.Duration) (*client.Stream[api.LogLine], error) {
	type opened struct {
		s   *client.Stream[api.LogLine]
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		s, err := c.FollowLogs(ctx, "ticker", 0)
		ch <- opened{s, err}
	}()
	select {
	case o := <-ch:
		return o.s, o.err
	case <-time.After(d):
		return nil, fmt.Errorf("no answer within %v", d)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}
