package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"supd/control/api"
)

// Client talks to one supd over its control socket. It is safe for
// concurrent use and keeps connections alive between calls.
//
// It talks only to a daemon that runs as root, as the client's own user or
// as a user it was told to trust (TrustUID): whoever serves the socket
// (SO_PEERCRED) hears every request and answers as supd, so a socket put
// in supd's place by another user (in a folder they could write) would
// lie about the tree and learn what the client meant to do.
type Client struct {
	socket  string
	trusted []int // besides root and the client's own uid
	hc      *http.Client
}

// Option configures a Client.
type Option func(*Client)

// TrustUID lets the client talk to a daemon that runs as uid, besides root
// and the client's own user.
func TrustUID(uid int) Option {
	return func(c *Client) { c.trusted = append(c.trusted, uid) }
}

// New returns a client of the socket at path. It does not connect yet.
func New(socket string, opts ...Option) *Client {
	c := &Client{socket: socket, trusted: []int{0, os.Getuid()}}
	for _, o := range opts {
		o(c)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	c.hc = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, "unix", socket)
			if err == nil {
				err = c.checkServer(conn)
				if err != nil {
					conn.Close()
				}
			}
			if err != nil {
				return nil, &UnreachableError{Socket: socket, Cause: err}
			}
			return conn, nil
		},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}}
	return c
}

// checkServer fails unless the process that serves conn (the one that
// listened, as the kernel recorded it) runs as a trusted uid.
func (c *Client) checkServer(conn net.Conn) error {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("%T is not a unix socket", conn)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var cred *unix.Ucred
	if cerr := raw.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reading the server's credentials: %w", err)
	}
	if !slices.Contains(c.trusted, int(cred.Uid)) {
		return &UntrustedError{UID: int(cred.Uid)}
	}
	return nil
}

// Socket is the socket path the client connects to.
func (c *Client) Socket() string { return c.socket }

// Close closes idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Tree is GET /v1/tree.
func (c *Client) Tree(ctx context.Context) (api.Tree, error) {
	var t api.Tree
	return t, c.do(ctx, http.MethodGet, "/v1/tree", nil, &t)
}

// Node is GET /v1/nodes/{path}.
func (c *Client) Node(ctx context.Context, path string) (api.Node, error) {
	var n api.Node
	return n, c.do(ctx, http.MethodGet, nodeURL(path, ""), nil, &n)
}

// TreeJSON and NodeJSON are Tree and Node as the daemon sent them, for
// callers that only pass the JSON on (supctl -o json): decoding and
// re-encoding a tree of 1000 workers costs more than the request.
func (c *Client) TreeJSON(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.do(ctx, http.MethodGet, "/v1/tree", nil, &raw)
}

// NodeJSON is GET /v1/nodes/{path} as the daemon sent it; see TreeJSON.
func (c *Client) NodeJSON(ctx context.Context, path string) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.do(ctx, http.MethodGet, nodeURL(path, ""), nil, &raw)
}

// Start is POST /v1/nodes/{path}/start; it returns the node afterwards.
func (c *Client) Start(ctx context.Context, path string) (api.Node, error) {
	var n api.Node
	return n, c.do(ctx, http.MethodPost, nodeURL(path, "start"), nil, &n)
}

// Stop is POST /v1/nodes/{path}/stop; hold 0 holds the node stopped until
// it is started, else for hold.
func (c *Client) Stop(ctx context.Context, path string, hold time.Duration) (api.Node, error) {
	var body any
	if hold > 0 {
		body = api.StopRequest{For: api.Duration(hold)}
	}
	var n api.Node
	return n, c.do(ctx, http.MethodPost, nodeURL(path, "stop"), body, &n)
}

// Restart is POST /v1/nodes/{path}/restart.
func (c *Client) Restart(ctx context.Context, path string) (api.Node, error) {
	var n api.Node
	return n, c.do(ctx, http.MethodPost, nodeURL(path, "restart"), nil, &n)
}

// Signal is POST /v1/nodes/{path}/signal.
func (c *Client) Signal(ctx context.Context, path, sig string, group bool) (api.Node, error) {
	var n api.Node
	return n, c.do(ctx, http.MethodPost, nodeURL(path, "signal"), api.SignalRequest{Signal: sig, Group: group}, &n)
}

