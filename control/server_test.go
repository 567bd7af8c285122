package control

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"supd/control/api"
)

func TestRoutes(t *testing.T) {
	fb := newFakeBackend()
	fb.bus.Publish(api.Event{Kind: api.EventState, Path: "db", Old: api.StateStarting, New: api.StateRunning, Time: t0})
	fb.bus.Publish(api.Event{Kind: api.EventReload, Message: "1 restarted", Time: t0})
	ts := startServer(t, fb, Options{})

	runRoutes(t, fb, ts, []routeCase{
		{name: "tree", method: "GET", url: "/v1/tree", wantStatus: 200,
			want: []string{`"root":{"path":""`, `"path":"web/front"`, `"budget":{"used":2,"max":3,"period":"5s"}`}},
		{name: "node raw slashes", method: "GET", url: "/v1/nodes/web/api", wantStatus: 200,
			want: []string{`"path":"web/api"`, `"pid":101`}},
		{name: "node %2F", method: "GET", url: "/v1/nodes/web%2Fapi", wantStatus: 200, want: []string{`"path":"web/api"`}},
		{name: "root node", method: "GET", url: "/v1/nodes/", wantStatus: 200, want: []string{`"path":"","name":"","kind":"supervisor"`}},
		{name: "unknown node", method: "GET", url: "/v1/nodes/web/nope", wantStatus: 404, want: []string{`{"error":"no node \"web/nope\": not found"}`}},
		{name: "invalid node path", method: "GET", url: "/v1/nodes/web%2F..%2Fdb", wantStatus: 400, want: []string{`invalid node path \"web/../db\"`}},

		{name: "start", method: "POST", url: "/v1/nodes/web/api/start", wantStatus: 200,
			want: []string{`"path":"web/api"`}, wantCall: `start "web/api"`},
		{name: "start %2F", method: "POST", url: "/v1/nodes/web%2Fapi/start", wantStatus: 200, wantCall: `start "web/api"`},
		{name: "start with empty object", method: "POST", url: "/v1/nodes/db/start", body: `{}`, wantStatus: 200, wantCall: `start "db"`},
		{name: "start with a field", method: "POST", url: "/v1/nodes/db/start", body: `{"now":true}`, wantStatus: 400,
			want: []string{`unknown field \"now\"`}},
		{name: "start unknown", method: "POST", url: "/v1/nodes/nope/start", wantStatus: 404, want: []string{`no node \"nope\"`}},
		{name: "restart root", method: "POST", url: "/v1/nodes/restart", wantStatus: 200, wantCall: `restart ""`},
		{name: "stop", method: "POST", url: "/v1/nodes/db/stop", wantStatus: 200, wantCall: `stop(0s) "db"`},
		{name: "stop for", method: "POST", url: "/v1/nodes/web/stop", body: `{"for":"10m"}`, wantStatus: 200, wantCall: `stop(10m0s) "web"`},
		{name: "stop bad duration", method: "POST", url: "/v1/nodes/web/stop", body: `{"for":"10"}`, wantStatus: 400,
			want: []string{`field \"for\": bad duration \"10\"`}},
		{name: "stop negative", method: "POST", url: "/v1/nodes/web/stop", body: `{"for":"-1s"}`, wantStatus: 400, want: []string{`negative`}},
		{name: "stop unknown field", method: "POST", url: "/v1/nodes/web/stop", body: `{"for":"1s","hold":true}`, wantStatus: 400,
			want: []string{`unknown field \"hold\"`}},
		{name: "stop wrong type", method: "POST", url: "/v1/nodes/web/stop", body: `{"for":10}`, wantStatus: 400,
			want: []string{`field \"for\": want a string, got number`}},
		{name: "stop malformed", method: "POST", url: "/v1/nodes/web/stop", body: `{"for":`, wantStatus: 400, want: []string{`truncated JSON`}},
		{name: "stop trailing data", method: "POST", url: "/v1/nodes/web/stop", body: `{} {}`, wantStatus: 400, want: []string{`data after`}},
		{name: "signal", method: "POST", url: "/v1/nodes/web/api/signal", body: `{"signal":"USR1","group":true}`, wantStatus: 200,
			wantCall: `signal(USR1,true) "web/api"`},
		{name: "signal wrong type", method: "POST", url: "/v1/nodes/web/api/signal", body: `{"signal":"USR1","group":"yes"}`, wantStatus: 400,
			want: []string{`field \"group\": want true or false`}},
		{name: "signal missing", method: "POST", url: "/v1/nodes/web/api/signal", wantStatus: 400, want: []string{`\"signal\" is required`}},
		{name: "signal unknown", method: "POST", url: "/v1/nodes/web/api/signal", body: `{"signal":"BOGUS"}`, wantStatus: 400,
			want: []string{`unknown signal \"BOGUS\"`}},
		{name: "unknown action", method: "POST", url: "/v1/nodes/web/api/explode", wantStatus: 404,
			want: []string{`no such action \"explode\" on node \"web/api\"`}},

		{name: "logs", method: "GET", url: "/v1/logs", wantStatus: 200,
			want: []string{`{"time":"2025-03-01T12:00:00Z","path":"db","stream":"stdout","text":"db up"}` + "\n"}, wantCall: `logs "" 100`},
		{name: "logs of a path", method: "GET", url: "/v1/logs?path=web&n=5", wantStatus: 200, want: []string{`"text":"api up"`}, wantCall: `logs "web" 5`},
		{name: "logs unknown path", method: "GET", url: "/v1/logs?path=nope", wantStatus: 404, want: []string{`no node \"nope\"`}},
		{name: "logs bad n", method: "GET", url: "/v1/logs?n=-3", wantStatus: 400, want: []string{`query parameter \"n\"`}},
		{name: "logs unknown parameter", method: "GET", url: "/v1/logs?lines=3", wantStatus: 400, want: []string{`unknown query parameter \"lines\"`}},
		{name: "reopen logs", method: "POST", url: "/v1/logs/reopen", wantStatus: 200, want: []string{`{"files":2}`}, wantCall: "reopen"},
		{name: "reopen with a body", method: "POST", url: "/v1/logs/reopen", body: `{"path":"db"}`, wantStatus: 400, want: []string{`unknown field \"path\"`}},
		{name: "GET reopen", method: "GET", url: "/v1/logs/reopen", wantStatus: 405, want: []string{`allowed: POST`}},
		{name: "events", method: "GET", url: "/v1/events", wantStatus: 200,
			want: []string{`"seq":1,`, `"seq":2,"time":"2025-03-01T12:00:00Z","kind":"reload","path":"","message":"1 restarted"}` + "\n"}},
		{name: "events n", method: "GET", url: "/v1/events?n=1", wantStatus: 200, want: []string{`"seq":2,`}},
		{name: "events bad follow", method: "GET", url: "/v1/events?follow=maybe", wantStatus: 400, want: []string{`query parameter \"follow\"`}},

		{name: "reload", method: "POST", url: "/v1/reload", wantStatus: 200, want: []string{`{"changes":[]}`}, wantCall: "reload(false)"},
		{name: "reload dry run", method: "POST", url: "/v1/reload", body: `{"dry_run":true}`, wantStatus: 200,
			want: []string{`{"changes":[{"path":"db","action":"restart","fields":[{"field":"command","old":"[\"a\"]","new":"[\"b\"]"}]}]}`}, wantCall: "reload(true)"},
		{name: "reload unknown field", method: "POST", url: "/v1/reload", body: `{"dryrun":true}`, wantStatus: 400, want: []string{`unknown field \"dryrun\"`}},
		{name: "shutdown", method: "POST", url: "/v1/shutdown", wantStatus: 202, want: []string{`{"message":"shutting down"}`}, wantCall: "shutdown"},
		{name: "version", method: "GET", url: "/v1/version", wantStatus: 200, want: []string{`{"version":"1.2.3","go":"go1.26","api":"v1"}`}},
		{name: "metrics", method: "GET", url: "/metrics", wantStatus: 200, want: []string{"supd_node_state"}},

		{name: "unknown endpoint", method: "GET", url: "/v2/tree", wantStatus: 404, want: []string{`{"error":"no such endpoint: GET /v2/tree"}`}},
		{name: "wrong method", method: "DELETE", url: "/v1/tree", wantStatus: 405, want: []string{`method not allowed (allowed: GET)`}},
		{name: "wrong method on nodes", method: "PUT", url: "/v1/nodes/db", wantStatus: 405, want: []string{`allowed: GET, POST`}},
		{name: "GET an action", method: "GET", url: "/v1/nodes/db/stop", wantStatus: 404, want: []string{`no node \"db/stop\"`}},
	})
	// Every POST is logged at Info with the peer; refusals are not audit lines.
	if log := ts.log.String(); !strings.Contains(log, `level=INFO msg="control: request" method=POST url=/v1/nodes/db/stop uid=`) {
		t.Errorf("request log lacks the stop:\n%s", log)
	}
}

