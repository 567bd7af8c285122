package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"supd/config"
)

// TestCommittedDocsCurrent fails when docs/ differs from what the config
// tables generate: run `make docs` and commit the result.
func TestCommittedDocsCurrent(t *testing.T) {
	for name, want := range pages() {
		got, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", name))
		if err != nil {
			t.Fatalf("%v (run make docs)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("docs/%s is stale: run make docs and commit it", name)
		}
	}
}

// TestReferenceComplete checks that every section has fields with a type
// and a meaning, and that the pages show every one of them.
func TestReferenceComplete(t *testing.T) {
	ref := config.Reference()
	md, roff := string(markdown(ref)), string(man(ref))
	for _, s := range ref {
		if len(s.Intro) == 0 {
			t.Errorf("section %s has no intro", s.Name)
		}
		if !strings.Contains(md, "## "+s.Name+"\n") || !strings.Contains(roff, ".SH \""+strings.ToUpper(s.Name)+"\"\n") {
			t.Errorf("section %s missing from a page", s.Name)
		}
		for _, f := range s.Fields {
			if f.Name == "" || f.Type == "" || f.Meaning == "" {
				t.Errorf("%s: field %+v lacks a name, type or meaning", s.Name, f)
			}
			if !strings.Contains(md, "`"+strings.Split(f.Name, ", ")[0]+"`") {
				t.Errorf("%s.%s missing from config.md", s.Name, f.Name)
			}
		}
	}
}

// TestManPageFormats runs the man page through groff, where it is
// installed, and fails on any warning.
func TestManPageFormats(t *testing.T) {
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff is not installed")
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = bytes.NewReader(man(config.Reference()))
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("groff: %v\n%s", err, out)
	}
}

func TestRoffEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a `code-x` b", `a \fBcode\-x\fR b`},
		{`back\slash`, `back\eslash`},
		{".starts with a dot", `\&.starts with a dot`},
		{"'quote", `\&'quote`},
		{"0 … N-1, ±x", `0 \[u2026] N\-1, \[u00B1]x`},
	}
	for _, tt := range tests {
		if got := roff(tt.in); got != tt.want {
			t.Errorf("roff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
