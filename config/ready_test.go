package config

import (
	"reflect"
	"testing"
	"time"
)

func TestValidHostPort(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"localhost:5432", true},
		{"127.0.0.1:80", true},
		{"[::1]:80", true},
		{":8080", true},
		{"localhost", false},
		{"localhost:0", false},
		{"localhost:65536", false},
		{"localhost:http", false},
		{"::1:80", false},
	}
	for _, tt := range tests {
		if got := validHostPort(tt.in); got != tt.ok {
			t.Errorf("validHostPort(%q) = %v", tt.in, got)
		}
	}
}

func TestReadyKinds(t *testing.T) {
	c := mustParse(t, `version: 1
root:
  children:
    - {name: started, command: [x], ready: {started: true}}
    - {name: after, command: [x], ready: {after: 2s}}
    - {name: notify, command: [x], ready: {notify: true}}
    - {name: fd, command: [x], ready: {fd: 3}}
    - {name: http, command: [x], ready: {http: "https://h:8443/ready", interval: 250ms}}
    - {name: tcp, command: [x], ready: {tcp: "h:1", timeout: 3s}}
    - {name: exec, command: [x], ready: {exec: [check, --ready]}}
`)
	want := []Ready{
		{Kind: ReadyStarted},
		{Kind: ReadyAfter, After: 2 * time.Second},
		{Kind: ReadyNotify},
		{Kind: ReadyFD, FD: 3},
		{Kind: ReadyProbe, Probe: &Probe{HTTP: "https://h:8443/ready", Interval: 250 * time.Millisecond, Timeout: time.Second}},
		{Kind: ReadyProbe, Probe: &Probe{TCP: "h:1", Interval: time.Second, Timeout: 3 * time.Second}},
		{Kind: ReadyProbe, Probe: &Probe{Exec: []string{"check", "--ready"}, Interval: time.Second, Timeout: time.Second}},
	}
	for i, w := range want {
		if got := c.Root.Children[i].Worker.Ready; !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %+v, want %+v", c.Root.Children[i].Name(), got, w)
		}
	}
}

func TestHealth(t *testing.T) {
	c := mustParse(t, `version: 1
root:
  children:
    - name: a
      command: [x]
      health: {http: "http://localhost/health", interval: 5s, timeout: 1s, failures: 5, grace: 30s}
`)
	want := &Health{Probe: Probe{HTTP: "http://localhost/health", Interval: 5 * time.Second, Timeout: time.Second}, Failures: 5, Grace: 30 * time.Second}
	if got := c.Root.Children[0].Worker.Health; !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
