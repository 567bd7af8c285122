// Package launch is the tree's real Launcher: it turns a worker's spec into
// a running process with its output captured, its readiness judged (sd_notify,
// s6's readiness fd, probes), its health checked and its watchdog armed, and
// reports each run's progress to the tree, tagged with the run's generation.
//
// Goroutines: per run, one that finishes the run after the reaper reported
// its exit (stops checks, waits for the last output lines, reports the exit);
// the log capture's, the health checkers' and the notify receiver's are
// their packages' own.
package launch
