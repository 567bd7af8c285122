package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"supd/control/api"
)

// fakeServer answers canned bodies and records what it was sent.
type fakeServer struct {
	sock string
	mu   sync.Mutex
	got  []string // "METHOD URI BODY"
}

func startFake(t *testing.T, routes map[string]http.HandlerFunc) *fakeServer {
	t.Helper()
	fs := &fakeServer{sock: filepath.Join(t.TempDir(), "supd.sock")}
	ln, err := net.Listen("unix", fs.sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			fs.mu.Lock()
			fs.got = append(fs.got, strings.TrimSpace(r.Method+" "+r.URL.RequestURI()+" "+string(b)))
			fs.mu.Unlock()
			h(w, r)
		})
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return fs
}

func (fs *fakeServer) last() string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.got) == 0 {
		return ""
	}
	return fs.got[len(fs.got)-1]
}

func body(s string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s) }
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestRequests(t *testing.T) {
	node := `{"path":"web/api","name":"api","kind":"worker","state":"running","pid":7}`
	fs := startFake(t, map[string]http.HandlerFunc{
		"GET /v1/tree":           body(`{"root":{"path":"","kind":"supervisor","children":[` + node + `]}}`),
		"GET /v1/nodes/{p...}":   body(node),
		"POST /v1/nodes/{p...}":  body(node),
		"POST /v1/reload":        body(`{"changes":[{"path":"a","action":"add"}]}`),
		"POST /v1/shutdown":      body(`{"message":"shutting down"}`),
		"GET /v1/version":        body(`{"version":"1.0","go":"go1.26","api":"v1"}`),
		"GET /metrics":           body("supd_x 1\n"),
		"GET /v1/logs":           body(`{"path":"a","text":"one"}` + "\n" + `{"path":"b","text":"two"}` + "\n"),
		"GET /v1/events":         body(`{"seq":1,"kind":"state"}` + "\n"),
		"GET /v1/nodes/{$}":      body(`{"path":"","kind":"supervisor"}`),
		"POST /v1/nodes/restart": body(`{"path":"","kind":"supervisor"}`),
	})
	c := New(fs.sock)
	defer c.Close()
	if c.Socket() != fs.sock {
		t.Errorf("Socket() = %q", c.Socket())
	}
	tests := []struct {
		name     string
		call     func() (any, error)
		wantSent string
		check    func(v any) bool
	}{
		{"tree", func() (any, error) { return c.Tree(ctx(t)) }, "GET /v1/tree",
			func(v any) bool { return v.(api.Tree).Root.Children[0].PID == 7 }},
		{"node", func() (any, error) { return c.Node(ctx(t), "web/api") }, "GET /v1/nodes/web/api",
			func(v any) bool { return v.(api.Node).Path == "web/api" }},
		{"tree as sent", func() (any, error) { return c.TreeJSON(ctx(t)) }, "GET /v1/tree",
			func(v any) bool { return strings.HasPrefix(string(v.(json.RawMessage)), `{"root":{"path":""`) }},
		{"node as sent", func() (any, error) { return c.NodeJSON(ctx(t), "web/api") }, "GET /v1/nodes/web/api",
			func(v any) bool { return string(v.(json.RawMessage)) == node }},
		{"root node", func() (any, error) { return c.Node(ctx(t), "/") }, "GET /v1/nodes/",
			func(v any) bool { return v.(api.Node).Kind == api.KindSupervisor }},
		{"escaped segment", func() (any, error) { return c.Node(ctx(t), "a b/c?d") }, "GET /v1/nodes/a%20b/c%3Fd", nil},
		{"start", func() (any, error) { return c.Start(ctx(t), "web/api") }, "POST /v1/nodes/web/api/start", nil},
		{"stop", func() (any, error) { return c.Stop(ctx(t), "web", 0) }, "POST /v1/nodes/web/stop", nil},
		{"stop for", func() (any, error) { return c.Stop(ctx(t), "web", 10*time.Minute) }, `POST /v1/nodes/web/stop {"for":"10m0s"}`, nil},
		{"restart root", func() (any, error) { return c.Restart(ctx(t), "") }, "POST /v1/nodes/restart", nil},
		{"signal", func() (any, error) { return c.Signal(ctx(t), "web/api", "HUP", true) },
			`POST /v1/nodes/web/api/signal {"signal":"HUP","group":true}`, nil},
		{"scale", func() (any, error) { return c.Scale(ctx(t), "web/api", 3) }, `POST /v1/nodes/web/api/scale {"replicas":3}`,
			func(v any) bool { return v.(api.Node).Path == "web/api" }},
		{"scale to zero", func() (any, error) { return c.Scale(ctx(t), "web/api", 0) }, `POST /v1/nodes/web/api/scale {"replicas":0}`, nil},
		{"reload", func() (any, error) { return c.Reload(ctx(t), true) }, `POST /v1/reload {"dry_run":true}`,
			func(v any) bool { return v.(api.Plan).Changes[0].Action == api.ActionAdd }},
		{"shutdown", func() (any, error) { return c.Shutdown(ctx(t)) }, "POST /v1/shutdown",
			func(v any) bool { return v.(api.Accepted).Message == "shutting down" }},
		{"version", func() (any, error) { return c.Version(ctx(t)) }, "GET /v1/version",
			func(v any) bool { return v.(api.Version).API == "v1" }},
		{"metrics", func() (any, error) { return c.Metrics(ctx(t)) }, "GET /metrics",
			func(v any) bool { return v.(string) == "supd_x 1\n" }},
		{"logs", func() (any, error) { return c.Logs(ctx(t), "/web/", 5) }, "GET /v1/logs?n=5&path=web",
			func(v any) bool { l := v.([]api.LogLine); return len(l) == 2 && l[1].Text == "two" }},
		{"logs of all", func() (any, error) { return c.Logs(ctx(t), "", 100) }, "GET /v1/logs?n=100", nil},
		{"events", func() (any, error) { return c.Events(ctx(t), 3) }, "GET /v1/events?n=3",
			func(v any) bool { return len(v.([]api.Event)) == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			if got := fs.last(); got != tt.wantSent {
				t.Errorf("sent %q, want %q", got, tt.wantSent)
			}
			if tt.check != nil && !tt.check(v) {
				t.Errorf("got %+v", v)
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	fs := startFake(t, map[string]http.HandlerFunc{
		"/v1/nodes/{p...}": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			io.WriteString(w, `{"error":"no node \"x\": not found"}`)
		},
		"/v1/tree": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(403)
			io.WriteString(w, `{"error":"access denied: uid 1000"}`)
		},
		"/v1/version": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "plain text failure", 500)
		},
	})
	c := New(fs.sock)
	defer c.Close()
	tests := []struct {
		name     string
		call     func() error
		status   int
		sentinel error
		msg      string
	}{
		{"404", func() error { _, err := c.Node(ctx(t), "x"); return err }, 404, api.ErrNotFound, `no node "x": not found`},
		{"403", func() error { _, err := c.Tree(ctx(t)); return err }, 403, api.ErrForbidden, "access denied: uid 1000"},
		{"500 not JSON", func() error { _, err := c.Version(ctx(t)); return err }, 500, api.ErrInternal, "plain text failure"},
		{"404 on a stream", func() error { _, err := c.FollowLogs(ctx(t), "", 1); return err }, 404, api.ErrNotFound, "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var se *api.StatusError
			if !errors.As(err, &se) || se.Status != tt.status || !errors.Is(err, tt.sentinel) || err.Error() != tt.msg {
				t.Errorf("got %#v (%v), want status %d, %v, %q", err, err, tt.status, tt.sentinel, tt.msg)
			}
		})
	}
}

