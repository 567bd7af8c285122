package tree

import (
	"slices"
	"testing"

	"supd/config"
)

func TestAffected(t *testing.T) {
	none := func(int) bool { return false }
	skip2 := func(j int) bool { return j == 2 }
	tests := []struct {
		name string
		s    config.Strategy
		n, i int
		skip func(int) bool
		want []int
	}{
		{"one_for_one", config.OneForOne, 4, 1, none, []int{1}},
		{"one_for_all", config.OneForAll, 4, 1, none, []int{0, 1, 2, 3}},
		{"rest_for_one middle", config.RestForOne, 4, 1, none, []int{1, 2, 3}},
		{"rest_for_one last", config.RestForOne, 4, 3, none, []int{3}},
		{"one_for_all skips held", config.OneForAll, 4, 0, skip2, []int{0, 1, 3}},
		{"failed child is never skipped", config.OneForOne, 4, 2, skip2, []int{2}},
		{"rest_for_one skips held", config.RestForOne, 4, 1, skip2, []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := affected(tt.s, tt.n, tt.i, tt.skip); !slices.Equal(got, tt.want) {
				t.Fatalf("affected = %v, want %v", got, tt.want)
			}
		})
	}
}
