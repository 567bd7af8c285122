package logcap

import (
	"strings"
	"testing"
)

func TestRing(t *testing.T) {
	line := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name  string
		limit int64
		texts []string
		want  int // lines kept: the newest
	}{
		{"all fit", 1000, []string{line(10), line(10)}, 2},
		{"exact fit", 2 * (10 + entryCost), []string{line(10), line(10), line(10)}, 2},
		{"one byte short", 2*(10+entryCost) - 1, []string{line(10), line(10), line(10)}, 1},
		{"empty lines cost too", 10 * entryCost, []string{"", "", "", "", "", "", "", "", "", "", "", ""}, 10},
		{"big line evicts many", 3 * (10 + entryCost), []string{line(10), line(10), line(10), line(100)}, 1},
		{"line larger than ring", 50, []string{line(10), line(100)}, 0},
		{"zero keeps nothing", 0, []string{"a"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ring{limit: tt.limit}
			for i, s := range tt.texts {
				r.push(entry{seq: uint64(i + 1), text: s})
			}
			if r.len() != tt.want {
				t.Fatalf("kept %d lines, want %d", r.len(), tt.want)
			}
			got := r.last(-1)
			for i, e := range got {
				if want := uint64(len(tt.texts) - tt.want + i + 1); e.seq != want {
					t.Errorf("line %d has seq %d, want %d", i, e.seq, want)
				}
			}
			if r.bytes > tt.limit {
				t.Errorf("holds %d bytes over limit %d", r.bytes, tt.limit)
			}
		})
	}
}

// TestRingCompaction pushes far more lines than fit and checks the ring's
// order, accounting and backing array after many compactions.
func TestRingCompaction(t *testing.T) {
	r := ring{limit: 100 * (3 + entryCost)}
	for i := 1; i <= 100_000; i++ {
		r.push(entry{seq: uint64(i), text: "abc"})
	}
	if r.len() != 100 {
		t.Fatalf("kept %d, want 100", r.len())
	}
	for i, e := range r.last(-1) {
		if e.seq != uint64(100_000-100+i+1) {
			t.Fatalf("entry %d seq %d", i, e.seq)
		}
	}
	if c := cap(r.entries); c > 1000 {
		t.Errorf("backing array grew to %d entries", c)
	}
	last := r.last(3)
	if len(last) != 3 || last[2].seq != 100_000 {
		t.Errorf("last(3) = %v", last)
	}
	r.setLimit(10 * (3 + entryCost))
	if r.len() != 10 || r.last(1)[0].seq != 100_000 {
		t.Errorf("after shrink: %d lines", r.len())
	}
}
