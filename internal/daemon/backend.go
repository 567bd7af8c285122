package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"supd/control/api"
	"supd/internal/version"
	"supd/osproc"
	"supd/tree"
)

// backend is the control server's view of the daemon (control.Backend).
type backend struct{ d *daemon }

// followBuffer bounds what a slow log reader may have pending.
const followBuffer = 4096

func (b backend) Tree() api.Tree { return api.Tree{Root: apiNode(b.d.tree.Snapshot())} }

func (b backend) TreeVersion() uint64 { return b.d.tree.Version() }

func (b backend) Node(path string) (api.Node, error) {
	s := b.d.tree.Snapshot().Find(path)
	if s == nil {
		return api.Node{}, fmt.Errorf("no node %q: %w", path, api.ErrNotFound)
	}
	return apiNode(s), nil
}

// apiErr categorises the tree's errors for the API.
func apiErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tree.ErrNotFound):
		return categorised{err, api.ErrNotFound}
	case errors.Is(err, tree.ErrInvalid):
		return categorised{err, api.ErrInvalid}
	case errors.Is(err, tree.ErrConflict):
		return categorised{err, api.ErrConflict}
	}
	return err
}

// categorised adds an API sentinel to a tree error without adding its
// words to the message, which already says what went wrong (a "%w: %w"
// wrap would read `... is stopped: conflict: conflict`).
type categorised struct{ err, kind error }

func (c categorised) Error() string   { return c.err.Error() }
func (c categorised) Unwrap() []error { return []error{c.err, c.kind} }

func (b backend) Start(ctx context.Context, path string) error {
	return apiErr(b.d.tree.StartNode(ctx, path))
}

func (b backend) Stop(ctx context.Context, path string, hold time.Duration) error {
	return apiErr(b.d.tree.StopNode(ctx, path, hold))
}

func (b backend) Restart(ctx context.Context, path string) error {
	return apiErr(b.d.tree.RestartNode(ctx, path))
}

func (b backend) Signal(ctx context.Context, path, sig string, group bool) error {
	s, err := osproc.ParseSignal(sig)
	if err != nil {
		return fmt.Errorf("signal: %w: %w", err, api.ErrInvalid)
	}
	return apiErr(b.d.tree.SignalNode(ctx, path, s, group))
}

// Scale answers for every node that exists today: replica sets (SPEC
// §2.10) are not built yet, so no node can be scaled.
func (b backend) Scale(ctx context.Context, path string, n int) error {
	return apiErr(b.d.tree.Scale(ctx, path, n))
}

// paths turns a node path into the log selection: "" is every worker.
func (b backend) paths(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	if b.d.tree.Snapshot().Find(path) == nil {
		return nil, fmt.Errorf("no node %q: %w", path, api.ErrNotFound)
	}
	return []string{path}, nil
}

func (b backend) Logs(path string, n int) ([]api.LogLine, error) {
	sel, err := b.paths(path)
	if err != nil {
		return nil, err
	}
	lines := b.d.hub.Tail(n, sel...)
	out := make([]api.LogLine, len(lines))
	for i, l := range lines {
		out[i] = apiLine(l)
	}
	return out, nil
}

func (b backend) FollowLogs(ctx context.Context, path string, n int) (<-chan api.LogLine, error) {
	sel, err := b.paths(path)
	if err != nil {
		return nil, err
	}
	backlog, f := b.d.hub.Follow(ctx, n, followBuffer, sel...)
	out := make(chan api.LogLine, 64)
	go func() {
		defer close(out)
		defer f.Close()
		for _, l := range backlog {
			select {
			case out <- apiLine(l):
			case <-ctx.Done():
				return
			}
		}
		for {
			l, ok := f.Next(ctx)
			if !ok {
				return
			}
			select {
			case out <- apiLine(l):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// ReopenLogs reopens every worker's log file (supctl logs --reopen).
func (b backend) ReopenLogs(context.Context) (api.Reopened, error) {
	var out api.Reopened
	var errs []error
	for path, w := range b.d.reloader.current().Workers() {
		l := b.d.hub.Log(path)
		if l == nil || w.Logs.File == "" {
			continue
		}
		if err := l.Reopen(); err != nil {
			errs = append(errs, err)
			continue
		}
		out.Files++
	}
	return out, errors.Join(errs...)
}

func (b backend) Events(n int) []api.Event { return b.d.bus.Recent(n) }

func (b backend) FollowEvents(ctx context.Context, n int) (<-chan api.Event, func(), error) {
	ch, stop := b.d.bus.Follow(ctx, n)
	return ch, stop, nil
}

func (b backend) Reload(ctx context.Context, dryRun bool) (api.Plan, error) {
	return b.d.reloader.reload(ctx, "supctl reload", dryRun)
}

// Shutdown begins the shutdown and returns (SPEC §2.9).
func (b backend) Shutdown(context.Context) error {
	select {
	case b.d.shutdownReq <- struct{}{}:
	default: // one is already on its way
	}
	return nil
}

func (b backend) Version() api.Version { return api.NewVersion(version.String()) }