// routeCase is one request to the server and what must come of it.
type routeCase struct {
	name       string
	method     string
	url        string
	body       string
	wantStatus int
	want       []string // substrings of the body
	wantCall   string   // the call the backend saw, if any
}

// runRoutes sends each request to ts and checks its answer and the call
// fb saw.
func runRoutes(t *testing.T, fb *fakeBackend, ts *testServer, tests []routeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(fb.Calls())
			status, body := ts.call(t, tt.method, tt.url, tt.body)
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
			if status >= 400 && !json.Valid([]byte(body)) {
				t.Errorf("error body is not JSON: %s", body)
			}
			calls := fb.Calls()[before:]
			switch {
			case tt.wantCall == "" && status >= 400 && len(calls) > 0:
				t.Errorf("a refused request reached the backend: %v", calls)
			case tt.wantCall != "" && !slices.Contains(calls, tt.wantCall):
				t.Errorf("backend calls %v, want %q", calls, tt.wantCall)
			}
		})
	}
}

// TestScale: POST /v1/nodes/{path}/scale validates its body before the
// backend sees it, and passes the backend's refusal on.
func TestScale(t *testing.T) {
	fb := newFakeBackend()
	started := t0.Add(-time.Hour)
	fb.tree.Root.Children = append(fb.tree.Root.Children, api.Node{
		Path: "pool", Name: "pool", Kind: api.KindSupervisor, State: api.StateRunning, Since: t0, StartedAt: &started,
		Strategy: "one_for_one", Start: "parallel", Replicas: api.IntPtr(1),
		Budget:   &api.Budget{Max: 3, Period: api.Duration(5 * time.Second)},
		Children: []api.Node{{Path: "pool/0", Name: "0", Kind: api.KindWorker, State: api.StateRunning, PID: 102, Since: t0}},
	})
	ts := startServer(t, fb, Options{})
	runRoutes(t, fb, ts, []routeCase{
		{name: "scale", method: "POST", url: "/v1/nodes/pool/scale", body: `{"replicas":5}`, wantStatus: 200,
			want: []string{`"path":"pool"`, `"replicas":1`}, wantCall: `scale(5) "pool"`},
		{name: "scale to zero", method: "POST", url: "/v1/nodes/pool/scale", body: `{"replicas":0}`, wantStatus: 200, wantCall: `scale(0) "pool"`},
		{name: "scale negative", method: "POST", url: "/v1/nodes/pool/scale", body: `{"replicas":-1}`, wantStatus: 400,
			want: []string{`field \"replicas\": -1 is negative`}},
		{name: "scale missing", method: "POST", url: "/v1/nodes/pool/scale", wantStatus: 400, want: []string{`field \"replicas\" is required`}},
		{name: "scale wrong type", method: "POST", url: "/v1/nodes/pool/scale", body: `{"replicas":"5"}`, wantStatus: 400,
			want: []string{`field \"replicas\": want`}},
		{name: "scale fraction", method: "POST", url: "/v1/nodes/pool/scale", body: `{"replicas":1.5}`, wantStatus: 400,
			want: []string{`field \"replicas\"`}},
		{name: "scale unknown field", method: "POST", url: "/v1/nodes/pool/scale", body: `{"replicas":1,"n":2}`, wantStatus: 400,
			want: []string{`unknown field \"n\"`}},
		{name: "scale not a replica set", method: "POST", url: "/v1/nodes/web/api/scale", body: `{"replicas":2}`, wantStatus: 409,
			want: []string{`\"web/api\" is not a replica set`}},
		{name: "scale unknown node", method: "POST", url: "/v1/nodes/nope/scale", body: `{"replicas":2}`, wantStatus: 404},
	})
}

