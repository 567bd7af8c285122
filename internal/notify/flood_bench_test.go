package notify

import (
	"log/slog"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU this process has used, user and system.
func cpuTime(b testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStrangerFlood: four processes of no worker send datagrams for
// 2s while a worker is registered, 5000 a second each, or as fast as they
// can (each send waits while the socket's queue is full, so the faster
// supd drops them, the more come). It reports the CPU the receiving
// process used (as a share of one core) and how many datagrams a second
// the strangers got through to the socket.
func BenchmarkStrangerFlood(b *testing.B) {
	for _, rate := range []int{5000, 0} {
		name := "20000/s"
		if rate == 0 {
			name = "unbounded"
		}
		b.Run(name, func(b *testing.B) { strangerFlood(b, rate) })
	}
}

func strangerFlood(b *testing.B, rate int) {
	r, err := Listen(Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	defer r.Register(syscall.Getpgrp(), "", Handler{})()
	const d = 2 * time.Second
	for b.Loop() {
		var floods []*helper
		for range 4 {
			floods = append(floods, startHelper(b, "flood", []string{r.Env()}, nil, d.String(), strconv.Itoa(rate)))
		}
		cpu, start := cpuTime(b), time.Now()
		for _, h := range floods {
			h.goAhead(b)
		}
		sent := 0
		for _, h := range floods {
			n, err := strconv.Atoi(h.line(b))
			if err != nil {
				b.Fatal(err)
			}
			sent += n
		}
		used, wall := cpuTime(b)-cpu, time.Since(start)
		b.ReportMetric(100*float64(used)/float64(wall), "cpu%")
		b.ReportMetric(float64(sent)/wall.Seconds(), "sent/s")
	}
}
