package control

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"supd/control/api"
)

func TestBodyTooLarge(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Options{MaxBodyBytes: 1024})
	big := `{"for":"` + strings.Repeat("1", 2000) + `s"}`
	status, body := ts.call(t, "POST", "/v1/nodes/db/stop", big)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"error":"request body is larger than 1024 bytes"`) {
		t.Errorf("got %d %s", status, body)
	}
	// Exactly at the limit is fine (and then a bad duration).
	atLimit := `{"for":"` + strings.Repeat("1", 1024-11) + `s"}`
	if status, body := ts.call(t, "POST", "/v1/nodes/db/stop", atLimit); status != http.StatusBadRequest {
		t.Errorf("at the limit: got %d %s", status, body)
	}
}

func TestHeaderTooLarge(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Options{MaxHeaderBytes: 1024})
	req, _ := http.NewRequest("GET", "http://supd/v1/tree", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 8<<10))
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("got %d", resp.StatusCode)
	}
}

// waitClosed reads from c until the server closes it, and fails if that
// takes longer than within.
func waitClosed(t *testing.T, c net.Conn, within time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", within)
	}
}

func TestSilentClientIsCutOff(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Options{ReadTimeout: 200 * time.Millisecond})
	tests := []struct {
		name string
		send string
	}{
		{"sends nothing", ""},
		{"sends half a header", "GET /v1/tree HTTP/1.1\r\nHost: supd\r\n"},
		{"sends half a body", "POST /v1/reload HTTP/1.1\r\nHost: supd\r\nContent-Length: 100\r\n\r\n{"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("unix", ts.sock)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, tt.send)
			start := time.Now()
			waitClosed(t, c, 5*time.Second)
			if d := time.Since(start); d < 100*time.Millisecond {
				t.Errorf("cut off after %v, before the timeout", d)
			}
		})
	}
	// An idle kept-alive connection is closed too.
	ts2 := startServer(t, newFakeBackend(), Options{IdleTimeout: 200 * time.Millisecond})
	c, err := net.Dial("unix", ts2.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /v1/version HTTP/1.1\r\nHost: supd\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("got %v %v", resp, err)
	}
	waitClosed(t, c, 5*time.Second)
}

// A follower that never reads blocks neither the backend nor other clients,
// and is cut off: by the backend when its buffer fills, else by the write
// deadline once the socket's buffers are full.
func TestStalledFollowerBlocksNothing(t *testing.T) {
	tests := []struct {
		name   string
		buffer int
	}{
		{"backend drops it", 16},
		{"write deadline cuts it", 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := newFakeBackend()
			fb.bus = NewBus(0, tt.buffer)
			ts := startServer(t, fb, Options{WriteTimeout: 300 * time.Millisecond})
			c, err := net.Dial("unix", ts.sock)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, "GET /v1/events?follow=1 HTTP/1.1\r\nHost: supd\r\n\r\n")
			// Read the header only, so that the stream is surely running.
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 200 {
				t.Fatalf("got %v %v", resp, err)
			}
			// 8 MB: far more than the socket buffers hold.
			msg := strings.Repeat("x", 4096)
			published := make(chan struct{})
			go func() {
				defer close(published)
				for range 2000 {
					fb.bus.Publish(api.Event{Kind: api.EventState, Message: msg})
				}
			}()
			for i := range 20 {
				if status, _ := ts.call(t, "GET", "/v1/tree", ""); status != 200 {
					t.Fatalf("request %d: status %d", i, status)
				}
			}
			select {
			case <-published:
			case <-time.After(10 * time.Second):
				t.Fatal("Publish blocked on a stalled follower")
			}
			select {
			case <-fb.followStopped:
			case <-time.After(10 * time.Second):
				t.Fatal("the stalled follower was never cut off")
			}
		})
	}
}

func TestManyConcurrentClients(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Options{})
	const clients = 300
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each on its own connection, all open at once.
			c, err := net.Dial("unix", ts.sock)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(15 * time.Second))
			<-start
			url := "/v1/tree"
			if i%3 == 1 {
				url = "/v1/nodes/web%2Fapi"
			}
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: supd\r\nConnection: close\r\n\r\n", url)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				errs <- err
				return
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), `"web/api"`) {
				errs <- fmt.Errorf("client %d: %d %v %.80s", i, resp.StatusCode, err, body)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Beyond MaxConns, connections wait instead of being served at once.
func TestConnectionLimit(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Options{MaxConns: 2, ReadTimeout: 5 * time.Second})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("unix", ts.sock)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// One request each, so that the server has surely accepted them.
		io.WriteString(c, "GET /v1/version HTTP/1.1\r\nHost: supd\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 200 {
			t.Fatalf("got %v %v", resp, err)
		}
		held = append(held, c)
	}
	third, err := net.Dial("unix", ts.sock) // queued in the backlog
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	io.WriteString(third, "GET /v1/version HTTP/1.1\r\nHost: supd\r\n\r\n")
	third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	br := bufio.NewReader(third)
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("a third connection was served beyond MaxConns 2")
	}
	held[0].Close()
	third.SetReadDeadline(time.Now().Add(10 * time.Second))
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after a slot freed: %v %v", resp, err)
	}
}

// Streams leave the connection cap for a cap of their own: followers that
// outnumber MaxConns keep no request waiting, and beyond MaxStreams a
// follow request is refused at once.
func TestStreamsDoNotHoldConnections(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Options{MaxConns: 2, MaxStreams: 3, ReadTimeout: 5 * time.Second})
	follow := func() (net.Conn, *http.Response) {
		t.Helper()
		c, err := net.Dial("unix", ts.sock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /v1/events?follow=1 HTTP/1.1\r\nHost: supd\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("a follower got no answer: %v", err)
		}
		return c, resp
	}
	var streams []net.Conn
	for i := range 3 {
		c, resp := follow()
		if resp.StatusCode != http.StatusOK || !resp.Close {
			t.Fatalf("follower %d: %s, Connection: close %v", i+1, resp.Status, resp.Close)
		}
		streams = append(streams, c)
	}
	for i := range 5 {
		if status, body := ts.call(t, "GET", "/v1/tree", ""); status != http.StatusOK {
			t.Fatalf("request %d with 3 followers and MaxConns 2: %d %s", i, status, body)
		}
	}
	c, resp := follow()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "3 streams") {
		t.Fatalf("a fourth follower: %s %s", resp.Status, body)
	}
	c.Close()
	// A stream that ends gives its slot back.
	streams[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, resp := follow()
		if resp.StatusCode == http.StatusOK {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("no stream slot freed: %s", resp.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
