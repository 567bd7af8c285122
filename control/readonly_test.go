package control

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"supd/control/api"
)

// fakeProbes answers what the test sets.
type fakeProbes struct {
	mu    sync.Mutex
	h     api.Health
	r     api.Readiness
	calls int
}

func (f *fakeProbes) set(h api.Health, r api.Readiness) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.h, f.r = h, r
}

func (f *fakeProbes) Health(ctx context.Context) api.Health {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if _, ok := ctx.Deadline(); !ok {
		return api.Health{Error: "no deadline"}
	}
	return f.h
}

func (f *fakeProbes) Readiness() api.Readiness {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.r
}

type tcpServer struct {
	url  string
	unix *testServer
}

// startTCP serves b on a unix socket and on a TCP port of the loopback,
// as the daemon does with control.http set.
func startTCP(t *testing.T, b Backend, p Probes) *tcpServer {
	t.Helper()
	ln, err := ListenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(b, Options{Probes: p, Logger: slog.New(slog.DiscardHandler)})
	sock := filepath.Join(t.TempDir(), "supd.sock")
	uln, err := Listen(sock, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = srv.Serve(ctx, uln) }()
	go func() {
		defer wg.Done()
		if err := srv.ServeTCP(ctx, ln); err != nil {
			t.Errorf("ServeTCP: %v", err)
		}
	}()
	unix := &testServer{sock: sock, client: unixClient(sock)}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		unix.client.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
	})
	return &tcpServer{url: "http://" + ln.Addr().String(), unix: unix}
}

