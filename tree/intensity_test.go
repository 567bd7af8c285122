package tree

import (
	"testing"
	"time"
)

func TestIntensity(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name     string
		max      int
		period   time.Duration
		restarts []int // ms offsets of restart attempts
		want     []bool
	}{
		{"zero max gives up at once", 0, 5 * time.Second, []int{0}, []bool{false}},
		{"within max", 3, 5 * time.Second, []int{0, 1, 2}, []bool{true, true, true}},
		{"one over max", 3, 5 * time.Second, []int{0, 1, 2, 3}, []bool{true, true, true, false}},
		{"window slides: oldest leaves exactly at period", 3, 5 * time.Second, []int{0, 1, 2, 5000}, []bool{true, true, true, true}},
		{"just inside window", 3, 5 * time.Second, []int{0, 1, 2, 4999}, []bool{true, true, true, false}},
		{"spread out never trips", 1, time.Second, []int{0, 1000, 2000, 3000}, []bool{true, true, true, true}},
		{"refused restart is not recorded", 1, time.Second, []int{0, 500, 1000}, []bool{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in intensity
			for i, ms := range tt.restarts {
				if got := in.allow(at(ms), tt.max, tt.period); got != tt.want[i] {
					t.Fatalf("restart %d at %dms: allow = %v, want %v", i, ms, got, tt.want[i])
				}
			}
		})
	}
}

func TestIntensityUsed(t *testing.T) {
	t0 := time.Unix(0, 0)
	var in intensity
	const max, period = 5, 10 * time.Second
	in.allow(t0, max, period)
	in.allow(t0.Add(4*time.Second), max, period)
	if got := in.used(t0.Add(5*time.Second), period); got != 2 {
		t.Fatalf("used = %d, want 2", got)
	}
	if got := in.used(t0.Add(12*time.Second), period); got != 1 {
		t.Fatalf("used after window = %d, want 1", got)
	}
	in.reset()
	if got := in.used(t0.Add(12*time.Second), period); got != 0 {
		t.Fatalf("used after reset = %d, want 0", got)
	}
}
