package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestHTTPStatusRoundTrip(t *testing.T) {
	tests := []struct {
		err    error
		status int
	}{
		{nil, 200},
		{fmt.Errorf("stopping %q: %w", "a", ErrNotFound), http.StatusNotFound},
		{fmt.Errorf("signal: %w", ErrInvalid), http.StatusBadRequest},
		{ErrForbidden, http.StatusForbidden},
		{fmt.Errorf("x: %w", ErrConflict), http.StatusConflict},
		{ErrUnsupported, http.StatusNotImplemented},
		{ErrUnavailable, http.StatusServiceUnavailable},
		{ErrTooLarge, http.StatusRequestEntityTooLarge},
		{errors.New("disk on fire"), http.StatusInternalServerError},
		{context.DeadlineExceeded, http.StatusGatewayTimeout},
	}
	for _, tt := range tests {
		got := HTTPStatus(tt.err)
		if got != tt.status {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tt.err, got, tt.status)
		}
		if tt.err == nil || tt.status == http.StatusGatewayTimeout {
			continue
		}
		// The client's StatusError must wrap the same sentinel again.
		se := &StatusError{Status: got, Message: "m"}
		want := Sentinel(got)
		if !errors.Is(se, want) {
			t.Errorf("StatusError{%d} does not wrap %v", got, want)
		}
		if tt.status != 500 && !errors.Is(tt.err, want) {
			t.Errorf("Sentinel(%d) = %v, but the error was %v", got, want, tt.err)
		}
	}
	if Sentinel(204) != nil || Sentinel(418) != ErrInvalid || Sentinel(502) != ErrInternal {
		t.Error("Sentinel fallbacks wrong")
	}
	if (&StatusError{Status: 404}).Error() != "Not Found" {
		t.Error("StatusError without message should use the status text")
	}
}
