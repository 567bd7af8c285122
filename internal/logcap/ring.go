package logcap

import "time"

// entryCost is what each line costs in a ring besides its text, close to
// the memory an entry takes, so that a flood of empty lines is bounded too.
const entryCost = 64

type entry struct {
	seq    uint64
	time   time.Time
	text   string
	stream Stream
	cut    bool
}

func (e *entry) cost() int64 { return int64(len(e.text)) + entryCost }

// ring is a worker's in-memory tail: the newest lines whose cost adds up to
// at most limit. Lines live in entries[head:]; evicted ones are cleared
// and the slice is compacted once most of it is dead, so a push costs O(1)
// amortised and never reallocates in the steady state.
type ring struct {
	limit   int64
	bytes   int64
	entries []entry
	head    int
}

func (r *ring) push(e entry) {
	r.entries = append(r.entries, e)
	r.bytes += e.cost()
	r.evict()
}

func (r *ring) setLimit(limit int64) {
	r.limit = limit
	r.evict()
}

func (r *ring) evict() {
	for r.bytes > r.limit && r.head < len(r.entries) {
		r.bytes -= r.entries[r.head].cost()
		r.entries[r.head] = entry{}
		r.head++
	}
	if r.head >= 64 && r.head > len(r.entries)/2 {
		n := copy(r.entries, r.entries[r.head:])
		clear(r.entries[n:])
		r.entries = r.entries[:n]
		r.head = 0
	}
}

func (r *ring) len() int { return len(r.entries) - r.head }

// last returns the newest n entries, oldest first; n < 0 means all. The
// slice aliases the ring and is only valid under the owner's lock.
func (r *ring) last(n int) []entry {
	live := r.entries[r.head:]
	if n >= 0 && n < len(live) {
		live = live[len(live)-n:]
	}
	return live
}
