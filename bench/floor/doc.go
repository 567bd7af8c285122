// Command floor is the bare fork-exec-wait loop that supd's benchmarks are
// compared with: what any supervisor must at least spend.
//
//	floor respawn N PROG [ARGS...]   run PROG N times, one after another
//	floor spawn N PROG [ARGS...]     start N copies at once, print
//	                                 "running SECONDS", wait for SIGTERM,
//	                                 then kill them all and print "stopped SECONDS"
//	floor spawn-seq N PROG [ARGS...] as spawn, but stop them one after
//	                                 another in reverse order, each reaped
//	                                 before the next is signalled (as supd does)
//	floor copy FILE PROG [ARGS...]   run PROG with its stdout into a pipe and
//	                                 copy the pipe into FILE until EOF
//
// respawn, spawn and spawn-seq with "-cg" appended (spawn-cg, …) give each
// start a fresh cgroup v2 directory, cloned into and removed after the
// reap, as supd does: the floor of a supervisor that keeps that promise.
package main
