package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"supd/control/api"
	"supd/control/client"
)

// reloadWorkers is the size of the tree the reload benchmark edits.
const reloadWorkers = 1000

// reloadTree is a supd.yaml of n sleeps named w0…, with w<changed>'s
// argument made different, and extra more workers named x0… after them.
func reloadTree(n, changed, extra int) string {
	var y strings.Builder
	y.WriteString("version: 1\nroot:\n  start: parallel\n  children:\n")
	for i := range n {
		arg := "3600"
		if i == changed {
			arg = "3601"
		}
		fmt.Fprintf(&y, "    - {name: w%d, command: [\"sleep\", %q]}\n", i, arg)
	}
	for i := range extra {
		fmt.Fprintf(&y, "    - {name: x%d, command: [\"sleep\", \"3600\"]}\n", i)
	}
	return y.String()
}

// BenchmarkReload1000 edits the config of a running 1000-worker tree by
// renaming a new file over it, as an editor does, and measures the time
// from the rename to the reload applied (the watch noticed, the plan made
// and applied by the owners) and to the affected processes running or
// gone, and supd's CPU for it all (scheduler time of all its threads):
// one worker's command changed; 100 workers added; 100 removed. It checks
// that every other worker kept its pid. Target: under 50 ms to notice, plan
// and apply the one-worker change, and under 20 ms of supd's CPU.
func BenchmarkReload1000(b *testing.B) {
	cases := []struct {
		name        string
		from, to    string
		affected    func(path string) bool
		count       int  // how many nodes it affects
		wantRunning bool // the affected nodes end running, or gone
	}{
		{"one-command", reloadTree(reloadWorkers, -1, 0), reloadTree(reloadWorkers, 500, 0),
			func(p string) bool { return p == "w500" }, 1, true},
		{"add-100", reloadTree(reloadWorkers, -1, 0), reloadTree(reloadWorkers, -1, 100),
			func(p string) bool { return strings.HasPrefix(p, "x") }, 100, true},
		{"remove-100", reloadTree(reloadWorkers, -1, 100), reloadTree(reloadWorkers, -1, 0),
			func(p string) bool { return strings.HasPrefix(p, "x") }, 100, false},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				s := startSupd(b, tc.from)
				s.waitLog(b, "path=/ state=running", 60*time.Second)
				c := client.New(s.socket)
				defer c.Close()
				before := pidsByPath(b, c)
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				events, err := c.FollowEvents(ctx, 0)
				if err != nil {
					b.Fatal(err)
				}
				time.Sleep(500 * time.Millisecond) // let the start settle
				cpu0 := schedTime(b, s.cmd.Process.Pid)
				next := filepath.Join(s.dir, "next.yaml")
				if err := os.WriteFile(next, []byte(tc.to), 0o644); err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if err := os.Rename(next, filepath.Join(s.dir, "supd.yaml")); err != nil {
					b.Fatal(err)
				}
				var applied, done time.Time
				for left := tc.count; left > 0; {
					e, err := events.Next()
					if err != nil {
						b.Fatalf("events: %v (%d affected left)", err, left)
					}
					switch {
					case e.Kind == api.EventReloadFailed:
						b.Fatalf("reload failed: %s", e.Message)
					case e.Kind == api.EventReload:
						applied = e.Time
					case e.Kind == api.EventState && tc.affected(e.Path) &&
						(tc.wantRunning && e.New == api.StateRunning || !tc.wantRunning && e.New == api.StateStopped):
						left--
						done = e.Time
					}
				}
				for applied.IsZero() {
					e, err := events.Next()
					if err != nil {
						b.Fatal(err)
					}
					if e.Kind == api.EventReload {
						applied = e.Time
					}
				}
				time.Sleep(200 * time.Millisecond) // the last exits are reaped and cleaned up
				cpu := schedTime(b, s.cmd.Process.Pid) - cpu0
				cancel()
				events.Close()
				after := pidsByPath(b, c)
				kept := 0
				for p, pid := range before {
					if tc.affected(p) {
						continue
					}
					if after[p] != pid {
						b.Fatalf("%s: pid %d → %d", p, pid, after[p])
					}
					kept++
				}
				b.ReportMetric(ms(applied.Sub(t0)), "applied-ms")
				b.ReportMetric(ms(done.Sub(t0)), "done-ms")
				b.ReportMetric(ms(cpu), "supd-cpu-ms")
				b.ReportMetric(float64(kept), "pids-kept")
				s.stop(b)
			}
		})
	}
}

// pidsByPath is every worker's pid, by path.
func pidsByPath(b *testing.B, c *client.Client) map[string]int {
	b.Helper()
	t, err := c.Tree(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]int{}
	t.Root.Walk(func(n *api.Node) {
		if n.Kind == api.KindWorker {
			out[n.Path] = n.PID
		}
	})
	return out
}

// schedTime is the CPU time of all of pid's threads, from the scheduler's
// own accounting (nanoseconds, unlike the 10 ms ticks of /proc/PID/stat).
func schedTime(b *testing.B, pid int) time.Duration {
	b.Helper()
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(files) == 0 {
		b.Fatalf("schedstat of %d: %v", pid, err)
	}
	var total time.Duration
	for _, f := range files {
		bs, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that ended
		}
		ns, _ := strconv.ParseInt(strings.Fields(string(bs))[0], 10, 64)
		total += time.Duration(ns)
	}
	return total
}