func TestReloadInvalidConfig(t *testing.T) {
	fb := newFakeBackend()
	fb.reloadErr = fmt.Errorf("reload: supd.yaml:3:7: root.children[0]: bad: %w", api.ErrInvalid)
	ts := startServer(t, fb, Options{})
	status, body := ts.call(t, "POST", "/v1/reload", "")
	if status != 400 || body != `{"error":"reload: supd.yaml:3:7: root.children[0]: bad: invalid request"}`+"\n" {
		t.Errorf("got %d %s", status, body)
	}
}

// readLines reads n JSON lines from a stream within the deadline.
func readLines(t *testing.T, sc *bufio.Scanner, n int) []string {
	t.Helper()
	got := make(chan []string, 1)
	go func() {
		var lines []string
		for len(lines) < n && sc.Scan() {
			lines = append(lines, sc.Text())
		}
		got <- lines
	}()
	select {
	case lines := <-got:
		if len(lines) != n {
			t.Fatalf("stream ended after %d lines, want %d: %v", len(lines), n, lines)
		}
		return lines
	case <-time.After(10 * time.Second):
		t.Fatalf("no %d lines within the deadline", n)
		return nil
	}
}

func openStream(t *testing.T, ts *testServer, url string) (*http.Response, *bufio.Scanner) {
	t.Helper()
	resp, err := ts.client.Get("http://supd" + url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp, bufio.NewScanner(resp.Body)
}

func TestFollowEvents(t *testing.T) {
	fb := newFakeBackend()
	fb.bus.Publish(api.Event{Kind: api.EventState, Path: "old"})
	ts := startServer(t, fb, Options{ReadTimeout: 200 * time.Millisecond})

	// Without n a follower gets only what comes after it subscribed.
	resp, sc := openStream(t, ts, "/v1/events?follow=1")
	// Outlive the read timeout: the stream must not be cut by it.
	<-time.After(500 * time.Millisecond)
	fb.bus.Publish(api.Event{Kind: api.EventState, Path: "db", Old: api.StateRunning, New: api.StateStopping})
	lines := readLines(t, sc, 1)
	var e api.Event
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil || e.Seq != 2 || e.Path != "db" {
		t.Errorf("got %s (%v)", lines[0], err)
	}
	resp.Body.Close()
	select {
	case <-fb.followStopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop following after the client went away")
	}

	// With n the backlog comes first.
	_, sc = openStream(t, ts, "/v1/events?follow=1&n=5")
	fb.bus.Publish(api.Event{Kind: api.EventShutdown})
	lines = readLines(t, sc, 3)
	for i, want := range []string{`"seq":1,`, `"seq":2,`, `"seq":3,`} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %s, want %s", i, lines[i], want)
		}
	}
}

