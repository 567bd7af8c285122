package importer

import (
	"fmt"
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
	name      string         // the worker's, for notes
	retries   int            // restarts its source allows before giving up; unlimited: never
	set       bool           // a replica set (replicas:), which shares its parent's intensity
	instances int            // replicas; 1 for a plain worker
	backoff   config.Backoff // the child's backoff as supd resolves it
	run       time.Duration  // how long a failing run may last (supervisord's startsecs)
}

// unlimited is the retries of a child whose source never gives up on it.
const unlimited = -1

// fastestCap bounds what a child without a backoff delay adds: it could
// restart without limit.
const fastestCap = 1000

// budget is the intensity chosen for a supervisor.
type budget struct {
	maxRestarts int
	period      time.Duration
	cappedBy    string // the replica set whose instances bound maxRestarts, "" for none
}

// budgetOf returns the intensity of a supervisor whose restartable
// children are bs, with a period of at least minPeriod. ok is false when no
// child is restartable: the intensity is then never used.
//
// A replica set gives up with its parent's max_restarts (SPEC §2.10), so
// max_restarts is also kept below what the instances of each replica set
// can use within the period: otherwise that set could never give up.
func budgetOf(bs []childBudget, minPeriod time.Duration) (b budget, ok bool) {
	if len(bs) == 0 {
		return budget{}, false
	}
	b.maxRestarts, b.period = sum(bs, minPeriod)
	for _, c := range bs {
		if !c.set || c.instances == 0 {
			continue
		}
		if most := c.instances*fastestWithin(c.backoff, b.period) - 1; most < b.maxRestarts {
			b.maxRestarts, b.cappedBy = max(most, 0), c.name
		}
	}
	return b, true
}

// apply sets s's intensity and says why, in note and in how a replica set
// bounded it.
func (b budget) apply(s *Supervisor, note string) {
	s.MaxRestarts, s.Period = ptr(b.maxRestarts), b.period
	if b.cappedBy != "" {
		note += fmt.Sprintf(" It is kept to %d, fewer than the instances of the replica set %s can restart within period, "+
			"as a replica set gives up with its parent's max_restarts.", b.maxRestarts, b.cappedBy)
	}
	s.Notes.add("max_restarts", note)
}

// sum is the period in which every child can use up its retries, and the
// sum of what they may use within it.
func sum(bs []childBudget, minPeriod time.Duration) (maxRestarts int, period time.Duration) {
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
		maxRestarts += min(n, 1<<20) * min(b.instances, 1<<20)
	}
	return min(maxRestarts, 1<<20), period
}

// slowestUse is how long one child needs to use up its retries alone when
// each run fails at the latest (after run) and each delay is at its
// longest (jitter added), rounded up to a whole second, plus a second.
func slowestUse(b childBudget) time.Duration {
	t := 0.0
	delay, most := b.backoff.Initial.Seconds(), b.backoff.Max.Seconds()
	k := 0
	for ; k < b.retries && delay < most; k++ {
		t += delay*(1+b.backoff.Jitter) + b.run.Seconds()
		delay *= b.backoff.Factor
	}
	// Every delay from here on is the longest.
	t += float64(b.retries-k) * (most*(1+b.backoff.Jitter) + b.run.Seconds())
	return time.Duration(math.Min(math.Ceil(t)+1, maxPeriod)) * time.Second
}

// maxPeriod bounds the period, in seconds, of a child that allows an
// absurd number of retries.
const maxPeriod = 1e7

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
	r := supdDefaults().worker.Backoff
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
