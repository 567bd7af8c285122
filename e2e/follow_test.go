package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"supd/control/api"
	"supd/control/client"
)

// eventLog follows supd's events (GET /v1/events?follow=1) from the moment
// it is made, so that a test waits for what it expects instead of polling.
type eventLog struct {
	t      *testing.T
	mu     sync.Mutex
	events []api.Event
	more   chan struct{} // closed and replaced at each new event
	done   chan struct{}
}

// follow starts following d's events; the test's cleanup ends it.
func (d *daemon) follow() *eventLog {
	d.t.Helper()
	return d.followWith(0)
}

// followWith starts following d's events, beginning with up to backlog of
// the events supd keeps (its last 1000).
func (d *daemon) followWith(backlog int) *eventLog {
	d.t.Helper()
	c := client.New(d.socket)
	ctx, cancel := context.WithCancel(context.Background())
	var s *client.Stream[api.Event]
	waitFor(d.t, "the control socket", 10*time.Second, func() bool {
		var err error
		s, err = c.FollowEvents(ctx, backlog)
		return err == nil
	})
	l := &eventLog{t: d.t, more: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			e, err := s.Next()
			if err != nil {
				return
			}
			l.mu.Lock()
			l.events = append(l.events, e)
			close(l.more)
			l.more = make(chan struct{})
			l.mu.Unlock()
		}
	}()
	d.t.Cleanup(func() {
		cancel()
		s.Close()
		<-l.done
		c.Close()
	})
	return l
}

// mark is the number of events seen so far, for wait's from.
func (l *eventLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// wait returns the first event from index from on that match accepts,
// failing the test after timeout.
func (l *eventLog) wait(from int, what string, timeout time.Duration, match func(api.Event) bool) api.Event {
	l.t.Helper()
	deadline := time.After(timeout)
	for i := from; ; {
		l.mu.Lock()
		for ; i < len(l.events); i++ {
			if match(l.events[i]) {
				e := l.events[i]
				l.mu.Unlock()
				return e
			}
		}
		more := l.more
		l.mu.Unlock()
		select {
		case <-more:
		case <-l.done:
			l.t.Fatalf("the event stream ended while waiting for %s", what)
		case <-deadline:
			l.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// waitEnd waits for the event stream to end (supd exited), failing the
// test after 10 s.
func (l *eventLog) waitEnd(what string) {
	l.t.Helper()
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		l.t.Fatalf("%s did not end within 10s", what)
	}
}

// since returns the events from index from on.
func (l *eventLog) since(from int) []api.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]api.Event(nil), l.events[from:]...)
}

func kind(k api.EventKind) func(api.Event) bool {
	return func(e api.Event) bool { return e.Kind == k }
}

func into(path string, s api.State) func(api.Event) bool {
	return func(e api.Event) bool { return e.Kind == api.EventState && e.Path == path && e.New == s }
}
