package control

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"supd/control/api"
)

// Options configure a Server. The zero value is usable: every limit has a
// default.
type Options struct {
	// Logger receives the audit lines of refused peers (at most 20 at
	// once, then one a second, with the count of those held back), one
	// line per request (Info for POST, Debug otherwise) and server errors.
	Logger *slog.Logger
	// Groups are the gids whose members (primary or supplementary) may use
	// the socket, besides root and supd's own uid: control.group's gid, if
	// set. Empty: nobody else.
	Groups []int
	// ReadTimeout bounds reading a request's header and body (default 10s):
	// a client that connects and sends nothing is cut off after it.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response, and each line of a stream
	// (default 10s): a reader that stops reading is cut off after it.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection idle this long (default 2m).
	IdleTimeout time.Duration
	// ShutdownTimeout is how long Serve waits, once its context ends, for
	// requests in flight before it closes their connections (default 5s).
	ShutdownTimeout time.Duration
	// MaxBodyBytes caps a request body (default 64 KiB); more is a 413.
	MaxBodyBytes int64
	// MaxHeaderBytes caps a request's header (default 8 KiB); more is a 431.
	MaxHeaderBytes int
	// MaxConns caps open connections (default 512); more wait in the
	// listen backlog. Streams (followers of logs and events) count
	// toward MaxStreams instead, so they cannot keep requests waiting.
	MaxConns int
	// Probes answers /healthz and /readyz on the control.http listener
	// (ServeTCP); nil answers 503 to both.
	Probes Probes
	// MaxStreams caps the streams open at once (default 1024); a follow
	// request beyond it is refused with 503.
	MaxStreams int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReadTimeout, 10*time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	def(&o.IdleTimeout, 2*time.Minute)
	def(&o.ShutdownTimeout, 5*time.Second)
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 8 << 10
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 512
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 1024
	}
	return o
}

// Server serves the control API of one Backend.
type Server struct {
	b       Backend
	opts    Options
	log     *slog.Logger
	access  access
	handler http.Handler
	metrics http.Handler

	refuser  *refuser
	stopping chan struct{} // closed when Serve's context ends: streams end
	inflight *gate         // requests being handled
	trees    treeCache     // GET /v1/tree's body
}

// New returns a Server for b. Serve it with Serve.
func New(b Backend, opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		b:        b,
		opts:     opts,
		log:      opts.Logger,
		refuser:  newRefuser(opts.Logger),
		stopping: make(chan struct{}),
		inflight: newGate(),
		access: access{
			self:     uint32(os.Getuid()),
			groupsOf: supplementaryGroups,
		},
	}
	for _, g := range opts.Groups {
		if g >= 0 {
			s.access.groups = append(s.access.groups, uint32(g))
		}
	}
	s.metrics = newMetricsHandler(b)
	s.handler = s.routes()
	return s
}

// Serve serves HTTP/1.1 on ln (a unix socket listener, see Listen) until ctx
// ends, then stops gracefully: it stops accepting, ends every stream, waits
// up to ShutdownTimeout for other requests in flight, closes the
// connections of any still running, and closes ln. It returns nil after
// such a stop, or the error that made accepting fail. Once Serve has
// returned, no request is being handled and the Backend is not called
// again. Serve may be called once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opts.ReadTimeout,
		// ReadTimeout also bounds the body; net/http lifts it once the body
		// is read (see readBody), so long actions and streams are not cut.
		ReadTimeout:    s.opts.ReadTimeout,
		WriteTimeout:   s.opts.WriteTimeout,
		IdleTimeout:    s.opts.IdleTimeout,
		MaxHeaderBytes: s.opts.MaxHeaderBytes,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if pc, ok := c.(*peerConn); ok {
				return context.WithValue(context.WithValue(ctx, peerKey{}, pc.peer), connKey{}, pc)
			}
			return ctx
		},
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() {
		errc <- srv.Serve(newLimitListener(ln, s.opts.MaxConns, s.opts.MaxStreams, s.access.check, s.refuser.refuse))
	}()

	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serving control socket: %w", err)
	case <-ctx.Done():
	}
	close(s.stopping)
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn("control: requests still running at shutdown; closing their connections", "err", err)
		srv.Close()
	}
	if serveErr == nil {
		<-errc // http.ErrServerClosed
	}
	// A closed connection cancels its request's context; the handlers
	// return once the backend honours that.
	s.inflight.closeAndWait()
	return serveErr
}

// gate counts requests being handled, and once closed lets none in.
type gate struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   chan struct{} // closed when closed and n is 0
}

func newGate() *gate { return &gate{idle: make(chan struct{})} }

func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.closed && g.n == 0 {
		close(g.idle)
	}
}

func (g *gate) closeAndWait() {
	g.mu.Lock()
	g.closed = true
	if g.n == 0 {
		close(g.idle)
	}
	g.mu.Unlock()
	<-g.idle
}

// fail answers with err's status and message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := api.HTTPStatus(err)
	if status >= 500 {
		s.log.Error("control: request failed", "method", r.Method, "url", r.URL.Path, "err", err)
	}
	s.reply(w, status, api.Error{Error: err.Error()})
}

// reply writes v as the JSON body, with a fresh write deadline (a long
// action may have used up the one set when the request was read).
func (s *Server) reply(w http.ResponseWriter, status int, v any) {
	body, err := marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = marshal(api.Error{Error: fmt.Sprintf("encoding response: %v", err)})
	}
	s.write(w, status, body)
}

// write sends an encoded JSON body.
func (s *Server) write(w http.ResponseWriter, status int, body []byte) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
