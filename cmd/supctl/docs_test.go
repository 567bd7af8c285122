package main

import (
	"flag"
	"io"
	"testing"

	"supd/internal/docgen"
)

var update = flag.Bool("update", false, "rewrite supctl's man pages and completions under docs/ (make docs)")

// docs/ holds supctl(1) and its completions as the command tree makes them.
func TestDocs(t *testing.T) {
	files, err := docgen.Generate(NewCommand(newApp(io.Discard, io.Discard)), "1")
	if err != nil {
		t.Fatal(err)
	}
	stale, err := docgen.Sync("../../docs", "supctl", "1", files, *update)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 && !*update {
		t.Errorf("docs/ is behind supctl's command tree: %v; run make docs", stale)
	}
}
