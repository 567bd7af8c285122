package control

import (
	"context"
	"time"

	"supd/control/api"
)

// Backend is what the control server needs from the daemon. Every method
// may be called from many request goroutines at once, and none may block on
// a slow client: the server does all writing to sockets.
//
// Paths are node paths as in api.Node.Path ("web/api"; "" is the root),
// already stripped of leading and trailing slashes. A path that names no
// node is an error wrapping api.ErrNotFound that names the path; other
// failures wrap the api sentinel that fits (ErrInvalid for a bad signal,
// ErrConflict for an action the node's state does not allow,
// ErrUnavailable while shutting down). The server turns the sentinel into
// the HTTP status and the error's text into the body.
type Backend interface {
	// Tree is a snapshot of the whole tree. It must be cheap: it serves
	// GET /v1/tree and every scrape of /metrics.
	Tree() api.Tree
	// TreeVersion changes whenever the tree does. The server keeps the
	// encoded body of GET /v1/tree for as long as it stays the same; it
	// reads TreeVersion before Tree, so a backend must never report a
	// version newer than the tree it then returns.
	TreeVersion() uint64
	// Node is a snapshot of one node and its subtree.
	Node(path string) (api.Node, error)

	// Start starts a stopped, exited or failed node (a supervisor: its whole
	// subtree) and ends any hold on it. Stop stops it and holds it stopped:
	// for hold, or with hold 0 until the next Start. Restart stops and starts
	// it again (a held node stays held only if it was not started). These are
	// manual operations: they count toward no restart budget. Each returns
	// when the operation is done or failed, or when ctx ends (the client went
	// away or the server is stopping); the server answers with Node(path)
	// afterwards.
	Start(ctx context.Context, path string) error
	Stop(ctx context.Context, path string, hold time.Duration) error
	Restart(ctx context.Context, path string) error
	// Signal sends sig (a name with or without "SIG", or a number) to the
	// worker's process, or with group to its whole process group and cgroup.
	// An unknown signal wraps api.ErrInvalid.
	Signal(ctx context.Context, path string, sig string, group bool) error
	// Scale sets the number of instances of the replica set at path
	// (SPEC §2.10); n is 0 or more (the server refuses a negative n). A node
	// that is not a replica set wraps api.ErrConflict.
	Scale(ctx context.Context, path string, n int) error

	// Logs returns the last n lines of the ring buffers of the workers at
	// and below path ("" for all), oldest first, interleaved in time order.
	Logs(path string, n int) ([]api.LogLine, error)
	// FollowLogs is Logs(path, n) followed by every new line, on a channel
	// that the backend closes when ctx ends (or when it stops). It must be
	// gap-free between the backlog and the new lines, and must never block
	// the workers' output: a follower that falls behind loses lines or is
	// dropped (its channel closed).
	FollowLogs(ctx context.Context, path string, n int) (<-chan api.LogLine, error)

	// ReopenLogs closes every worker's log file and opens it again at its
	// path (after logrotate moved it away) and says how many it reopened;
	// an error names each file that could not be opened.
	ReopenLogs(ctx context.Context) (api.Reopened, error)

	// Events returns up to the last n events that the backend keeps, oldest
	// first.
	Events(n int) []api.Event
	// FollowEvents is Events(n) followed by every new event. The channel is
	// closed when ctx ends, when stop is called, or when the follower fell
	// behind; in that last case the final value on it is an event of kind
	// api.EventLagged. The server calls stop once when it is done. Bus
	// implements all of this.
	FollowEvents(ctx context.Context, n int) (events <-chan api.Event, stop func(), err error)

	// Reload reloads the config (SPEC §2.8) and returns the plan it applied,
	// or with dryRun the plan it would apply. An invalid config wraps
	// api.ErrInvalid and changes nothing.
	Reload(ctx context.Context, dryRun bool) (api.Plan, error)
	// Shutdown begins supd's shutdown and returns at once; it must not wait
	// for the shutdown, which stops this server.
	Shutdown(ctx context.Context) error

	// Version is supd's version (see api.NewVersion).
	Version() api.Version
}
