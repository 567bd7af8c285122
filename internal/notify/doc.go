// Package notify owns the ways a worker tells supd about itself: the
// sd_notify datagram socket (READY=1, STATUS=, STOPPING=1, MAINPID=,
// WATCHDOG=1), the per-worker watchdog those pings feed, and s6's readiness
// fd. Which worker a datagram's sender belongs to is judged here, from the
// process group and cgroup that osproc reads in /proc.
//
// Goroutines:
//   - a Receiver runs one goroutine, reading its socket until Close. Every
//     Handler callback runs on it, holding only its own registration's
//     lock (never the Receiver's): Register never waits for a Handler, and
//     an unregister waits only for a callback of its own registration.
//   - a Watchdog runs none of its own: its one time.Timer calls the expiry
//     callback on the runtime's timer goroutine.
//   - a ReadyPipe runs one goroutine while it waits for the worker's newline;
//     it ends at the newline, at EOF, or at Close, whichever comes first.
//
// Locks, in the order they are taken: a registration's (while its Handler
// runs), then whatever the Handler takes; the Receiver's own is taken last
// and alone. So the caller of an unregister func must not hold a lock that
// its Handler takes; nothing else constrains the caller.
package notify
