package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"supd/control/api"
)

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// decodeBody decodes a JSON body into v strictly: unknown fields, wrong
// types, malformed JSON and trailing data are ErrInvalid errors that say
// which. An empty body leaves v as it is.
func decodeBody(body io.Reader, v any) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("reading request body: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decoding request body: %s: %w", describeJSONError(err), api.ErrInvalid)
	}
	if dec.Decode(new(json.RawMessage)) != io.EOF {
		return fmt.Errorf("decoding request body: data after the JSON object: %w", api.ErrInvalid)
	}
	return nil
}

func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("want %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return fmt.Sprintf("field %q: want %s, got %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	// encoding/json reports an unknown field as `json: unknown field "x"`,
	// and errors of UnmarshalJSON methods as `json: ...` plus the field.
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	}
	return "a number"
}

// cleanPath turns the {path...} of a URL (slashes raw or as %2F) into a
// node path: no leading or trailing slash, "" for the root.
func cleanPath(p string) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("invalid node path %q: %w", p, api.ErrInvalid)
		}
	}
	return p, nil
}

// query reads the query parameters of a request, refusing unknown ones.
type query struct {
	v   url.Values
	err error
}

func newQuery(u *url.URL, known ...string) *query {
	q := &query{v: u.Query()}
	for k := range q.v {
		if !slices.Contains(known, k) {
			q.err = fmt.Errorf("unknown query parameter %q (known: %s): %w", k, strings.Join(known, ", "), api.ErrInvalid)
		}
	}
	return q
}

func (q *query) int(name string, def, limit int) int {
	s := q.v.Get(name)
	if s == "" || q.err != nil {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		q.err = fmt.Errorf("query parameter %q: want a count of 0 or more, got %q: %w", name, s, api.ErrInvalid)
		return def
	}
	return min(n, limit)
}

func (q *query) bool(name string) bool {
	s := q.v.Get(name)
	if q.err != nil {
		return false
	}
	switch strings.ToLower(s) {
	case "", "0", "false", "no":
		return false
	case "1", "true", "yes":
		return true
	}
	q.err = fmt.Errorf("query parameter %q: want 1 or 0, got %q: %w", name, s, api.ErrInvalid)
	return false
}

func (q *query) path(name string) string {
	if q.err != nil {
		return ""
	}
	p, err := cleanPath(q.v.Get(name))
	if err != nil {
		q.err = err
	}
	return p
}
