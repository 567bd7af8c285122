package tree

import "time"

// intensity is a supervisor's restart history: the times of its restarts.
// The limits, max_restarts within period, are its spec's (a reload may
// change them; the history is kept).
type intensity struct {
	times []time.Time
}

// prune drops restarts that fell out of the window. A restart at t counts
// at now while now-t < period.
func (in *intensity) prune(now time.Time, period time.Duration) {
	i := 0
	for i < len(in.times) && now.Sub(in.times[i]) >= period {
		i++
	}
	in.times = in.times[i:]
}

// allow records a restart at now and reports whether it stays within
// intensity; a restart that would make more than max fall inside the
// window is not recorded and means giving up.
func (in *intensity) allow(now time.Time, max int, period time.Duration) bool {
	in.prune(now, period)
	if len(in.times)+1 > max {
		return false
	}
	in.times = append(in.times, now)
	return true
}

// used is how many restarts fall inside the window at now.
func (in *intensity) used(now time.Time, period time.Duration) int {
	in.prune(now, period)
	return len(in.times)
}

func (in *intensity) reset() { in.times = nil }
