package importer

import (
	"math"
	"time"

	"supd/config"
)

// The tools imported here give up on one process at a time, after so many
// retries of it (or never); supd's supervisor counts the restarts of all
// its children within a period and then gives up on all of them (SPEC
// §2.5). budgetOf chooses the intensity that comes closest: a period in
// which each child can use up its own retries alone, and a max_restarts
// that is the sum of what every child may use, so the supervisor gives up
// when its children together fail more than their sources allowed, and on
// the sole child of a supervisor exactly when its source would.

// childBudget is what one restartable child brings to its supervisor.
type childBudget struct {
	retries   int            // restarts its source allows before giving up; unlimited: never
	instances int            // replicas; 1 for a plain worker
	backoff   config.Backoff // the child's backoff as supd resolves it
	run       time.Duration  // how long a failing run may last (supervisord's startsecs)
}

// unlimited is the retries of a child whose source never gives up on it.
const unlimited = -1

// fastestCap bounds what a child without a backoff delay adds: it could
// restart without limit.
const fastestCap = 1000

// budgetOf returns max_restarts and period for a supervisor whose
// restartable children are bs, with a period of at least minPeriod. ok is
// false when no child is restartable: the intensity is then never used.
func budgetOf(bs []childBudget, minPeriod time.Duration) (maxRestarts int, period time.Duration, ok bool) {
	if len(bs) == 0 {
		return 0, 0, false
	}
	period = minPeriod
	for _, b := range bs {
		if b.retries != unlimited {
			period = max(period, slowestUse(b))
		}
	}
	for _, b := range bs {
		n := b.retries
		if n == unlimited {
			// Enough that this child, failing as fast as its backoff lets
			// it, exhausts the budget only with help from its siblings.
			n = fastestWithin(b.backoff, period) - 1
		}
		maxRestarts += n * max(b.instances, 1)
	}
	return min(maxRestarts, 1<<20), period, true
}

// slowestUse is how long one child needs to use up its retries alone when
// each run fails at the latest (after run) and each delay is at its
// longest (jitter added), rounded up to a whole second, plus a second.
func slowestUse(b childBudget) time.Duration {
	t := 0.0
	delay := b.backoff.Initial.Seconds()
	for k := 0; k < b.retries; k++ {
		t += math.Min(delay, b.backoff.Max.Seconds())*(1+b.backoff.Jitter) + b.run.Seconds()
		delay *= b.backoff.Factor
	}
	return time.Duration(math.Ceil(t)+1) * time.Second
}

// fastestWithin counts the restarts of one child that can fall within
// period when each run fails at once and each delay is at its shortest:
// at 0, d0, d0+d1, ...
func fastestWithin(b config.Backoff, period time.Duration) int {
	t, delay := 0.0, b.Initial.Seconds()
	for n := 0; n < fastestCap; n++ {
		if t >= period.Seconds() {
			return n
		}
		d := math.Min(delay, b.Max.Seconds()) * (1 - b.Jitter)
		if d <= 0 {
			return fastestCap
		}
		t += d
		delay *= b.Factor
	}
	return fastestCap
}

// supdBackoff resolves a Backoff as written over supd's defaults.
func supdBackoff(b *Backoff) config.Backoff {
	r := config.Backoff{
		Initial: config.DefaultBackoffInitial,
		Max:     config.DefaultBackoffMax,
		Factor:  config.DefaultBackoffFactor,
		Jitter:  config.DefaultBackoffJitter,
	}
	if b == nil {
		return r
	}
	if b.Initial != nil {
		r.Initial = *b.Initial
	}
	if b.Max != nil {
		r.Max = *b.Max
	}
	if b.Factor != nil {
		r.Factor = *b.Factor
	}
	if b.Jitter != nil {
		r.Jitter = *b.Jitter
	}
	return r
}
