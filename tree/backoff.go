package tree

import (
	"math"
	"time"

	"supd/config"
)

// backoffDelay is the delay before restart number step (0 for the first) of
// a worker: initial·factor^step capped at max, then spread by ±jitter with
// r, a uniform number in [0,1).
func backoffDelay(b config.Backoff, step int, r float64) time.Duration {
	if b.Initial <= 0 {
		return 0
	}
	d := float64(b.Initial) * math.Pow(b.Factor, float64(step))
	if b.Max > 0 && d > float64(b.Max) {
		d = float64(b.Max)
	}
	d *= 1 + b.Jitter*(2*r-1)
	if d < 0 {
		d = 0
	}
	return time.Duration(d)
}
