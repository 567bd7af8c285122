package main

import (
	"errors"
	"strings"
	"testing"

	"supd/control/client"
)

func TestSocketOwner(t *testing.T) {
	f := startFakeSupd(t)
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--socket-owner", "0", "version"}, exitUsage, "--socket-owner needs --socket"},
		{[]string{"--socket", f.sock, "--socket-owner", "no-such-user-here", "version"}, exitUsage, `--socket-owner "no-such-user-here"`},
		{[]string{"--socket", f.sock, "--socket-owner", "root", "version"}, exitOK, ""},
		{[]string{"--socket", f.sock, "--socket-owner", "4242", "version"}, exitOK, ""},
	}
	for _, tt := range tests {
		_, stderr, code := supctl(f.sock, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("supctl %q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.stderr)
		}
	}
}

// A socket served by a user supctl does not trust: exit 3, saying who
// serves it and how to trust them.
func TestUntrustedSocketMessage(t *testing.T) {
	err := failed(&client.UnreachableError{Socket: "/tmp/supd-1000/supd.sock", Cause: &client.UntrustedError{UID: 4242}})
	var re *runError
	if !errors.As(err, &re) || re.code != exitUnreachable {
		t.Fatalf("got %v, want exit 3", err)
	}
	want := "cannot reach supd at /tmp/supd-1000/supd.sock: the socket is served by uid 4242"
	hint := "--socket /tmp/supd-1000/supd.sock --socket-owner 4242"
	if msg := err.Error(); !strings.Contains(msg, want) || !strings.Contains(msg, hint) {
		t.Errorf("message %q, want %q and %q", msg, want, hint)
	}
}
