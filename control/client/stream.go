package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Stream reads a newline-delimited JSON response one value at a time.
type Stream[T any] struct {
	body io.ReadCloser
	dec  *json.Decoder
	ctx  context.Context
}

func openStream[T any](ctx context.Context, c *Client, path string) (*Stream[T], error) {
	resp, err := c.send(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	return &Stream[T]{body: resp.Body, dec: json.NewDecoder(resp.Body), ctx: ctx}, nil
}

// Next returns the next value; io.EOF when the server ended the stream
// cleanly, the context's error when it ended.
func (s *Stream[T]) Next() (T, error) {
	var v T
	err := s.dec.Decode(&v)
	switch {
	case err == nil:
		return v, nil
	case s.ctx.Err() != nil:
		return v, s.ctx.Err()
	case errors.Is(err, io.EOF):
		return v, io.EOF
	}
	return v, fmt.Errorf("reading stream: %w", err)
}

// Close ends the stream.
func (s *Stream[T]) Close() error { return s.body.Close() }

func (s *Stream[T]) all() ([]T, error) {
	defer s.Close()
	var out []T
	for {
		v, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}
