package notify

import (
	"reflect"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestWatchdog(t *testing.T) {
	const d = time.Second
	// Each step happens at the given offset from the start.
	type step struct {
		at time.Duration
		do string // arm, ping, stop
	}
	tests := []struct {
		name  string
		steps []step
		until time.Duration
		want  []time.Duration // when expired ran
	}{
		{"never armed", []step{{0, "ping"}}, 10 * d, nil},
		{"expires once", []step{{0, "arm"}}, 10 * d, []time.Duration{d}},
		{"pings keep it alive", []step{{0, "arm"}, {900 * time.Millisecond, "ping"}, {1800 * time.Millisecond, "ping"}}, 2700 * time.Millisecond, nil},
		{"expires a period after the last ping", []step{{0, "arm"}, {500 * time.Millisecond, "ping"}}, 10 * d, []time.Duration{1500 * time.Millisecond}},
		{"pings before arm are ignored", []step{{0, "ping"}, {500 * time.Millisecond, "arm"}}, 10 * d, []time.Duration{1500 * time.Millisecond}},
		{"stop disarms", []step{{0, "arm"}, {500 * time.Millisecond, "stop"}}, 10 * d, nil},
		{"stop is idempotent, arm after stop is inert", []step{{0, "stop"}, {0, "stop"}, {0, "arm"}, {0, "ping"}}, 10 * d, nil},
		{"ping after expiry does not revive", []step{{0, "arm"}, {2 * d, "ping"}}, 10 * d, []time.Duration{d}},
		{"second arm does not reset", []step{{0, "arm"}, {500 * time.Millisecond, "arm"}}, 10 * d, []time.Duration{d}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var fired []time.Duration
				w := NewWatchdog(d, func() { fired = append(fired, time.Since(start)) })
				for _, s := range tc.steps {
					time.Sleep(s.at - time.Since(start))
					switch s.do {
					case "arm":
						w.Arm()
					case "ping":
						w.Ping()
					case "stop":
						w.Stop()
					}
				}
				time.Sleep(tc.until - time.Since(start))
				synctest.Wait()
				if !reflect.DeepEqual(fired, tc.want) {
					t.Fatalf("expired at %v, want %v", fired, tc.want)
				}
				w.Stop()
			})
		})
	}
}

// TestWatchdogConcurrentPings races pings against expiry under -race: the
// callback runs at most once.
func TestWatchdogConcurrentPings(t *testing.T) {
	var n atomic.Int32
	w := NewWatchdog(time.Microsecond, func() { n.Add(1) })
	w.Arm()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			w.Ping()
		}
	}()
	<-done
	w.Stop()
	if n.Load() > 1 {
		t.Fatalf("expired %d times", n.Load())
	}
}

func TestWatchdogEnv(t *testing.T) {
	if got, want := WatchdogEnv(1500*time.Millisecond), []string{"WATCHDOG_USEC=1500000"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestStripEnv(t *testing.T) {
	in := []string{"PATH=/bin", "NOTIFY_SOCKET=/run/systemd/notify", "WATCHDOG_USEC=1", "WATCHDOG_PID=1",
		"LISTEN_FDS=1", "LISTEN_PID=1", "LISTEN_FDNAMES=a", "NOTIFY_SOCKETX=keep", "HOME=/root"}
	want := []string{"PATH=/bin", "NOTIFY_SOCKETX=keep", "HOME=/root"}
	if got := StripEnv(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if in[1] != "NOTIFY_SOCKET=/run/systemd/notify" {
		t.Fatal("StripEnv modified its argument")
	}
}
