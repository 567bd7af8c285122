package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"supd/control/api"
)

// ctlWorkers is the size of the tree the control benchmarks read.
const ctlWorkers = 1000

// startCtlTree runs supd with ctlWorkers sleeps under one `start: parallel`
// supervisor and returns once all of them run.
func startCtlTree(b *testing.B) *supd {
	b.Helper()
	var yaml strings.Builder
	yaml.WriteString("version: 1\nroot:\n  children:\n    - name: pool\n      start: parallel\n      children:\n")
	for i := range ctlWorkers {
		fmt.Fprintf(&yaml, "        - name: w%d\n          command: [\"sleep\", \"3600\"]\n", i)
	}
	s := startSupd(b, yaml.String())
	s.waitLog(b, "path=/ state=running", 60*time.Second)
	return s
}

// checkStatus fails unless out is `supctl -o json status` of the whole
// tree with every worker running.
func checkStatus(b *testing.B, out []byte) {
	b.Helper()
	var nodes []api.Node
	if err := json.Unmarshal(out, &nodes); err != nil || len(nodes) != 1 {
		b.Fatalf("status -o json: %v: %.200s", err, out)
	}
	checkRunning(b, nodes[0])
}

// checkRunning fails unless all ctlWorkers workers below root run.
func checkRunning(b *testing.B, root api.Node) {
	b.Helper()
	running, states := 0, map[api.State]int{}
	root.Walk(func(n *api.Node) {
		if n.Kind == api.KindWorker {
			states[n.State]++
			if n.State == api.StateRunning && n.PID > 0 {
				running++
			}
		}
	})
	if running != ctlWorkers {
		b.Fatalf("%d workers running, want %d; by state: %v", running, ctlWorkers, states)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkSupctlStatus1000 times `supctl -o json status` of a 1000-worker
// tree as a user sees it: a whole process, from exec to exit, its output
// read through a pipe. Target: a median under 20 ms.
func BenchmarkSupctlStatus1000(b *testing.B) {
	s := startCtlTree(b)
	args := []string{"--socket", s.socket, "-o", "json", "status"}
	out, err := exec.Command(bin.supctl, args...).Output()
	if err != nil {
		b.Fatalf("supctl: %v", err)
	}
	checkStatus(b, out)

	var times []time.Duration
	for b.Loop() {
		cmd := exec.Command(bin.supctl, args...)
		cmd.Stdout = io.Discard
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("supctl: %v: %s", err, stderr.Bytes())
		}
		times = append(times, time.Since(t0))
	}
	b.ReportMetric(ms(percentile(times, 50)), "median-ms/op")
	b.ReportMetric(ms(percentile(times, 99)), "p99-ms/op")
	b.ReportMetric(float64(len(out))/1024, "json-KiB")
	s.stop(b)
}

// BenchmarkTreeAPI8Clients has 8 clients GET /v1/tree of a 1000-worker
// tree at once over the socket, each with its own kept-alive connection;
// one op is 25 requests per client. It reports the requests served per
// second and supd's CPU time (user and system, from /proc) per request.
func BenchmarkTreeAPI8Clients(b *testing.B) {
	const clients, perClient = 8, 25
	s := startCtlTree(b)
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", s.socket)
	}
	hc := &http.Client{
		Transport: &http.Transport{DialContext: dial, MaxIdleConnsPerHost: clients, DisableCompression: true},
		Timeout:   30 * time.Second,
	}
	defer hc.CloseIdleConnections()
	get := func(w io.Writer) error {
		resp, err := hc.Get("http://supd/v1/tree")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /v1/tree: %s", resp.Status)
		}
		_, err = io.Copy(w, resp.Body)
		return err
	}
	var first bytes.Buffer
	if err := get(&first); err != nil {
		b.Fatal(err)
	}
	var tree api.Tree
	if err := json.Unmarshal(first.Bytes(), &tree); err != nil {
		b.Fatalf("GET /v1/tree: %v: %.200s", err, first.Bytes())
	}
	checkRunning(b, tree.Root)

	pid := s.cmd.Process.Pid
	u0 := readUsage(b, pid)
	requests := 0
	t0 := time.Now()
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for range clients {
			wg.Go(func() {
				for range perClient {
					if err := get(io.Discard); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		requests += clients * perClient
	}
	elapsed := time.Since(t0)
	u1 := readUsage(b, pid)
	b.ReportMetric(float64(requests)/elapsed.Seconds(), "req/s")
	b.ReportMetric(ms(u1.cpu-u0.cpu)/float64(requests), "supd-cpu-ms/req")
	b.ReportMetric(float64(first.Len())/1024, "json-KiB")
	s.stop(b)
}
