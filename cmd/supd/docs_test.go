package main

import (
	"flag"
	"testing"

	"supd/internal/docgen"
)

var update = flag.Bool("update", false, "rewrite supd's man pages and completions under docs/ (make docs)")

// docs/ holds supd(8) and its completions as the command tree makes them.
func TestDocs(t *testing.T) {
	files, err := docgen.Generate(Command(), "8")
	if err != nil {
		t.Fatal(err)
	}
	stale, err := docgen.Sync("../../docs", "supd", "8", files, *update)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 && !*update {
		t.Errorf("docs/ is behind supd's command tree: %v; run make docs", stale)
	}
}