// laggingBackend hands out a channel on which the follower has already
// lagged; it stays open, as a backend's might.
type laggingBackend struct {
	*fakeBackend
	ch chan api.Event
}

func (b laggingBackend) FollowEvents(ctx context.Context, n int) (<-chan api.Event, func(), error) {
	return b.ch, func() { b.followStopped <- struct{}{} }, nil
}

func TestFollowEventsLagged(t *testing.T) {
	b := laggingBackend{fakeBackend: newFakeBackend(), ch: make(chan api.Event, 3)}
	b.ch <- api.Event{Seq: 1, Kind: api.EventState}
	b.ch <- api.Event{Seq: 2, Kind: api.EventLagged, Message: "fell behind"}
	b.ch <- api.Event{Seq: 3, Kind: api.EventState}
	ts := startServer(t, b, Options{})
	_, sc := openStream(t, ts, "/v1/events?follow=1")
	lines := readLines(t, sc, 2)
	if !strings.Contains(lines[1], `"kind":"lagged"`) {
		t.Errorf("last line %s, want lagged", lines[1])
	}
	if sc.Scan() {
		t.Errorf("stream went on after lagged: %s", sc.Text())
	}
	select {
	case <-b.followStopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop not called")
	}
}

func TestFollowLogs(t *testing.T) {
	fb := newFakeBackend()
	fb.logFeed = make(chan api.LogLine)
	ts := startServer(t, fb, Options{})
	_, sc := openStream(t, ts, "/v1/logs?follow=1&path=web/api&n=10")
	select {
	case fb.logFeed <- api.LogLine{Path: "web/api", Stream: "stdout", Text: "live"}:
	case <-time.After(10 * time.Second):
		t.Fatal("the server is not following")
	}
	lines := readLines(t, sc, 2)
	if !strings.Contains(lines[0], `"text":"api up"`) || !strings.Contains(lines[1], `"text":"live"`) {
		t.Errorf("got %v", lines)
	}
}

// Stopping the server ends streams, and Serve returns.
func TestServeStopEndsStreams(t *testing.T) {
	fb := newFakeBackend()
	ts := startServer(t, fb, Options{})
	_, sc := openStream(t, ts, "/v1/events?follow=1")
	ended := make(chan bool)
	go func() { ended <- sc.Scan() }()
	ts.stop()
	select {
	case more := <-ended:
		if more {
			t.Error("got a line, want the end of the stream")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stream still open after the server stopped")
	}
}

// A request in flight when the server stops gets its answer.
func TestServeStopWaitsForActions(t *testing.T) {
	fb := newFakeBackend()
	fb.block = make(chan struct{})
	ts := startServer(t, fb, Options{ReadTimeout: 100 * time.Millisecond})
	type result struct {
		status int
		body   string
	}
	res := make(chan result)
	go func() {
		status, body := ts.call(t, "POST", "/v1/nodes/db/stop", "")
		res <- result{status, body}
	}()
	// Let the stop outlive the read timeout, then stop the server while it
	// is still running; unblock it from the backend's side.
	<-time.After(300 * time.Millisecond)
	stopped := make(chan struct{})
	go func() { ts.stop(); close(stopped) }()
	close(fb.block)
	select {
	case r := <-res:
		if r.status != 200 {
			t.Errorf("got %d %s", r.status, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
	<-stopped
}

func TestGate(t *testing.T) {
	g := newGate()
	if !g.enter() || !g.enter() {
		t.Fatal("an open gate refused")
	}
	g.leave()
	waited := make(chan struct{})
	go func() { g.closeAndWait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("closeAndWait returned with a request inside")
	case <-time.After(50 * time.Millisecond):
	}
	g.leave()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("closeAndWait did not return once empty")
	}
	if g.enter() {
		t.Error("a closed gate let a request in")
	}
}
