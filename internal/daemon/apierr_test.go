package daemon

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"supd/control/api"
	"supd/tree"
)

func TestAPIErrKeepsTheMessageAndAddsTheStatus(t *testing.T) {
	other := errors.New("boom")
	tests := []struct {
		err      error
		msg      string
		sentinel error
		status   int
	}{
		{fmt.Errorf("%q: %w", "web/x", tree.ErrNotFound), `"web/x": no such node`, api.ErrNotFound, http.StatusNotFound},
		{fmt.Errorf("start %q: supervisor %q is stopped: %w", "web/api", "web", tree.ErrConflict),
			`start "web/api": supervisor "web" is stopped: conflict`, api.ErrConflict, http.StatusConflict},
		{fmt.Errorf("the root: %w: use shutdown or reload", tree.ErrInvalid),
			"the root: invalid request: use shutdown or reload", api.ErrInvalid, http.StatusBadRequest},
		{other, "boom", other, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			got := apiErr(tt.err)
			if got.Error() != tt.msg {
				t.Errorf("message %q, want %q", got.Error(), tt.msg)
			}
			if !errors.Is(got, tt.sentinel) || !errors.Is(got, tt.err) {
				t.Errorf("%v: does not wrap %v and the tree's error", got, tt.sentinel)
			}
			if s := api.HTTPStatus(got); s != tt.status {
				t.Errorf("status %d, want %d", s, tt.status)
			}
		})
	}
	if apiErr(nil) != nil {
		t.Error("apiErr(nil) is not nil")
	}
}
