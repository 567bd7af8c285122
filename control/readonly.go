package control

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"supd/control/api"
)

// Probes answers the orchestrators' probes on the control.http listener
// (SPEC §4). Its methods are called from request goroutines and must not
// block for long: Health is given a context with the probe's deadline.
type Probes interface {
	// Health is healthy while the tree's owners answer and the root has not
	// failed.
	Health(ctx context.Context) api.Health
	// Readiness says whether the initial start has finished and which nodes
	// keep supd from being ready.
	Readiness() api.Readiness
}

// healthTimeout bounds the liveness check of one /healthz, below the 1 s
// that orchestrators' probes wait by default.
const healthTimeout = 800 * time.Millisecond

// ListenTCP listens on addr (HOST:PORT) for the control.http listener. An
// address that cannot be bound is an error naming it.
func ListenTCP(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("control.http: listening on %s: %w", addr, err)
	}
	return ln, nil
}

// ServeTCP serves the read-only endpoints on ln until ctx ends: GET (or
// HEAD) /metrics, /healthz and /readyz, and 404 for anything else, so that
// nothing on this listener can change the tree. It shares the metrics
// registry and the limits of the control socket; there is no peer check (a
// TCP peer has no credentials), which is why nothing here writes. It
// returns nil after ctx ended, or the error that made accepting fail.
func (s *Server) ServeTCP(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.readOnly(),
		ReadHeaderTimeout: s.opts.ReadTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    s.opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(newLimitListener(ln, s.opts.MaxConns, 0, nil, nil)) }() // no streams here
	select {
	case err := <-errc:
		return fmt.Errorf("serving control.http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	<-errc // http.ErrServerClosed
	return nil
}

// readOnly routes by exact path; every other method or path is 404, never
// 405, so that the listener does not even tell which routes exist on the
// socket.
func (s *Server) readOnly() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusNotFound
		defer func() {
			s.log.Debug("control.http: request", "method", r.Method, "url", r.URL.RequestURI(), "remote", r.RemoteAddr, "status", status)
		}()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.plainOrJSON(w, r, status, fmt.Sprintf("no such endpoint: %s %s\n", r.Method, r.URL.Path), errorf("no such endpoint: %s %s", r.Method, r.URL.Path))
			return
		}
		switch r.URL.Path {
		case "/metrics":
			status = http.StatusOK
			s.metrics.ServeHTTP(w, r)
		case "/healthz":
			status = s.handleHealthz(w, r)
		case "/readyz":
			status = s.handleReadyz(w, r)
		default:
			s.plainOrJSON(w, r, status, fmt.Sprintf("no such endpoint: %s %s\n", r.Method, r.URL.Path), errorf("no such endpoint: %s %s", r.Method, r.URL.Path))
		}
	})
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) int {
	h := api.Health{Error: "supd has no health check"}
	if p := s.opts.Probes; p != nil {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		h = p.Health(ctx)
		cancel()
	}
	status, text := http.StatusOK, "ok\n"
	if !h.Healthy {
		status, text = http.StatusServiceUnavailable, "unhealthy: "+h.Error+"\n"
	}
	s.plainOrJSON(w, r, status, text, h)
	return status
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) int {
	rd := api.Readiness{NotReady: []api.NotReady{}}
	if p := s.opts.Probes; p != nil {
		rd = p.Readiness()
		if rd.NotReady == nil {
			rd.NotReady = []api.NotReady{}
		}
	}
	if !rd.Ready {
		var b strings.Builder
		b.WriteString("not ready\n")
		if !rd.Started {
			b.WriteString("initial start: not finished\n")
		}
		for _, n := range rd.NotReady {
			path := n.Path
			if path == "" {
				path = "/"
			}
			fmt.Fprintf(&b, "%s: %s\n", path, n.State)
		}
		s.plainOrJSON(w, r, http.StatusServiceUnavailable, b.String(), rd)
		return http.StatusServiceUnavailable
	}
	s.plainOrJSON(w, r, http.StatusOK, "ready\n", rd)
	return http.StatusOK
}

// plainOrJSON answers with v as JSON when the client accepts
// application/json, else with text.
func (s *Server) plainOrJSON(w http.ResponseWriter, r *http.Request, status int, text string, v any) {
	if wantsJSON(r) {
		body, err := json.Marshal(v)
		if err == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(append(body, '\n'))
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}

// wantsJSON reports whether the Accept header names application/json.
func wantsJSON(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(h, ",") {
			if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "application/json" {
				return true
			}
		}
	}
	return false
}
