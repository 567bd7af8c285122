// Package launch is the tree's real Launcher: it turns a worker's spec into
// a running process with its output captured, its readiness judged (sd_notify,
// s6's readiness fd, probes), its health checked and its watchdog armed, and
// reports each run's progress to the tree, tagged with the run's generation.
//
// Goroutines: per run, one that finishes the run after the reaper reported
// its exit (stops checks, waits for the last output lines, reports the exit);
// the log capture's, the health checkers' and the notify receiver's are
// their packages' own.
//
// # Callers and locks
//
// A run is called from four sides at once: the tree's owner goroutine
// (Launch, Pid, Signal, Kill, Running), the reaper (exited), the notify
// receiver (the Handler) and the probes and watchdog (Ready, Failed). The
// one lock of a run, run.mu, is a leaf: it guards the main pid, whether the
// run ended and the list of what release stops, and is held only to read or
// write them, never across a call into notify, health, logcap, osproc or the
// tree. So no lock is ever taken while run.mu is held, and the order across
// packages is
//
//	notify registration (while its Handler runs) → run.mu
//	logcap Hub → Log → Follower (see logcap)
//
// with the Receiver's, the Watchdog's and a probe's own locks taken alone.
// Watchers are started without run.mu and handed to keep, which stops one
// at once when the run has ended meanwhile (a worker that exits before it
// is registered); release stops the rest. Results that arrive after the end
// (a late ready, a probe's verdict) are dropped by the tree, whose Monitor
// tags them with the run's generation.
package launch
