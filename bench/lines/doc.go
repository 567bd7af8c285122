// Command lines writes numbered lines to its stdout as fast as a pipe takes
// them, for the log throughput benchmark:
//
//	lines N SIZE [STAMP_FILE]
//
// writes N lines of SIZE bytes each, newline included, in writes of 64 KiB:
// line i is i in 10 digits, a space, letters, a newline, so that a reader
// can tell a lost, repeated or cut line. With STAMP_FILE it first writes
// its start there (CLOCK_MONOTONIC, in ns), which the benchmark reads the
// same clock against.
package main
