package logcap

import (
	"testing"
	"time"
)

func TestEpisode(t *testing.T) {
	now := time.Unix(1000, 0)
	e := &episode{now: func() time.Time { return now }}
	step := func(d time.Duration) { now = now.Add(d) }
	type want struct {
		first, ended bool
		failures     int
	}
	tests := []struct {
		name  string
		after time.Duration
		fail  bool
		want  want
	}{
		{"a success outside an episode", 0, false, want{}},
		{"the first failure begins one", time.Second, true, want{first: true}},
		{"more failures are counted", time.Second, true, want{}},
		{"a success soon after does not end it", time.Second, false, want{}},
		{"nor does a failure after it", time.Second, true, want{}},
		{"a success before sustain", sustain - time.Second, false, want{}},
		{"a success once sustained ends it", time.Second, false, want{ended: true, failures: 3}},
		{"and once only", time.Second, false, want{}},
		{"a new failure begins a new episode", time.Second, true, want{first: true}},
		{"which ends on its own", sustain, false, want{ended: true, failures: 1}},
	}
	for _, tt := range tests {
		step(tt.after)
		var got want
		if tt.fail {
			got.first = e.fail()
		} else {
			got.ended, got.failures = e.ok()
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
