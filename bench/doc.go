// Package bench measures supd as a whole process against the floor: a bare
// Go fork-exec-wait loop of the same programs. Run it with `make bench`;
// the figures are written to BENCHMARKS.md.
package bench
