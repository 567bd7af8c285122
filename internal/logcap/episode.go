package logcap

import (
	"sync"
	"time"
)

// sustain is how long a destination must work, after its last failure,
// before its failure episode ends.
const sustain = 10 * time.Second

// episode tells when to log the failures of one destination (a log file
// and its rotations, supd's stdout): only the first failure of an episode,
// and its end, once the destination has worked for sustain since the last
// one. A full disk that frees a little at each rotation, or a gzip that
// fails at each rotation, then logs two lines, not one per write or per
// rotation. It is safe for concurrent use: rotations fail on their own
// goroutine.
type episode struct {
	now func() time.Time

	mu       sync.Mutex
	failing  bool
	last     time.Time // the latest failure
	failures int       // in this episode
}

func newEpisode() *episode { return &episode{now: time.Now} }

// fail records a failure and reports whether it begins an episode, the one
// to log.
func (e *episode) fail() (first bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.last = e.now()
	e.failures++
	if e.failing {
		return false
	}
	e.failing = true
	return true
}

// ok records a success and reports whether it ends an episode, with the
// episode's count of failures, to log.
func (e *episode) ok() (ended bool, failures int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.failing || e.now().Sub(e.last) < sustain {
		return false, 0
	}
	e.failing = false
	failures, e.failures = e.failures, 0
	return true, failures
}
