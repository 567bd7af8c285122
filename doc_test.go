package supd_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docPending lists packages whose package comment is not in a doc.go yet,
// with where it is. This test fails for an entry that is no longer true.
var docPending = map[string]string{}

// TestEveryPackageHasDocGo checks DESIGN.md §4: each package says in its
// doc.go what it owns (and which goroutines it runs), and only there.
func TestEveryPackageHasDocGo(t *testing.T) {
	for _, p := range listPackages(t, "./...") {
		if p.Name == "" {
			// A package with test files only: the name is its tests'.
			p.Name = strings.TrimSuffix(filepath.Base(p.ImportPath), "_test")
		}
		doc := filepath.Join(p.Dir, "doc.go")
		_, err := os.Stat(doc)
		if where, pending := docPending[p.ImportPath]; pending {
			if err == nil {
				t.Errorf("%s has a doc.go now: remove it from docPending", p.ImportPath)
			}
			t.Logf("%s: package comment still in %s", p.ImportPath, where)
			continue
		}
		if err != nil {
			t.Errorf("%s has no doc.go", p.ImportPath)
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), doc, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		want := "Package " + f.Name.Name + " "
		if f.Name.Name == "main" {
			want = "Command " + filepath.Base(p.ImportPath) + " "
		}
		if f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), want) {
			t.Errorf("%s: the package comment must begin %q", doc, want)
		}
		others, _ := filepath.Glob(filepath.Join(p.Dir, "*.go"))
		for _, o := range others {
			if o == doc {
				continue
			}
			g, err := parser.ParseFile(token.NewFileSet(), o, nil, parser.ParseComments|parser.PackageClauseOnly)
			if err == nil && g.Doc != nil {
				t.Errorf("%s has a package comment besides doc.go's", o)
			}
		}
	}
}
