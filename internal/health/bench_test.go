package health

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"supd/osproc"
)

// benchServerEnv makes the test binary a server for the benchmarks: it
// listens on that many ports of 127.0.0.1, prints their addresses on one
// line and serves "200 OK" until killed. Running it as a separate process
// keeps its CPU out of the measurement of supd's side.
const benchServerEnv = "SUPD_HEALTH_BENCH_SERVER"

func benchServer(n int) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})}
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		addrs = append(addrs, ln.Addr().String())
		go srv.Serve(ln)
	}
	fmt.Println(strings.Join(addrs, " "))
	select {}
}

// startBenchServer runs the server with n ports through osproc and returns
// its base URLs.
func startBenchServer(b *testing.B, n int) []string {
	b.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	exited := make(chan struct{})
	p, err := osproc.Start(osproc.Spec{
		Argv:   []string{os.Args[0]},
		Env:    append(os.Environ(), benchServerEnv+"="+strconv.Itoa(n)),
		Stdout: w, Stderr: os.Stderr,
		OnExit: func(osproc.Exit) { close(exited) },
	})
	w.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		p.Kill()
		<-exited
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		var urls []string
		for _, a := range strings.Fields(s) {
			urls = append(urls, "http://"+a+"/healthz")
		}
		if len(urls) != n {
			b.Fatalf("server gave %d addresses, want %d", len(urls), n)
		}
		return urls
	case <-time.After(10 * time.Second):
		b.Fatal("bench server did not start within 10s")
		return nil
	}
}

// cpuTime is the CPU (user + system) this process has used.
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHTTPProbe measures one HTTP probe on a kept-alive connection,
// from supd's side: ns/op is the latency, cpu-µs/probe the CPU it costs.
func BenchmarkHTTPProbe(b *testing.B) {
	urls := startBenchServer(b, 1)
	p, err := NewHTTP(urls[0])
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if r := p.Probe(ctx); !r.OK { // open the connection
		b.Fatal(r.Detail)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		if r := p.Probe(pctx); !r.OK {
			b.Fatal(r.Detail)
		}
		cancel()
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/probe")
}

// BenchmarkHTTPCheckers500 runs 500 liveness checkers, each probing its own
// endpoint every second, as supd would for 500 workers, and reports the CPU
// they cost as a percentage of one core. Each op is one second.
func BenchmarkHTTPCheckers500(b *testing.B) {
	const workers = 500
	urls := startBenchServer(b, workers)
	var probes atomic.Int64
	var checkers []*Checker
	for _, u := range urls {
		p, err := NewHTTP(u)
		if err != nil {
			b.Fatal(err)
		}
		counted := proberFunc(func(ctx context.Context) Result {
			r := p.Probe(ctx)
			probes.Add(1)
			if !r.OK && ctx.Err() == nil {
				b.Error(r.Detail)
			}
			return r
		})
		checkers = append(checkers, Liveness(counted, Schedule{Interval: time.Second, Timeout: time.Second, Failures: 3}, func(d string) {
			b.Error("unhealthy: ", d)
		}))
	}
	defer func() {
		for _, c := range checkers {
			c.Stop()
		}
	}()
	time.Sleep(1500 * time.Millisecond) // every checker has connected
	cpu, n, began := cpuTime(), probes.Load(), time.Now()
	b.ResetTimer()
	for range b.N {
		time.Sleep(time.Second) // the measurement window
	}
	b.StopTimer()
	wall := time.Since(began)
	used := cpuTime() - cpu
	done := probes.Load() - n
	b.ReportMetric(100*used.Seconds()/wall.Seconds(), "%core")
	b.ReportMetric(float64(done)/wall.Seconds(), "probes/s")
	b.ReportMetric(float64(used.Microseconds())/float64(done), "cpu-µs/probe")
}

type proberFunc func(context.Context) Result

func (f proberFunc) Probe(ctx context.Context) Result { return f(ctx) }
