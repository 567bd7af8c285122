// Command testproc is the helper program that the tests of every supd
// package supervise. It does one small, scriptable thing per flag, so a test
// can build the worker it needs from the command line alone.
//
// Build it once per test binary with testprocbuild.Build, in TestMain and
// before anything starts osproc's reaper (go build is run with os/exec, whose
// Wait would race with the reaper).
//
// Usage:
//
//	testproc [flags]
//
// Order of events: SIGTERM handling is set up; -open-fds are opened;
// grandchildren are started; listeners are bound; -pidfile, -addr-file and
// -info are written; -print lines are printed, then the -blob; then,
// concurrently, the timed actions (-notify-ready, -watchdog, -ready-fd,
// -print-every, -http-fail-after, -tcp-stop-after) run while the process
// waits -after and ends with -signal or -exit, or, with -sleep, runs until
// it is killed.
//
// Ending:
//
//	-exit N            exit with code N (default 0)
//	-after D           wait D before ending (default 0)
//	-signal SIG        end by this signal (name or number, default
//	                   disposition restored first) instead of exiting
//	-core              allow a core dump (RLIMIT_CORE unlimited); without it
//	                   RLIMIT_CORE is 0, so -signal ABRT never dumps core
//	-sleep             never end by itself
//	-ignore-term       ignore SIGTERM
//	-stopping          on SIGTERM send STOPPING=1 to $NOTIFY_SOCKET first
//
// Process group:
//
//	-join-group PGID   first of all setpgid(0, PGID), exiting 3 with the
//	                   error on stderr if the kernel refuses (it does
//	                   across sessions)
//
// Grandchildren (testproc re-executes itself):
//
//	-children N        start N grandchildren that sleep until killed
//	-setsid            start them in a session of their own, so they leave
//	                   the process group (testproc stays their parent)
//	-double-fork       double-fork them into a session of their own, so they
//	                   leave the process group and are reparented to the
//	                   nearest subreaper
//	-double-fork-group double-fork them into a process group of their own
//	                   in testproc's session (as a shell's background job
//	                   does), reparented to the nearest subreaper
//	-child-ignore-term the grandchildren ignore SIGTERM
//
// Files (each written once, atomically, after the grandchildren started):
//
//	-pidfile F         "PID STARTTIME" lines (STARTTIME is field 22 of
//	                   /proc/PID/stat): testproc first, then each grandchild
//	-addr-file F       "http ADDR" and "tcp ADDR" lines with the bound
//	                   addresses (useful with port 0)
//	-info F            "uid N", "gid N", "groups A,B", "cwd DIR", one
//	                   "env K=V" line per variable and one "fd N TARGET"
//	                   line per open descriptor below 64 (TARGET as
//	                   /proc/self/fd shows it; the Go runtime may hold some)
//
// Output:
//
//	-print N           print N lines to stdout, stderr or both (-print-to
//	                   out|err|both, default both); line i of a stream is
//	                   testprocbuild.Line(stream, i, -line-len)
//	-line-len L        length of each printed line without its newline
//	                   (default 40)
//	-print-every D     print line 1, 2, ... of stdout (as -print does) every
//	                   D, for ever
//	-blob N            write N bytes to stdout with no newline: byte i is
//	                   testprocbuild.BlobByte(i)
//
// Limits:
//
//	-open-fds N        open N more file descriptors (close-on-exec), first
//	                   raising RLIMIT_NOFILE, hard limit included, if it is
//	                   too low (which needs CAP_SYS_RESOURCE)
//
// Readiness and monitoring:
//
//	-notify-ready D    after D send READY=1 (with -status and -mainpid-child)
//	                   as one datagram to $NOTIFY_SOCKET
//	-status TEXT       STATUS=TEXT; sent alone at once without -notify-ready
//	-mainpid-child     MAINPID=<first grandchild's pid> with READY=1
//	-watchdog D        send WATCHDOG=1 every D, starting at once
//	-watchdog-for D    stop the WATCHDOG=1 pings after D
//	-ready-fd N        write "\n" to fd N after -ready-after D
//	-ready-after D
//	-http ADDR         serve HTTP on ADDR: 200 "ok" to every request until
//	-http-fail-after D has passed, then 500 (printing "testproc: http
//	                   failing" to stdout at the switch)
//	-tcp ADDR          listen on TCP ADDR (accepting and closing
//	                   connections) until -tcp-stop-after D has passed
//	                   (then printing "testproc: tcp stopped" to stdout)
//
// Durations are Go durations; a zero duration means "at once" for the
// actions above and "never" for -http-fail-after, -tcp-stop-after and
// -watchdog-for.
//
// testproc runs its goroutines in one process: one per timed action (and
// -print-every), one per listener and one waiting for each same-group
// grandchild.
package main
