package health

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHTTPProbe(t *testing.T) {
	mux := http.NewServeMux()
	status := func(code int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			w.Write([]byte(body))
		}
	}
	mux.HandleFunc("/ok", status(200, "fine"))
	mux.HandleFunc("/nocontent", status(204, ""))
	mux.HandleFunc("/notmodified", status(304, ""))
	mux.HandleFunc("/missing", status(404, "no such page"))
	mux.HandleFunc("/broken", status(500, "database\n  unreachable"))
	mux.HandleFunc("/unavailable", status(503, strings.Repeat("x", 100000)))
	// A redirect to a failing page: following it would fail the probe.
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/broken", http.StatusFound)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/broken", http.StatusMovedPermanently)
	})
	var brokenHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			brokenHits.Add(1)
		}
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()

	tests := []struct {
		path   string
		ok     bool
		detail string
	}{
		{"/ok", true, "200 OK"},
		{"/nocontent", true, "204 No Content"},
		{"/notmodified", true, "304 Not Modified"},
		{"/redirect", true, "302 Found"},
		{"/moved", true, "301 Moved Permanently"},
		{"/missing", false, "GET " + srv.URL + "/missing: 404 Not Found: no such page"},
		{"/broken", false, "GET " + srv.URL + "/broken: 500 Internal Server Error: database unreachable"},
		{"/unavailable", false, "GET " + srv.URL + "/unavailable: 503 Service Unavailable: " + strings.Repeat("x", snippetMax)},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			p, err := NewHTTP(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			before := brokenHits.Load()
			r := p.Probe(context.Background())
			if r.OK != tc.ok || r.Detail != tc.detail {
				t.Fatalf("got %+v, want ok=%v %q", r, tc.ok, tc.detail)
			}
			if tc.ok && brokenHits.Load() != before {
				t.Fatal("the redirect was followed")
			}
		})
	}
}

func TestNewHTTP(t *testing.T) {
	for _, u := range []string{"ftp://host/x", "://nope", "localhost:80/x"} {
		if _, err := NewHTTP(u); err == nil {
			t.Errorf("NewHTTP(%q) succeeded", u)
		}
	}
}

// TestHTTPProbeRefused: nothing listens any more.
func TestHTTPProbeRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	p, _ := NewHTTP(url)
	r := p.Probe(context.Background())
	if r.OK || !strings.Contains(r.Detail, "connection refused") || strings.Contains(r.Detail, `Get "`) {
		t.Fatalf("got %+v", r)
	}
}

// TestHTTPProbeTimeout: a server that never answers is cut off at the
// probe's timeout.
func TestHTTPProbeTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	p, _ := NewHTTP(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	r := p.Probe(ctx)
	if took := time.Since(began); took > 2*time.Second {
		t.Fatalf("probe took %v", took)
	}
	if r.OK || r.Detail != "GET "+srv.URL+": timed out" {
		t.Fatalf("got %+v", r)
	}
}

// TestHTTPKeepAlive: successive probes reuse one connection.
func TestHTTPKeepAlive(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("ok", 1000)))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	p, _ := NewHTTP(srv.URL)
	for range 20 {
		if r := p.Probe(context.Background()); !r.OK {
			t.Fatal(r.Detail)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 20 probes, want 1", n)
	}
}

// TestHTTPLivenessTurnsUnhealthy runs a real checker against a server that
// starts failing: after the configured number of failures, one callback.
func TestHTTPLivenessTurnsUnhealthy(t *testing.T) {
	var failing atomic.Bool
	hits := make(chan bool, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := failing.Load()
		hits <- f // before the answer, so counted before the probe ends
		if f {
			http.Error(w, "out of memory", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	p, _ := NewHTTP(srv.URL)
	unhealthy := make(chan string, 2)
	c := Liveness(p, Schedule{Interval: 10 * time.Millisecond, Timeout: time.Second, Failures: 3}, func(d string) { unhealthy <- d })
	defer c.Stop()
	deadline := time.After(10 * time.Second)
	for range 3 { // healthy probes first
		select {
		case <-hits:
		case <-deadline:
			t.Fatal("fewer than 3 probes within 10s")
		}
	}
	failing.Store(true)
	select {
	case d := <-unhealthy:
		want := "3 consecutive probes failed, the last: GET " + srv.URL + ": 500 Internal Server Error: out of memory"
		if d != want {
			t.Fatalf("detail %q, want %q", d, want)
		}
	case <-deadline:
		t.Fatal("not unhealthy within 10s")
	}
	select {
	case <-c.Done():
	case <-deadline:
		t.Fatal("checker did not end after unhealthy")
	}
	// Exactly three failing probes were needed.
	failed := 0
	for len(hits) > 0 {
		if <-hits {
			failed++
		}
	}
	if failed != 3 {
		t.Fatalf("%d failing probes before unhealthy, want 3", failed)
	}
}
