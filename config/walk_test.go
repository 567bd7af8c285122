package config

import (
	"slices"
	"testing"
)

const treeYAML = `version: 1
root:
  children:
    - name: db
      command: [x]
    - name: web
      children:
        - name: api
          command: [x]
        - name: cache
          children:
            - {name: redis, command: [x]}
    - name: job
      command: [x]
`

func TestWalk(t *testing.T) {
	c := mustParse(t, treeYAML)
	var got []string
	c.Walk(func(path string, n Node) {
		kind := "w"
		if n.Supervisor != nil {
			kind = "s"
		}
		got = append(got, kind+":"+path)
	})
	want := []string{"w:db", "s:web", "w:web/api", "s:web/cache", "w:web/cache/redis", "w:job"}
	if !slices.Equal(got, want) {
		t.Errorf("Walk = %v, want %v", got, want)
	}

	var workers []string
	for path, w := range c.Workers() {
		if w.Name != path[len(path)-len(w.Name):] {
			t.Errorf("worker %q at %q", w.Name, path)
		}
		workers = append(workers, path)
	}
	if want := []string{"db", "web/api", "web/cache/redis", "job"}; !slices.Equal(workers, want) {
		t.Errorf("Workers = %v, want %v", workers, want)
	}

	// Stopping early must not panic or go on.
	n := 0
	for range c.All() {
		n++
		if n == 2 {
			break
		}
	}
}

func TestLookup(t *testing.T) {
	c := mustParse(t, treeYAML)
	tests := []struct {
		path  string
		found bool
		name  string
	}{
		{"", true, ""},
		{"db", true, "db"},
		{"web/cache/redis", true, "redis"},
		{"web/cache", true, "cache"},
		{"web/nope", false, ""},
		{"db/x", false, ""},
		{"nope", false, ""},
	}
	for _, tt := range tests {
		n, ok := c.Lookup(tt.path)
		if ok != tt.found || ok && n.Name() != tt.name {
			t.Errorf("Lookup(%q) = %v, %v", tt.path, n, ok)
		}
	}
	if JoinPath("", "a") != "a" || JoinPath("a", "b") != "a/b" || LogName("a/b/c") != "a_b_c" {
		t.Error("JoinPath or LogName")
	}
}
