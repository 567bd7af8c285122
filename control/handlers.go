package control

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"supd/control/api"
)

// maxLines caps n for logs and events, so that one request cannot make the
// server build an unbounded response.
const maxLines = 100_000

// handleTree serves GET /v1/tree from the body encoded for the backend's
// current tree version, encoding it again only when the tree changed.
func (s *Server) handleTree(w http.ResponseWriter, r *http.Request) {
	body, err := s.trees.body(s.b)
	if err != nil {
		s.reply(w, http.StatusInternalServerError, api.Error{Error: fmt.Sprintf("encoding response: %v", err)})
		return
	}
	s.write(w, http.StatusOK, body)
}

func (s *Server) handleNode(w http.ResponseWriter, r *http.Request) {
	path, err := cleanPath(r.PathValue("path"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.b.Node(path)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.reply(w, http.StatusOK, n)
}

// handleNodeAction serves POST /v1/nodes/{path}/{action}: the last segment
// is the action, so a path's slashes may come raw or as %2F.
func (s *Server) handleNodeAction(w http.ResponseWriter, r *http.Request) {
	full := strings.Trim(r.PathValue("path"), "/")
	rest, action := "", full
	if i := strings.LastIndexByte(full, '/'); i >= 0 {
		rest, action = full[:i], full[i+1:]
	}
	path, err := cleanPath(rest)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	switch action {
	case "start":
		err = s.noBody(r, func() error { return s.b.Start(ctx, path) })
	case "restart":
		err = s.noBody(r, func() error { return s.b.Restart(ctx, path) })
	case "stop":
		var hold time.Duration
		if hold, err = decodeStop(r); err == nil {
			err = s.b.Stop(ctx, path, hold)
		}
	case "signal":
		var req api.SignalRequest
		if err = decodeBody(r.Body, &req); err == nil {
			if req.Signal == "" {
				err = fmt.Errorf("field \"signal\" is required, e.g. {\"signal\": \"USR1\"}: %w", api.ErrInvalid)
			} else {
				err = s.b.Signal(ctx, path, req.Signal, req.Group)
			}
		}
	case "scale":
		var n int
		if n, err = decodeScale(r); err == nil {
			err = s.b.Scale(ctx, path, n)
		}
	default:
		s.reply(w, http.StatusNotFound, errorf("no such action %q on node %q (want start, stop, restart, signal or scale)", action, path))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.b.Node(path)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.reply(w, http.StatusOK, n)
}

// decodeStop reads api.StopRequest's body. Its duration is parsed here
// rather than by api.Duration, so that an error can name the field.
func decodeStop(r *http.Request) (time.Duration, error) {
	var req struct {
		For string `json:"for"`
	}
	if err := decodeBody(r.Body, &req); err != nil || req.For == "" {
		return 0, err
	}
	d, err := time.ParseDuration(req.For)
	switch {
	case err != nil:
		return 0, fmt.Errorf("field \"for\": bad duration %q: want a number with a unit, such as \"10m\": %w", req.For, api.ErrInvalid)
	case d < 0:
		return 0, fmt.Errorf("field \"for\": %s is negative: %w", req.For, api.ErrInvalid)
	}
	return d, nil
}

// decodeScale reads api.ScaleRequest's body, whose one field is required
// and must not be negative.
func decodeScale(r *http.Request) (int, error) {
	var req struct {
		Replicas *int `json:"replicas"`
	}
	if err := decodeBody(r.Body, &req); err != nil {
		return 0, err
	}
	switch {
	case req.Replicas == nil:
		return 0, fmt.Errorf("field \"replicas\" is required, e.g. {\"replicas\": 3}: %w", api.ErrInvalid)
	case *req.Replicas < 0:
		return 0, fmt.Errorf("field \"replicas\": %d is negative: %w", *req.Replicas, api.ErrInvalid)
	}
	return *req.Replicas, nil
}

// noBody runs fn unless the request has a body that is not an empty object
// (start and restart take none).
func (s *Server) noBody(r *http.Request, fn func() error) error {
	var none struct{}
	if err := decodeBody(r.Body, &none); err != nil {
		return err
	}
	return fn()
}

func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL, "path", "n", "follow")
	path, n, follow := q.path("path"), q.int("n", 100, maxLines), q.bool("follow")
	if q.err != nil {
		s.fail(w, r, q.err)
		return
	}
	if !follow {
		lines, err := s.b.Logs(path, n)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		streamSlice(s, w, lines)
		return
	}
	if !s.beginStream(w, r) {
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ch, err := s.b.FollowLogs(ctx, path, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stream(s, w, r, ch, nil)
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL, "n", "follow")
	follow := q.bool("follow")
	def := 100
	if follow {
		def = 0 // a follower wants what comes, unless it asks for history
	}
	n := q.int("n", def, maxLines)
	if q.err != nil {
		s.fail(w, r, q.err)
		return
	}
	if !follow {
		streamSlice(s, w, s.b.Events(n))
		return
	}
	if !s.beginStream(w, r) {
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ch, stop, err := s.b.FollowEvents(ctx, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer stop()
	stream(s, w, r, ch, func(e api.Event) bool { return e.Kind == api.EventLagged })
}

func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	var req api.ReloadRequest
	if err := decodeBody(r.Body, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	plan, err := s.b.Reload(r.Context(), req.DryRun)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if plan.Changes == nil {
		plan.Changes = []api.Change{}
	}
	s.reply(w, http.StatusOK, plan)
}

func (s *Server) handleShutdown(w http.ResponseWriter, r *http.Request) {
	if err := s.noBody(r, func() error { return s.b.Shutdown(r.Context()) }); err != nil {
		s.fail(w, r, err)
		return
	}
	s.reply(w, http.StatusAccepted, api.Accepted{Message: "shutting down"})
}

func (s *Server) handleReopen(w http.ResponseWriter, r *http.Request) {
	var out api.Reopened
	if err := s.noBody(r, func() (err error) { out, err = s.b.ReopenLogs(r.Context()); return err }); err != nil {
		s.fail(w, r, err)
		return
	}
	s.reply(w, http.StatusOK, out)
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	s.reply(w, http.StatusOK, s.b.Version())
}

const ndjson = "application/x-ndjson"

// streamSlice writes a finite list as newline-delimited JSON.
func streamSlice[T any](s *Server, w http.ResponseWriter, items []T) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", ndjson)
	enc := json.NewEncoder(w)
	for _, v := range items {
		_ = rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
		if err := enc.Encode(v); err != nil {
			return
		}
	}
}

// stream writes each value from ch as one JSON line until ch closes, the
// client goes away, the server stops, a write misses its deadline, or last
// says the value was the last. Lines are flushed whenever nothing more is
// queued, so a backlog goes out in large writes and a live stream line by
// line.
// beginStream moves the request's connection to a stream slot, or
// answers 503 when MaxStreams are open. The connection is closed after the
// stream, so that it never serves other requests from that slot.
func (s *Server) beginStream(w http.ResponseWriter, r *http.Request) bool {
	if pc, ok := r.Context().Value(connKey{}).(*peerConn); ok && !pc.stream() {
		// Not logged: a flood of followers would flood the log too.
		s.reply(w, http.StatusServiceUnavailable, errorf("%d streams (followers of logs or events) are open, the most supd serves at once; try again later", s.opts.MaxStreams))
		return false
	}
	w.Header().Set("Connection", "close")
	return true
}

func stream[T any](s *Server, w http.ResponseWriter, r *http.Request, ch <-chan T, last func(T) bool) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", ndjson)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_ = rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
	if err := rc.Flush(); err != nil {
		return
	}
	enc := json.NewEncoder(w)
	for {
		select {
		case v, ok := <-ch:
			if !ok {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
			if err := enc.Encode(v); err != nil {
				return
			}
			if len(ch) == 0 {
				if err := rc.Flush(); err != nil {
					return
				}
			}
			if last != nil && last(v) {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.stopping:
			drain(s, rc, enc, ch)
			return
		}
	}
}

// drainGrace is how long a stream may go on at the server's stop with what
// is still on its way (a shutdown's last events), while values keep coming.
const drainGrace = 200 * time.Millisecond

// drain writes what ch still brings as the server stops, until ch closes
// or nothing came for drainGrace.
func drain[T any](s *Server, rc *http.ResponseController, enc *json.Encoder, ch <-chan T) {
	defer rc.Flush()
	t := time.NewTimer(drainGrace)
	defer t.Stop()
	for {
		select {
		case v, ok := <-ch:
			if !ok {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
			if enc.Encode(v) != nil {
				return
			}
			t.Reset(drainGrace)
		case <-t.C:
			return
		}
	}
}