// Scale is POST /v1/nodes/{path}/scale: the replica set at path runs n
// instances; it returns the node afterwards.
func (c *Client) Scale(ctx context.Context, path string, n int) (api.Node, error) {
	var node api.Node
	return node, c.do(ctx, http.MethodPost, nodeURL(path, "scale"), api.ScaleRequest{Replicas: n}, &node)
}

// Logs is GET /v1/logs: the last n lines of the workers at and below path
// ("" for all).
func (c *Client) Logs(ctx context.Context, path string, n int) ([]api.LogLine, error) {
	s, err := openStream[api.LogLine](ctx, c, logsURL(path, n, false))
	if err != nil {
		return nil, err
	}
	return s.all()
}

// FollowLogs is GET /v1/logs?follow=1: the last n lines, then every new
// one, until ctx ends or the stream is closed.
func (c *Client) FollowLogs(ctx context.Context, path string, n int) (*Stream[api.LogLine], error) {
	return openStream[api.LogLine](ctx, c, logsURL(path, n, true))
}

// Events is GET /v1/events: up to the last n events supd kept.
func (c *Client) Events(ctx context.Context, n int) ([]api.Event, error) {
	s, err := openStream[api.Event](ctx, c, "/v1/events?n="+strconv.Itoa(n))
	if err != nil {
		return nil, err
	}
	return s.all()
}

// FollowEvents is GET /v1/events?follow=1: up to the last n events, then
// every new one. A stream that fell behind ends with an api.EventLagged.
func (c *Client) FollowEvents(ctx context.Context, n int) (*Stream[api.Event], error) {
	return openStream[api.Event](ctx, c, "/v1/events?follow=1&n="+strconv.Itoa(n))
}

// Reload is POST /v1/reload: the plan applied, or with dryRun the plan
// that would be.
func (c *Client) Reload(ctx context.Context, dryRun bool) (api.Plan, error) {
	var p api.Plan
	return p, c.do(ctx, http.MethodPost, "/v1/reload", api.ReloadRequest{DryRun: dryRun}, &p)
}

// Shutdown is POST /v1/shutdown: supd begins its shutdown.
func (c *Client) Shutdown(ctx context.Context) (api.Accepted, error) {
	var a api.Accepted
	return a, c.do(ctx, http.MethodPost, "/v1/shutdown", nil, &a)
}

// ReopenLogs is POST /v1/logs/reopen.
func (c *Client) ReopenLogs(ctx context.Context) (api.Reopened, error) {
	var r api.Reopened
	return r, c.do(ctx, http.MethodPost, "/v1/logs/reopen", nil, &r)
}

// Version is GET /v1/version.
func (c *Client) Version(ctx context.Context) (api.Version, error) {
	var v api.Version
	return v, c.do(ctx, http.MethodGet, "/v1/version", nil, &v)
}

// Metrics is GET /metrics, in Prometheus text format.
func (c *Client) Metrics(ctx context.Context) (string, error) {
	resp, err := c.send(ctx, http.MethodGet, "/metrics", nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("GET /metrics: %w", err)
	}
	return string(b), nil
}

// nodeURL escapes each segment of path and appends the action, if any.
func nodeURL(path, action string) string {
	var b strings.Builder
	b.WriteString("/v1/nodes/")
	for i, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(url.PathEscape(seg))
	}
	if action != "" {
		if !strings.HasSuffix(b.String(), "/") {
			b.WriteByte('/')
		}
		b.WriteString(action)
	}
	return b.String()
}

func logsURL(path string, n int, follow bool) string {
	q := url.Values{}
	if p := strings.Trim(path, "/"); p != "" {
		q.Set("path", p)
	}
	q.Set("n", strconv.Itoa(n))
	if follow {
		q.Set("follow", "1")
	}
	return "/v1/logs?" + q.Encode()
}

// do sends body as JSON (nil: none) and decodes a successful response into
// out.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decoding response: %w", method, path, err)
	}
	return nil
}

// send performs the request and turns a failure status into an
// *api.StatusError and a failure to connect into an *UnreachableError.
func (c *Client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encoding request: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://supd"+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var unreachable *UnreachableError
		if errors.As(err, &unreachable) {
			return nil, unreachable
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, statusError(resp)
	}
	return resp, nil
}

func statusError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e api.Error
	if json.Unmarshal(b, &e) != nil || e.Error == "" {
		e.Error = strings.TrimSpace(string(b))
	}
	return &api.StatusError{Status: resp.StatusCode, Message: e.Error}
}
