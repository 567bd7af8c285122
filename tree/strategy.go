package tree

import "supd/config"

// affected returns the indexes of the children a restart of child i touches
// under strategy s, in start order. skip reports children that take no part
// (held nodes, temporary children that have ended); the failed child itself
// always takes part.
func affected(s config.Strategy, n, i int, skip func(int) bool) []int {
	lo, hi := i, i+1
	switch s {
	case config.OneForAll:
		lo, hi = 0, n
	case config.RestForOne:
		hi = n
	}
	var out []int
	for j := lo; j < hi; j++ {
		if j == i || !skip(j) {
			out = append(out, j)
		}
	}
	return out
}
