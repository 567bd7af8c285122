package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzLoad feeds the decoder arbitrary files: it must never panic, an
// invalid file must come back as an ErrorList whose every error has a
// position, and a valid one as a config whose warnings have positions too.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "supd.yaml" {
				f.Add(af.Data)
			}
		}
	}
	f.Add([]byte(treeYAML))
	env := func(name string) (string, bool) {
		if strings.HasPrefix(name, "S") {
			return "1s", true
		}
		return "", false
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, warnings, err := parse("supd.yaml", data, env, fakeAccounts{})
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || !errors.Is(err, ErrInvalid) || len(list) == 0 {
				t.Fatalf("error %v (%T) is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.File != "supd.yaml" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Fatalf("error without a position or message: %#v", e)
				}
			}
			if c != nil || warnings != nil {
				t.Fatal("an invalid config came with a config or warnings")
			}
			return
		}
		if c == nil || c.Root == nil {
			t.Fatal("a valid config without a root")
		}
		for _, w := range warnings {
			if w.File != "supd.yaml" || w.Line < 1 || w.Col < 1 || w.Path == "" {
				t.Fatalf("warning without a position: %#v", w)
			}
		}
		seen := map[string]bool{}
		for path, n := range c.All() {
			if seen[path] || !validName(n.Name()) {
				t.Fatalf("path %q repeated or with a bad name", path)
			}
			seen[path] = true
			if (n.Worker == nil) == (n.Supervisor == nil) {
				t.Fatalf("node %q is neither or both", path)
			}
			if n.Worker != nil && len(n.Worker.Command.Argv) == 0 {
				t.Fatalf("worker %q without argv", path)
			}
		}
	})
}