func get(t *testing.T, method, url, accept string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	c.CloseIdleConnections()
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestTCPProbes(t *testing.T) {
	fp := &fakeProbes{}
	ts := startTCP(t, newFakeBackend(), fp)
	notReady := api.Readiness{Started: true, NotReady: []api.NotReady{{Path: "web/api", State: api.StateBackoff}, {Path: "db", State: api.StateStarting}}}
	tests := []struct {
		name       string
		health     api.Health
		ready      api.Readiness
		url        string
		accept     string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{name: "healthy", health: api.Health{Healthy: true}, url: "/healthz", wantStatus: 200, wantType: "text/plain", wantBody: "ok\n"},
		{name: "healthy json", health: api.Health{Healthy: true}, url: "/healthz", accept: "text/html, application/json;q=0.9",
			wantStatus: 200, wantType: "application/json", wantBody: `{"healthy":true}` + "\n"},
		{name: "unhealthy", health: api.Health{Error: "the root has failed"}, url: "/healthz", wantStatus: 503,
			wantType: "text/plain", wantBody: "unhealthy: the root has failed\n"},
		{name: "unhealthy json", health: api.Health{Error: "the root has failed"}, url: "/healthz", accept: "application/json",
			wantStatus: 503, wantType: "application/json", wantBody: `{"healthy":false,"error":"the root has failed"}` + "\n"},
		{name: "ready", ready: api.Readiness{Ready: true, Started: true}, url: "/readyz", wantStatus: 200, wantType: "text/plain", wantBody: "ready\n"},
		{name: "ready json", ready: api.Readiness{Ready: true, Started: true}, url: "/readyz", accept: "application/json",
			wantStatus: 200, wantType: "application/json", wantBody: `{"ready":true,"started":true,"not_ready":[]}` + "\n"},
		{name: "not ready", ready: notReady, url: "/readyz", wantStatus: 503, wantType: "text/plain",
			wantBody: "not ready\nweb/api: backoff\ndb: starting\n"},
		{name: "not started", ready: api.Readiness{}, url: "/readyz", wantStatus: 503, wantType: "text/plain",
			wantBody: "not ready\ninitial start: not finished\n"},
		{name: "not ready json", ready: notReady, url: "/readyz", accept: "application/json", wantStatus: 503, wantType: "application/json",
			wantBody: `{"ready":false,"started":true,"not_ready":[{"path":"web/api","state":"backoff"},{"path":"db","state":"starting"}]}` + "\n"},
		{name: "query ignored", ready: api.Readiness{Ready: true, Started: true}, url: "/readyz?verbose=1", wantStatus: 200, wantBody: "ready\n"},
		{name: "unknown", url: "/v1/tree", wantStatus: 404, wantType: "text/plain", wantBody: "no such endpoint: GET /v1/tree\n"},
		{name: "unknown json", url: "/nope", accept: "application/json", wantStatus: 404, wantType: "application/json",
			wantBody: `{"error":"no such endpoint: GET /nope"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp.set(tt.health, tt.ready)
			status, ctype, body := get(t, "GET", ts.url+tt.url, tt.accept)
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("GET %s: %d %q, want %d %q", tt.url, status, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantType != "" && !strings.HasPrefix(ctype, tt.wantType) {
				t.Errorf("Content-Type %q, want %s", ctype, tt.wantType)
			}
		})
	}
}

// Nothing on the TCP listener reaches the backend's actions: every route
// of the control socket, with every method, is 404 there.
func TestTCPRefusesEveryMutatingRoute(t *testing.T) {
	fb := newFakeBackend()
	ts := startTCP(t, fb, &fakeProbes{})
	paths := []string{
		"/v1/tree", "/v1/nodes/db", "/v1/nodes/", "/v1/nodes/db/start", "/v1/nodes/db/stop", "/v1/nodes/db/restart",
		"/v1/nodes/web%2Fapi/stop", "/v1/nodes/db/signal", "/v1/nodes/web/api/scale", "/v1/logs", "/v1/logs?follow=1",
		"/v1/events", "/v1/events?follow=1", "/v1/reload", "/v1/shutdown", "/v1/version",
		"/metrics", "/healthz", "/readyz", "/", "/metrics/", "/healthz/../v1/shutdown",
	}
	methods := []string{"POST", "PUT", "PATCH", "DELETE", "GET", "OPTIONS"}
	for _, p := range paths {
		for _, m := range methods {
			if m == "GET" && (p == "/metrics" || p == "/healthz" || p == "/readyz") {
				continue
			}
			status, _, body := get(t, m, ts.url+p, "")
			if status != http.StatusNotFound {
				t.Errorf("%s %s on control.http: %d %q, want 404", m, p, status, body)
			}
		}
	}
	if calls := fb.Calls(); len(calls) > 0 {
		t.Errorf("requests on control.http reached the backend: %v", calls)
	}
	// The same backend still acts over the socket.
	if status, _ := ts.unix.call(t, "POST", "/v1/nodes/db/stop", ""); status != 200 {
		t.Errorf("stop over the socket: %d", status)
	}
	if calls := fb.Calls(); len(calls) != 1 {
		t.Errorf("backend calls %v, want the socket's stop", calls)
	}
}

// /metrics on both listeners comes from one registry: the same tree,
// build and process metrics.
func TestTCPMetricsShareTheRegistry(t *testing.T) {
	ts := startTCP(t, newFakeBackend(), &fakeProbes{})
	status, ctype, tcp := get(t, "GET", ts.url+"/metrics", "")
	if status != 200 || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("GET /metrics: %d %s", status, ctype)
	}
	_, sock := ts.unix.call(t, "GET", "/metrics", "")
	for _, want := range []string{"process_start_time_seconds ", `supd_node_state{kind="worker",path="web/front",state="backoff"} 1`, "supd_build_info{"} {
		if !strings.Contains(tcp, want) || !strings.Contains(sock, want) {
			t.Errorf("%q missing on one listener:\ntcp:\n%s\nsocket:\n%s", want, tcp, sock)
		}
	}
	if status, _, body := get(t, "HEAD", ts.url+"/healthz", ""); status != 503 || body != "" {
		t.Errorf("HEAD /healthz: %d %q", status, body)
	}
}

func TestListenTCPNamesTheAddress(t *testing.T) {
	ln, err := ListenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, err = ListenTCP(addr)
	if err == nil || !strings.Contains(err.Error(), "control.http: listening on "+addr) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("second listen on %s: %v", addr, err)
	}
	if _, err := ListenTCP("256.0.0.1:80"); err == nil || !strings.Contains(err.Error(), "256.0.0.1:80") {
		t.Fatalf("listen on a bad address: %v", err)
	}
}

func TestHealthWithoutProbes(t *testing.T) {
	ts := startTCP(t, newFakeBackend(), nil)
	for _, p := range []string{"/healthz", "/readyz"} {
		status, _, body := get(t, "GET", ts.url+p, "application/json")
		if status != 503 || !json.Valid([]byte(body)) {
			t.Errorf("GET %s without probes: %d %q", p, status, body)
		}
	}
}
