package control

import (
	"errors"
	"strings"
	"testing"

	"supd/control/api"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"/", "", true},
		{"web/api", "web/api", true},
		{"/web/api/", "web/api", true},
		{"web//api", "", false},
		{"web/../db", "", false},
		{"./web", "", false},
		{"a.b/c-d_e", "a.b/c-d_e", true},
	}
	for _, tt := range tests {
		got, err := cleanPath(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("cleanPath(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, api.ErrInvalid) {
			t.Errorf("cleanPath(%q): %v does not wrap ErrInvalid", tt.in, err)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		body string
		want string // "" = no error, else a substring of it
	}{
		{``, ""},
		{`  `, ""},
		{`{}`, ""},
		{`{"signal":"HUP","group":true}`, ""},
		{`{"signal":"HUP","grp":true}`, `unknown field "grp"`},
		{`{"signal":1}`, `field "signal": want a string, got number`},
		{`{"group":"yes"}`, `field "group": want true or false, got string`},
		{`[]`, `want an object, got array`},
		{`{"signal":`, `truncated JSON`},
		{`{"signal":"HUP"}}`, `data after the JSON object`},
		{`{"signal" "HUP"}`, `malformed JSON at byte 11`},
	}
	for _, tt := range tests {
		var req api.SignalRequest
		err := decodeBody(strings.NewReader(tt.body), &req)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.body, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, api.ErrInvalid)):
			t.Errorf("%s: got %v, want %q wrapping ErrInvalid", tt.body, err, tt.want)
		}
	}
}

// FuzzDecodeBody: any body either decodes or is an ErrInvalid, never a
// panic or another kind of error.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"for":"10m"}`, `{"signal":"USR1","group":false}`, `{"dry_run":true}`, `{"for":1e999}`, `{"for":"-1s"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&api.StopRequest{}, &api.SignalRequest{}, &api.ReloadRequest{}} {
			if err := decodeBody(strings.NewReader(string(b)), v); err != nil && !errors.Is(err, api.ErrInvalid) {
				t.Errorf("%q into %T: %v does not wrap ErrInvalid", b, v, err)
			}
		}
	})
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"", "/", "web/api", "a//b", "../x", "%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := cleanPath(p)
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Errorf("cleanPath(%q): %v does not wrap ErrInvalid", p, err)
			}
			return
		}
		if again, err := cleanPath(got); err != nil || again != got {
			t.Errorf("cleanPath(%q) = %q, but cleanPath(%q) = %q, %v", p, got, got, again, err)
		}
		if strings.HasPrefix(got, "/") || strings.HasSuffix(got, "/") || strings.Contains(got, "//") {
			t.Errorf("cleanPath(%q) = %q", p, got)
		}
		for _, seg := range strings.Split(got, "/") {
			if got != "" && (seg == "." || seg == "..") {
				t.Errorf("cleanPath(%q) = %q keeps a dot segment", p, got)
			}
		}
	})
}
