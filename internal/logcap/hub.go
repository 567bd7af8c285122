package logcap

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Hub holds every worker's Log by path and reads them together: the tail
// of a set of workers, interleaved in time order, and a follower of them
// all. Its methods are safe for concurrent use.
//
// Locks go one way, Hub → Log → Follower: a Hub method may take its Logs'
// and Followers' locks, a Log method its Followers', and none the other
// way, since neither a Log nor a Follower points back up.
type Hub struct {
	mu        sync.Mutex
	logs      map[string]*Log
	followers []hubFollower // closed ones are dropped at the next Add or Follow
}

// hubFollower is a follower of the hub with its selection of paths.
type hubFollower struct {
	f    *Follower
	sels []string
}

// NewHub returns an empty Hub.
func NewHub() *Hub {
	return &Hub{logs: map[string]*Log{}}
}

// Match reports whether sel selects the worker at path: "" selects every
// worker, a worker's path selects it, a supervisor's path its subtree
// ("web" selects "web/api", not "webhooks"). A trailing slash is ignored.
func Match(sel, path string) bool {
	sel = strings.TrimSuffix(sel, "/")
	return sel == "" || path == sel || strings.HasPrefix(path, sel) && path[len(sel)] == '/'
}

func matchAny(sels []string, path string) bool {
	if len(sels) == 0 {
		return true
	}
	for _, sel := range sels {
		if Match(sel, path) {
			return true
		}
	}
	return false
}

// Add adds a worker's Log. Followers whose selection matches its path
// follow it from now on.
func (h *Hub) Add(l *Log) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.logs[l.path]; ok {
		return fmt.Errorf("adding log of %q: already present", l.path)
	}
	h.logs[l.path] = l
	h.pruneClosed()
	for _, hf := range h.followers {
		if matchAny(hf.sels, l.path) {
			l.tailAndAttach(0, hf.f)
		}
	}
	return nil
}

// Remove takes the Log at path out of the hub and returns it (nil if none);
// the caller closes it. Its followers stay attached but get no more lines.
func (h *Hub) Remove(path string) *Log {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.logs[path]
	delete(h.logs, path)
	return l
}

// Log returns the Log at path, or nil.
func (h *Hub) Log(path string) *Log {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.logs[path]
}

// selected returns the logs matching sels, ordered by path. The caller
// holds h.mu.
func (h *Hub) selected(sels []string) []*Log {
	var out []*Log
	for _, p := range slices.Sorted(maps.Keys(h.logs)) {
		if matchAny(sels, p) {
			out = append(out, h.logs[p])
		}
	}
	return out
}

// Tail returns the newest n lines over the workers that paths select (none:
// all), oldest first, interleaved in time order; n < 0 means all the rings
// hold.
func (h *Hub) Tail(n int, paths ...string) []Line {
	h.mu.Lock()
	logs := h.selected(paths)
	h.mu.Unlock()
	tails := make([][]Line, len(logs))
	for i, l := range logs {
		tails[i] = l.Tail(n)
	}
	return merge(tails, n)
}

// Follow returns the newest n lines over the workers that paths select
// (none: all), and a Follower of every line they record afterwards,
// including workers added later under the selection, until ctx is done or
// it is closed. buf bounds its buffer (0: DefaultFollowBuffer).
func (h *Hub) Follow(ctx context.Context, n, buf int, paths ...string) ([]Line, *Follower) {
	f := newFollower(buf)
	sels := slices.Clone(paths)
	h.mu.Lock()
	logs := h.selected(sels)
	tails := make([][]Line, len(logs))
	for i, l := range logs {
		tails[i] = l.tailAndAttach(n, f)
	}
	h.pruneClosed()
	h.followers = append(h.followers, hubFollower{f, sels})
	h.mu.Unlock()
	f.closeWith(ctx)
	return merge(tails, n), f
}

// pruneClosed lets go of the hub's closed followers. The caller holds h.mu.
func (h *Hub) pruneClosed() {
	h.followers = slices.DeleteFunc(h.followers, func(hf hubFollower) bool { return !hf.f.open() })
}

// merge interleaves per-worker tails by time and keeps the newest n. Lines
// of one worker are already in time order; a stable sort keeps equal times
// in path then sequence order.
func merge(tails [][]Line, n int) []Line {
	var all []Line
	for _, t := range tails {
		all = append(all, t...)
	}
	slices.SortStableFunc(all, func(a, b Line) int { return a.Time.Compare(b.Time) })
	if n >= 0 && len(all) > n {
		all = slices.Clone(all[len(all)-n:])
	}
	return all
}
