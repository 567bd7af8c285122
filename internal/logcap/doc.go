// Package logcap captures workers' output: it owns the pipes a worker
// writes to, splits what they carry into lines, and keeps each line in the
// worker's in-memory ring, its log file and supd's own stdout, and hands it
// to whoever follows the worker's output (`supctl logs -f`).
//
// A Log is one worker's output across all its runs (a restart appends to
// the same ring, sequence and file). For each run the launcher takes a
// Capture from it, gives the child Capture.Stdout and Capture.Stderr, and
// calls CloseWriters once the child has them. When the worker has exited,
// Capture.Wait, bounded by a context, says every line was recorded, so the
// exit event can carry Log.LastSince. A Hub holds all Logs by path and reads a
// set of them (a subtree) together, in time order.
//
// Lines. A line is the text up to a newline, without it. A line longer
// than MaxLine is cut into pieces, each but the last marked Cut; nothing is
// dropped. A last line without newline is delivered at EOF.
//
// Ring. Each Log keeps its newest lines up to config.WorkerLogs.Ring bytes,
// counting each line's text plus a fixed 64 bytes of overhead, so that the
// bound holds for empty lines too.
//
// Followers. A Follower has a bounded buffer and never slows capture: lines
// that do not fit are dropped for that follower alone, and the next line it
// gets is preceded by a marker counting them. The buffer holds memory only
// for the lines pending in it, so a follower that keeps up costs little.
// Closing one only marks it: the Logs and the Hub that hold it let go of it
// at their next line, Add or Follow. So locks are taken one way only, Hub →
// Log → Follower, and none of them points back up.
//
// Files. A log file holds the worker's raw lines, stdout and stderr
// together, one per line, with no timestamp or prefix, as supervisord
// writes them (a cut piece ends its own line); it is made with mode 0640
// and its folders with 0755. It is rotated before a line would take it past
// MaxSize: <name>.1 is the newest of MaxFiles rotated files, gzipped to
// <name>.1.gz in the background with Compress. A file that fails while
// running is retried with each batch of lines, and logged once per episode
// (its first failure, and its end once it has worked for 10 s since the
// last; a failed gzip is part of the same episode); the ring still gets
// every line.
//
// Safety. A worker may be another user who would have supd, as root, write
// where it should not. Every file of a log is opened, renamed and removed
// relative to its folder's descriptor, never through a symlink (O_NOFOLLOW),
// and checked after the open: a regular file of supd's own uid with one
// name. The fresh file after a rotation and the .gz of compression are made
// with O_EXCL, so nothing planted at their names is used. A folder in which
// another user may add, remove or rename entries is refused, unless it is
// sticky (see safefs.Folder).
//
// Forwarding. With Forward, lines go to a shared Forwarder as
// "<path> | <text>" (stdout) or "<path> ! <text>" (stderr), "|+"/"!+" for a
// cut piece; see Forwarder for how a blocked stdout is handled.
//
// Goroutines. Each Capture runs two readers, one per pipe, parked on the
// netpoller while idle and exiting at EOF or Stop; they record lines under
// their Log's lock, which never waits on a reader or on supd's stdout. A
// Forwarder runs one writer goroutine until Close. A Log that compresses
// rotated files runs one goroutine while rotations are queued; Log.Close
// waits for it.
package logcap
