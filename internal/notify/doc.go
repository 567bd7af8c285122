// Package notify owns the ways a worker tells supd about itself: the
// sd_notify datagram socket (READY=1, STATUS=, STOPPING=1, MAINPID=,
// WATCHDOG=1), the per-worker watchdog those pings feed, s6's readiness fd,
// and the exec trampoline that lets a worker see its own pid in WATCHDOG_PID.
//
// Goroutines:
//   - a Receiver runs one goroutine, reading its socket until Close. Every
//     Handler callback runs on it, with the registry locked.
//   - a Watchdog runs none of its own: its one time.Timer calls the expiry
//     callback on the runtime's timer goroutine.
//   - a ReadyPipe runs one goroutine while it waits for the worker's newline;
//     it ends at the newline, at EOF, or at Close, whichever comes first.
//
// The trampoline (TrampolineMain) is not a goroutine but a whole process: the
// supd binary re-executed between fork and the worker's exec.
package notify
