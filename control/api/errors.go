package api

import (
	"context"
	"errors"
	"net/http"
)

// Error is the body of every failed request.
type Error struct {
	Error string `json:"error"`
}

// Sentinel errors classify why a request failed. The daemon wraps them
// (fmt.Errorf("stopping %q: %w", path, ErrNotFound)); the server maps them
// to a status with HTTPStatus; the client maps the status back with
// StatusError, so errors.Is works on both sides of the socket.
var (
	ErrNotFound    = errors.New("not found")         // 404: no such node
	ErrInvalid     = errors.New("invalid request")   // 400: a bad signal, duration, config
	ErrForbidden   = errors.New("forbidden")         // 403: the peer may not use the socket
	ErrConflict    = errors.New("conflict")          // 409: not possible in the node's state
	ErrUnsupported = errors.New("unsupported")       // 501: not available on this host or build
	ErrUnavailable = errors.New("unavailable")       // 503: supd is shutting down
	ErrTooLarge    = errors.New("request too large") // 413: body over the limit
	ErrInternal    = errors.New("internal error")    // 500: anything else
)

// HTTPStatus is the status code for err, decided by the sentinel it wraps
// (checked in the order below); an error that wraps none is a 500.
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrUnsupported):
		return http.StatusNotImplemented
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}

// Sentinel is the sentinel error for an HTTP status, the inverse of
// HTTPStatus; nil for a status below 400.
func Sentinel(status int) error {
	switch {
	case status < 400:
		return nil
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusNotImplemented:
		return ErrUnsupported
	case status == http.StatusServiceUnavailable:
		return ErrUnavailable
	case status == http.StatusRequestEntityTooLarge:
		return ErrTooLarge
	case status < 500:
		return ErrInvalid
	default:
		return ErrInternal
	}
}

// StatusError is a failed response as the client sees it: the status and
// the server's message. It wraps the status's sentinel.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return http.StatusText(e.Status)
	}
	return e.Message
}

// Unwrap returns the sentinel of the status.
func (e *StatusError) Unwrap() error { return Sentinel(e.Status) }
