package control

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"supd/control/api"
)

// routes builds the handler: peer check and body limits around a ServeMux
// whose every answer, including 404 and 405, is JSON.
func (s *Server) routes() http.Handler {
	routes := []struct {
		method, pattern string
		h               http.HandlerFunc
	}{
		{"GET", "/v1/tree", s.handleTree},
		{"GET", "/v1/nodes/{path...}", s.handleNode},
		{"POST", "/v1/nodes/{path...}", s.handleNodeAction},
		{"GET", "/v1/logs", s.handleLogs},
		{"POST", "/v1/logs/reopen", s.handleReopen},
		{"GET", "/v1/events", s.handleEvents},
		{"POST", "/v1/reload", s.handleReload},
		{"POST", "/v1/shutdown", s.handleShutdown},
		{"GET", "/v1/version", s.handleVersion},
		{"GET", "/metrics", s.metrics.ServeHTTP},
	}
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var patterns []string
	for _, rt := range routes {
		mux.HandleFunc(rt.method+" "+rt.pattern, rt.h)
		if _, ok := allowed[rt.pattern]; !ok {
			patterns = append(patterns, rt.pattern)
		}
		allowed[rt.pattern] = append(allowed[rt.pattern], rt.method)
	}
	// The same pattern without a method catches the other methods, so that
	// a 405 is JSON too.
	for _, p := range patterns {
		allow := strings.Join(allowed[p], ", ")
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			s.reply(w, http.StatusMethodNotAllowed, errorf("%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, allow))
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, http.StatusNotFound, errorf("no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s.guard(mux)
}

// guard checks the peer, reads the body within its limits, and logs the
// request.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.inflight.enter() {
			w.Header().Set("Connection", "close")
			s.reply(w, http.StatusServiceUnavailable, errorf("supd's control server is stopping"))
			return
		}
		defer s.inflight.leave()
		p := peerFrom(r.Context())
		if err := s.access.check(p); err != nil {
			s.log.Warn("control: access denied", "uid", p.UID, "gid", p.GID, "pid", p.PID,
				"method", r.Method, "url", r.URL.Path, "err", err)
			w.Header().Set("Connection", "close")
			s.reply(w, http.StatusForbidden, errorf("access denied: %v", err))
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		if s.readBody(rec, r) {
			next.ServeHTTP(rec, r)
		}
		level := slog.LevelDebug
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			level = slog.LevelInfo
		}
		s.log.Log(r.Context(), level, "control: request", "method", r.Method, "url", r.URL.RequestURI(),
			"uid", p.UID, "pid", p.PID, "status", rec.status, "duration", time.Since(start).Round(time.Microsecond))
	})
}

// readBody reads the whole body (at most MaxBodyBytes) into memory. Once the
// body is read, net/http lifts ReadTimeout's deadline (its background read
// only watches for the client going away), so a long stop or a stream that
// follows is not cut by it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		// The rest of the body is unread: the connection cannot be reused.
		w.Header().Set("Connection", "close")
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			s.reply(w, http.StatusRequestEntityTooLarge, errorf("request body is larger than %d bytes", s.opts.MaxBodyBytes))
		case isTimeout(err):
			s.reply(w, http.StatusRequestTimeout, errorf("reading request body: timed out"))
		default:
			s.reply(w, http.StatusBadRequest, errorf("reading request body: %v", err))
		}
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// statusRecorder remembers the status for the request log. Unwrap lets
// http.ResponseController reach the connection.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func errorf(format string, args ...any) api.Error {
	return api.Error{Error: fmt.Sprintf(format, args...)}
}