func TestFollow(t *testing.T) {
	release := make(chan struct{})
	fs := startFake(t, map[string]http.HandlerFunc{
		"GET /v1/events": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"seq":1,"kind":"state"}`+"\n")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			io.WriteString(w, `{"seq":2,"kind":"lagged"}`+"\n")
		},
		"GET /v1/logs": func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		},
	})
	c := New(fs.sock)
	defer c.Close()
	s, err := c.FollowEvents(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := fs.last(); got != "GET /v1/events?follow=1&n=0" {
		t.Errorf("sent %q", got)
	}
	e, err := s.Next()
	if err != nil || e.Seq != 1 {
		t.Fatalf("got %+v %v", e, err)
	}
	close(release)
	if e, err := s.Next(); err != nil || e.Kind != api.EventLagged {
		t.Fatalf("got %+v %v", e, err)
	}
	if _, err := s.Next(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}

	// Cancelling the context ends a stream that waits.
	cctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	s2, err := c.FollowLogs(cctx, "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	cancel()
	if _, err := s2.Next(); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, nil, 0o644)

	tests := []struct {
		name   string
		socket string
		likely string
		cause  error
	}{
		{"missing", filepath.Join(dir, "none.sock"), "supd is not running or the socket path is wrong", syscall.ENOENT},
		{"stale", stale, "supd is not running (stale socket", syscall.ECONNREFUSED},
		{"not a socket", plain, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.socket).Version(ctx(t))
			var ue *UnreachableError
			if !errors.As(err, &ue) {
				t.Fatalf("got %T %v, want *UnreachableError", err, err)
			}
			if ue.Socket != tt.socket || !strings.Contains(err.Error(), tt.socket) || !strings.Contains(err.Error(), tt.likely) {
				t.Errorf("got %q", err)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("%v does not wrap %v", err, tt.cause)
			}
		})
	}
}

func TestUnreachableLikely(t *testing.T) {
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", errno)}
	}
	tests := []struct {
		cause error
		want  string
	}{
		{opErr(syscall.ENOENT), "supd is not running or the socket path is wrong (no such file)"},
		{opErr(syscall.ECONNREFUSED), "supd is not running (stale socket: connection refused)"},
		{opErr(syscall.EACCES), "permission denied: you are not root, supd's user or in control.group"},
		{opErr(syscall.EAGAIN), "supd is not accepting connections (its listen queue is full)"},
		{opErr(syscall.EIO), "dial unix: connect: input/output error"},
	}
	for _, tt := range tests {
		e := &UnreachableError{Socket: "/run/supd/supd.sock", Cause: tt.cause}
		if got := e.Error(); got != "cannot reach supd at /run/supd/supd.sock: "+tt.want {
			t.Errorf("got %q, want ...%q", got, tt.want)
		}
	}
}

func TestNodeURL(t *testing.T) {
	tests := []struct{ path, action, want string }{
		{"", "", "/v1/nodes/"},
		{"/", "stop", "/v1/nodes/stop"},
		{"web/api", "", "/v1/nodes/web/api"},
		{"/web/api/", "signal", "/v1/nodes/web/api/signal"},
		{"a%b", "start", "/v1/nodes/a%25b/start"},
	}
	for _, tt := range tests {
		if got := nodeURL(tt.path, tt.action); got != tt.want {
			t.Errorf("nodeURL(%q, %q) = %q, want %q", tt.path, tt.action, got, tt.want)
		}
	}
}
