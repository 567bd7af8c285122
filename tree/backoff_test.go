package tree

import (
	"testing"
	"time"

	"supd/config"
)

func TestBackoffDelay(t *testing.T) {
	b := config.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Factor: 2, Jitter: 0.1}
	tests := []struct {
		name string
		b    config.Backoff
		step int
		r    float64
		want time.Duration
	}{
		{"first, no jitter", b, 0, 0.5, 100 * time.Millisecond},
		{"grows by factor", b, 2, 0.5, 400 * time.Millisecond},
		{"capped at max", b, 10, 0.5, time.Second},
		{"jitter low edge", b, 0, 0, 90 * time.Millisecond},
		{"jitter high edge", b, 0, 1, 110 * time.Millisecond},
		{"zero initial restarts at once", config.Backoff{Factor: 2, Max: time.Second, Jitter: 0.5}, 5, 0.9, 0},
		{"factor 1 stays flat", config.Backoff{Initial: time.Second, Max: time.Minute, Factor: 1}, 7, 0.3, time.Second},
		{"huge step does not overflow", b, 5000, 0.5, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backoffDelay(tt.b, tt.step, tt.r); got != tt.want {
				t.Fatalf("backoffDelay = %v, want %v", got, tt.want)
			}
		})
	}
}
