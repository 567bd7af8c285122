package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"supd/control/api"
	"supd/control/client"
)

// BenchmarkScale1000 scales a replica set of `sleep 3600` from 0 to 1000
// instances and back to 0, timing each from the request to the last
// instance's running (or stopped) event, beside the bring-up of the same
// 1000 workers written out in a static tree under one `start: parallel`
// supervisor, in the same run. Target: the scale up within 1.1× of the
// static bring-up.
func BenchmarkScale1000(b *testing.B) {
	for range b.N {
		var static strings.Builder
		static.WriteString("version: 1\nroot:\n  children:\n    - name: pool\n      start: parallel\n      stop: parallel\n      children:\n")
		for i := range workers {
			fmt.Fprintf(&static, "        - {name: w%d, command: [\"sleep\", \"3600\"]}\n", i)
		}
		t0 := time.Now()
		s := startSupd(b, static.String())
		s.waitLog(b, "path=/ state=running", 60*time.Second)
		staticUp := time.Since(t0)
		s.stop(b)

		s = startSupd(b, "version: 1\nroot:\n  children:\n    - {name: pool, command: [\"sleep\", \"3600\"], replicas: 0}\n")
		s.waitLog(b, "path=/ state=running", 60*time.Second)
		c := client.New(s.socket)
		up := timeScale(b, c, workers, api.StateRunning)
		down := timeScale(b, c, 0, api.StateStopped)
		c.Close()
		s.stop(b)

		b.ReportMetric(ms(up), "scale-up-ms")
		b.ReportMetric(ms(down), "scale-down-ms")
		b.ReportMetric(ms(staticUp), "static-up-ms")
		b.ReportMetric(up.Seconds()/staticUp.Seconds(), "up-ratio")
	}
}

// timeScale scales pool to n and returns the time until the last instance
// it adds runs, or the last it removes stopped.
func timeScale(b *testing.B, c *client.Client, n int, want api.State) time.Duration {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	events, err := c.FollowEvents(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer events.Close()
	t0 := time.Now()
	if _, err := c.Scale(ctx, "pool", n); err != nil {
		b.Fatal(err)
	}
	var last time.Time
	for left := workers; left > 0; {
		e, err := events.Next()
		if err != nil {
			b.Fatalf("events: %v (%d left)", err, left)
		}
		if e.Kind == api.EventState && strings.HasPrefix(e.Path, "pool/") && e.New == want {
			left--
			last = time.Now()
		}
	}
	return last.Sub(t0)
}
