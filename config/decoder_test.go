package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestAliasBomb checks that aliases describing an exponential tree are cut
// off by the node budget rather than expanded. Merge keys give each copy its
// own name, so that no other error stops the walk first.
func TestAliasBomb(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("version: 1\nroot:\n  children:\n    - &a0 {name: w, command: [x]}\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "    - &a%d {name: s%d, children: [{<<: *a%d, name: c1}, {<<: *a%d, name: c2}, {<<: *a%d, name: c3}, {<<: *a%d, name: c4}]}\n",
			i, i, i-1, i-1, i-1, i-1)
	}
	_, _, err := parseString(t, b.String(), "")
	if err == nil || !strings.Contains(err.Error(), "config too large") {
		t.Fatalf("err = %.2000v", err)
	}
}

func TestAliasCycle(t *testing.T) {
	for _, yaml := range []string{
		"version: 1\nroot: &r {children: [{name: s, children: [*r]}]}\n",
		"version: 1\nroot: &r {<<: *r, children: []}\n",
	} {
		_, _, err := parseString(t, yaml, "")
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v", yaml, err)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"command", "children", "restart", "ready", "dir", "env"}
	tests := []struct{ in, want string }{
		{"comand", "command"},
		{"Command", "command"},
		{"chilren", "children"},
		{"redy", "ready"},
		{"di", "dir"},
		{"dri", ""}, // short names need a closer match
		{"xyz", ""},
		{"environment", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMergeKeys(t *testing.T) {
	c := mustParse(t, `version: 1
root:
  children:
    - &a {name: a, command: [x], stop_timeout: 3s, env: {A: "1"}}
    - {<<: *a, name: b}
    - {<<: [*a], name: c, stop_timeout: 4s}
`)
	for i, want := range []string{"3s", "3s", "4s"} {
		w := c.Root.Children[i].Worker
		if w.StopTimeout.String() != want || w.Env["A"] != "1" {
			t.Errorf("child %d: stop_timeout %v env %v", i, w.StopTimeout, w.Env)
		}
	}
}
