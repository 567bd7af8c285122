package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"supd/control/api"
	"supd/control/client"
)

// settle is how long after the last change a wait looks once more. An owner
// emits its events during a step and publishes the step's snapshot at the
// step's end, so a read made right after an event may still show the step
// before; nothing else changes without an event or a line of output.
const settle = 100 * time.Millisecond

// watch follows a running supd through control/client: its events (all it
// kept, then each new one) and, if asked, its workers' output. Waits look
// again whenever one arrives, instead of every few milliseconds.
type watch struct {
	c      *client.Client
	cancel context.CancelFunc
	events chan api.Event // every event, oldest first
	wake   chan struct{}  // an event or a line arrived (capacity 1)
	ended  chan struct{}  // a stream ended: supd went away
	err    error          // why, once ended is closed
}

// watchSupd connects to the socket, waiting until ctx ends for supd to
// listen there, and follows its events and, with lines, its output.
func watchSupd(ctx context.Context, socket string, lines bool) (*watch, error) {
	c := client.New(socket)
	ctx, cancel := context.WithCancel(ctx)
	w := &watch{c: c, cancel: cancel, events: make(chan api.Event, 4096), wake: make(chan struct{}, 1), ended: make(chan struct{})}
	evs, err := connect(ctx, socket, func() (*client.Stream[api.Event], error) { return c.FollowEvents(ctx, 1000) })
	if err != nil {
		w.close()
		return nil, err
	}
	var logs *client.Stream[api.LogLine]
	if lines {
		if logs, err = c.FollowLogs(ctx, "", 0); err != nil {
			evs.Close()
			w.close()
			return nil, fmt.Errorf("following output: %w", err)
		}
	}
	results := make(chan error, 2)
	go func() {
		defer evs.Close()
		for {
			e, err := evs.Next()
			if err != nil {
				results <- fmt.Errorf("following events: %w", err)
				return
			}
			select {
			case w.events <- e:
			case <-ctx.Done():
				results <- ctx.Err()
				return
			}
			w.poke()
		}
	}()
	streams := 1
	if logs != nil {
		streams++
		go func() {
			defer logs.Close()
			for {
				if _, err := logs.Next(); err != nil {
					results <- fmt.Errorf("following output: %w", err)
					return
				}
				w.poke()
			}
		}()
	}
	go func() {
		// The first stream to end ends the watch; the other ends with ctx.
		w.err = <-results
		close(w.ended)
		w.poke()
		cancel()
		for range streams - 1 {
			<-results
		}
		c.Close()
	}()
	return w, nil
}

// connect opens a stream, waiting for supd to listen on socket: a new
// socket file (or a change to one) is the moment to try again.
func connect[T any](ctx context.Context, socket string, open func() (*client.Stream[T], error)) (*client.Stream[T], error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	defer fw.Close()
	if err := fw.Add(filepath.Dir(socket)); err != nil {
		return nil, err
	}
	for {
		s, err := open()
		var unreachable *client.UnreachableError
		if err == nil || !errors.As(err, &unreachable) {
			return s, err
		}
		retry := time.NewTimer(50 * time.Millisecond) // bind and listen are two steps
		if _, statErr := os.Stat(socket); statErr != nil {
			retry.Stop() // no socket yet: only its creation helps
		}
		select {
		case <-fw.Events:
		case <-retry.C:
		case <-ctx.Done():
			retry.Stop()
			return nil, fmt.Errorf("supd did not listen on %s: %w (last: %v)", socket, ctx.Err(), err)
		}
		retry.Stop()
	}
}

func (w *watch) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *watch) close() { w.cancel() }

// until calls cond now and after every change, and once more a moment after
// the last one (see settle), until it holds or deadline passes. It reports
// whether cond held.
func (w *watch) until(deadline time.Time, cond func() bool) bool {
	limit := time.NewTimer(time.Until(deadline))
	defer limit.Stop()
	again := time.NewTimer(time.Hour)
	again.Stop()
	defer again.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-w.wake:
			// Events carry no more than wakes: drop them.
			for len(w.events) > 0 {
				<-w.events
			}
			again.Reset(settle)
		case <-again.C:
		case <-limit.C:
			return cond()
		}
	}
}

// states waits until each path in want is in its state, judged by events:
// a node's state is the new state of its latest event, and its node's
// state as read now when none of the kept events names it. It returns the
// states it last saw and whether they matched. Paths are as events name
// them ("" for the root).
func (w *watch) states(ctx context.Context, want map[string]api.State, deadline time.Time) (map[string]api.State, bool) {
	got := map[string]api.State{}
	// The events up to this one may come from the backlog and the live
	// stream both: judge only once they are all in.
	var upTo uint64
	if last, err := w.c.Events(ctx, 1); err == nil && len(last) == 1 {
		upTo = last[0].Seq
	}
	for p := range want {
		name := p
		if name == "" {
			name = "/"
		}
		if n, err := w.c.Node(ctx, name); err == nil {
			got[p] = n.State
		}
	}
	match := func() bool {
		for p, s := range want {
			if got[p] != s {
				return false
			}
		}
		return true
	}
	var seen uint64
	apply := func(e api.Event) {
		seen = max(seen, e.Seq)
		if _, ok := want[e.Path]; ok && e.Kind == api.EventState {
			got[e.Path] = e.New
		}
	}
	limit := time.NewTimer(time.Until(deadline))
	defer limit.Stop()
	for seen < upTo || !match() {
		select {
		case e := <-w.events:
			apply(e)
		case <-w.ended:
			// What came before the end is still to be read.
			for len(w.events) > 0 {
				apply(<-w.events)
			}
			return got, seen >= upTo && match()
		case <-limit.C:
			return got, false
		}
	}
	return got, true
}

// waitFile waits until ok holds for the contents of file, reading it again
// at each change to it (or its creation), until deadline. It returns the
// contents it read last.
func waitFile(file string, deadline time.Time, ok func([]byte) bool) ([]byte, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	defer fw.Close()
	// The folder, not the file: the file may not exist yet, or be
	// replaced by a rename.
	if err := fw.Add(filepath.Dir(file)); err != nil {
		return nil, err
	}
	limit := time.NewTimer(time.Until(deadline))
	defer limit.Stop()
	for {
		b, err := os.ReadFile(file)
		if err == nil && ok(b) {
			return b, nil
		}
		for changed := false; !changed; {
			select {
			case ev := <-fw.Events:
				changed = ev.Name == file
			case err := <-fw.Errors:
				return b, err
			case <-limit.C:
				return b, fmt.Errorf("timed out at %s", deadline.Format(time.TimeOnly))
			}
		}
	}
}
