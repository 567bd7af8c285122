package health

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

const (
	// drainMax bounds what is read of a response body so that its
	// connection can be reused; a longer body costs a new connection.
	drainMax = 16 << 10
	// snippetMax is how much of a failed response's body its detail shows.
	snippetMax = 200
)

// transport is shared by every HTTP probe, so that each worker's endpoint
// keeps one connection alive between probes: a probe then costs one
// request on an open connection, not a TCP (and TLS) handshake.
var transport = &http.Transport{
	// Probes go straight to the worker, never through $HTTP_PROXY.
	Proxy:       nil,
	DialContext: (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
	// No limit across hosts: 500 workers need 500 idle connections. The
	// default limit of 100 would close and redial most of them each round.
	MaxIdleConns:        0,
	MaxIdleConnsPerHost: 2,
	// Longer than the default interval (10s), so connections survive
	// between probes.
	IdleConnTimeout:    90 * time.Second,
	DisableCompression: true,
	// As Kubernetes' HTTPS probes: the certificate is not verified. A
	// probe asks whether the worker answers, usually on a local address
	// its certificate does not name.
	TLSClientConfig:        &tls.Config{InsecureSkipVerify: true},
	MaxResponseHeaderBytes: 64 << 10,
}

var client = &http.Client{
	Transport: transport,
	// A redirect is an answer: 3xx succeeds and is not followed.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// HTTP probes a URL with GET: a 2xx or 3xx response succeeds.
type HTTP struct {
	url string
	req *http.Request // prepared once; each probe sends a copy with its context
}

// NewHTTP checks the URL and prepares the request.
func NewHTTP(url string) (*HTTP, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("http probe: %w", err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("http probe %q: scheme must be http or https", url)
	}
	req.Header.Set("User-Agent", "supd-probe")
	return &HTTP{url: url, req: req}, nil
}

// Probe sends one GET.
func (h *HTTP) Probe(ctx context.Context) Result {
	what := "GET " + h.url
	resp, err := client.Do(h.req.WithContext(ctx))
	if err != nil {
		return failure(ctx, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 400 {
		io.CopyN(io.Discard, resp.Body, drainMax)
		return Result{OK: true, Detail: resp.Status}
	}
	var b strings.Builder
	io.CopyN(&b, resp.Body, snippetMax)
	io.CopyN(io.Discard, resp.Body, drainMax)
	detail := what + ": " + resp.Status
	if s := strings.Join(strings.Fields(b.String()), " "); s != "" {
		detail += ": " + s
	}
	return Result{Detail: detail}
}
