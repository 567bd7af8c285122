package bench

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// healthWorkers is how many workers BenchmarkHealth500HTTP probes, and
// healthWindow how long it measures supd's CPU.
const (
	healthWorkers = 500
	healthWindow  = 20 * time.Second
)

// BenchmarkHealth500HTTP measures supd's CPU while it probes 500 workers
// over HTTP every second (SPEC §2.3). The workers are `sleep`s; the
// endpoints are served by this process, one listener per worker, as 500
// real services would each listen on a port of their own (so each probe
// keeps its own connection alive). Target: under 5% of one core.
func BenchmarkHealth500HTTP(b *testing.B) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		b.Skip("no sleep(1)")
	}
	for range b.N {
		var hits atomic.Int64
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Write([]byte("ok\n"))
		})}
		b.Cleanup(func() { srv.Close() })
		var yaml strings.Builder
		yaml.WriteString("version: 1\nroot:\n  children:\n")
		for i := range healthWorkers {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go srv.Serve(ln)
			fmt.Fprintf(&yaml, "    - name: w%d\n      command: [%q, \"3600\"]\n      health: {http: \"http://%s/\", interval: 1s}\n",
				i, sleep, ln.Addr())
		}
		s := startSupd(b, yaml.String())
		s.waitLog(b, "path=/ state=running", 2*time.Minute)
		// Past the first round, whose probes dial their connections.
		time.Sleep(3 * time.Second)

		pid := s.cmd.Process.Pid
		u0, h0, t0 := readUsage(b, pid), hits.Load(), time.Now()
		time.Sleep(healthWindow)
		u1, h1, t1 := readUsage(b, pid), hits.Load(), time.Now()
		rss := rssMiB(b, pid)
		s.stop(b)

		elapsed := t1.Sub(t0)
		probes := float64(h1-h0) / elapsed.Seconds()
		if probes < 0.9*healthWorkers {
			b.Fatalf("only %.0f probes/s for %d workers probed every second", probes, healthWorkers)
		}
		b.ReportMetric(100*float64(u1.cpu-u0.cpu)/float64(elapsed), "cpu-%")
		b.ReportMetric(probes, "probes/s")
		b.ReportMetric(float64(u1.switches-u0.switches)/elapsed.Seconds(), "ctxsw/s")
		b.ReportMetric(rss, "rss-MiB")
	}
}

// readyWorkers is how many notify workers BenchmarkReadyToNextStart starts
// one after another.
const readyWorkers = 200

// BenchmarkReadyToNextStart measures, under `start: sequential`, the time
// from a worker's READY=1 (its own clock just before it sends it) to the
// start of the next sibling (that sibling's own first clock reading): the
// notify socket, the supervisor's reaction and the next fork-exec. Target:
// median under 1 ms. The floor is the same program run in a bare Go
// fork-exec-wait loop, where readiness is the previous run's exit: the
// fork-exec that no supervisor can skip.
func BenchmarkReadyToNextStart(b *testing.B) {
	helper := buildNotifyStamp(b)
	for range b.N {
		stamps := filepath.Join(b.TempDir(), "ready.stamps")
		var yaml strings.Builder
		yaml.WriteString("version: 1\nroot:\n  start: sequential\n  children:\n")
		for i := range readyWorkers {
			fmt.Fprintf(&yaml, "    - name: w%d\n      command: [%q, \"w%d\"]\n      env: {STAMP_FILE: %q}\n      ready: {notify: true}\n      ready_timeout: 10s\n",
				i, helper, i, stamps)
		}
		s := startSupd(b, yaml.String())
		s.waitLog(b, "path=/ state=running", 2*time.Minute)
		s.stop(b)
		gaps := readyGaps(b, stamps)
		if len(gaps) != readyWorkers-1 {
			b.Fatalf("%d gaps from %d workers", len(gaps), readyWorkers)
		}

		// Without NOTIFY_SOCKET the helper exits once it stamped "ready".
		floorStamps := filepath.Join(b.TempDir(), "floor.stamps")
		floor := exec.Command(bin.floor, "respawn", strconv.Itoa(readyWorkers), helper, "floor")
		floor.Env = append(withoutNotify(os.Environ()), "STAMP_FILE="+floorStamps)
		if out, err := floor.CombinedOutput(); err != nil {
			b.Fatalf("floor: %v\n%s", err, out)
		}
		floorGaps := readyGaps(b, floorStamps)

		med, fmed := percentile(gaps, 50), percentile(floorGaps, 50)
		b.ReportMetric(float64(med.Microseconds()), "median-µs")
		b.ReportMetric(float64(percentile(gaps, 99).Microseconds()), "p99-µs")
		b.ReportMetric(float64(fmed.Microseconds()), "floor-median-µs")
		b.ReportMetric(float64(percentile(floorGaps, 99).Microseconds()), "floor-p99-µs")
		b.ReportMetric(float64(med-fmed)/1e3, "over-floor-µs")
	}
}

func withoutNotify(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "NOTIFY_SOCKET=") {
			out = append(out, kv)
		}
	}
	return out
}

// buildNotifyStamp compiles notifystamp/notifystamp.c into the run's
// folder (statically where the C library allows, so that the dynamic
// loader does not weigh on the start it measures), or skips the benchmark
// without a C compiler.
func buildNotifyStamp(b *testing.B) string {
	b.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		b.Skip("no C compiler: the notifystamp helper cannot be built")
	}
	out := filepath.Join(bin.dir, "notifystamp")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	var msg []byte
	for _, flags := range [][]string{{"-static"}, nil} {
		args := append(append([]string{"-O2"}, flags...), "-o", out, "notifystamp/notifystamp.c")
		if msg, err = exec.Command(cc, args...).CombinedOutput(); err == nil {
			return out
		}
	}
	b.Fatalf("building notifystamp: %v\n%s", err, msg)
	return ""
}

// readyGaps reads notifystamp's lines, in the order they were written, and
// returns each gap from one run's "ready" to the next run's "start".
func readyGaps(b *testing.B, file string) []time.Duration {
	b.Helper()
	f, err := os.Open(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var gaps []time.Duration
	var lastReady int64 = -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var what, name string
		var ns int64
		if _, err := fmt.Sscanf(sc.Text(), "%s %s %d", &what, &name, &ns); err != nil {
			b.Fatalf("stamp line %q: %v", sc.Text(), err)
		}
		switch what {
		case "start":
			if lastReady >= 0 {
				gaps = append(gaps, time.Duration(ns-lastReady))
			}
			lastReady = -1
		case "ready":
			lastReady = ns
		}
	}
	return gaps
}
