package supd_test

import (
	"encoding/json"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// allowed is DESIGN.md §3: for each of supd's packages, the supd packages
// its code may import. Imports point one way, from the commands down to
// config and osproc; what a package may depend on through them follows
// from their own lines.
//
// Every package has a line of its own, a subpackage too: tree's line says
// nothing about tree/treetest. A new package (config/importer,
// internal/tui, ...) fails this test until it gets one line here: its path
// and what it may import, e.g.
//
//	"supd/config/importer": {"supd/config"},
var allowed = map[string][]string{
	"supd/config":           {},
	"supd/config/importer":  {"supd/config"},
	"supd/osproc":           {},
	"supd/tree":             {"supd/config", "supd/osproc"},
	"supd/tree/treetest":    {"supd/tree", "supd/config", "supd/osproc"},
	"supd/internal/safefs":  {},
	"supd/internal/escape":  {},
	"supd/internal/logcap":  {"supd/config", "supd/internal/safefs", "supd/internal/escape"},
	"supd/internal/ratelog": {},
	"supd/internal/notify":  {"supd/osproc", "supd/internal/ratelog"},
	"supd/internal/health":  {"supd/config", "supd/osproc"},
	"supd/internal/launch":  {"supd/tree", "supd/config", "supd/osproc", "supd/internal/logcap", "supd/internal/notify", "supd/internal/health"},
	"supd/control/api":      {},
	"supd/control":          {"supd/control/api", "supd/internal/safefs", "supd/internal/ratelog"},
	"supd/control/client":   {"supd/control/api"},
	"supd/internal/version": {},
	"supd/internal/daemon": {"supd/internal/launch", "supd/internal/logcap", "supd/internal/notify", "supd/tree", "supd/config", "supd/osproc",
		"supd/control", "supd/control/api", "supd/internal/version", "supd/internal/safefs"},
	"supd/cmd/supd": {"supd/internal/daemon", "supd/internal/version", "supd/config/importer"},

	// Docs made from the code.
	"supd/internal/docgen":        {},
	"supd/config/internal/gendoc": {"supd/config"},
	"supd/internal/tui":           {"supd/control/api", "supd/internal/escape"},
	"supd/cmd/supctl":             {"supd/control/api", "supd/control/client", "supd/internal/version", "supd/internal/tui", "supd/internal/escape"},

	// Helpers and test-only packages.
	"supd/internal/testproc":               {"supd/internal/testproc/testprocbuild"},
	"supd/internal/testproc/testprocbuild": {},
	"supd/internal/testuser":               {},
	"supd/bench/floor":                     {},
	"supd/bench/lines":                     {},
	"supd/bench":                           {},
	"supd/e2e":                             {},
	"supd/examples":                        {},
	"supd/packaging":                       {},
	"supd":                                 {},
}

// testHelpers may be imported by any package's tests, besides what the
// package itself may import.
var testHelpers = []string{"supd/internal/testproc/testprocbuild", "supd/internal/testuser"}

// testAllowed are further imports of some packages' tests.
var testAllowed = map[string][]string{
	"supd/tree":       {"supd/tree/treetest"},
	"supd/bench":      {"supd/control/api", "supd/control/client"},
	"supd/cmd/supd":   {"supd/internal/docgen"},
	"supd/cmd/supctl": {"supd/internal/docgen"},
	"supd/examples":   {"supd/config"},
	"supd/e2e":        {"supd/control/api", "supd/control/client"},
}

// forbidden are standard packages that nothing linked into supd may use.
var forbidden = map[string]string{
	// osproc's reaper is the one waiter for children (DESIGN.md §1):
	// os/exec's Wait beside it loses exit statuses.
	"os/exec": "start processes with osproc.Start",
}

// pkg is what `go list -json` says of one package.
type pkg struct {
	ImportPath   string
	Dir          string
	Name         string
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
	Module       *struct{ Main bool }
}

func listPackages(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,Dir,Name,Imports,Deps,TestImports,XTestImports,Module"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func ours(path string) bool { return path == "supd" || strings.HasPrefix(path, "supd/") }

// closure is every supd package that p may depend on, directly or through
// the packages it may import.
func closure(p string) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, q := range allowed[p] {
			if !seen[q] {
				seen[q] = true
				walk(q)
			}
		}
	}
	walk(p)
	return seen
}

func TestImportsPointOneWay(t *testing.T) {
	for p, imps := range allowed {
		for _, q := range imps {
			if _, ok := allowed[q]; !ok {
				t.Errorf("the table lets %s import %s, which has no line of its own", p, q)
			}
		}
	}
	pkgs := listPackages(t, "./...")
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.ImportPath] = true
		ok, known := allowed[p.ImportPath]
		if !known {
			t.Errorf("%s is not in deps_test.go's table: add its line (DESIGN.md §3)", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if ours(imp) && !slices.Contains(ok, imp) {
				t.Errorf("%s imports %s, which DESIGN.md §3 does not allow", p.ImportPath, imp)
			}
		}
		// What the table's lines allow together, checked on the real
		// dependency graph: a package reached through a third one is a
		// dependency all the same.
		deps := closure(p.ImportPath)
		for _, d := range p.Deps {
			if ours(d) && !deps[d] && !slices.Contains(p.Imports, d) {
				t.Errorf("%s depends on %s (through %s), which DESIGN.md §3 does not allow", p.ImportPath, d, via(pkgs, p, d))
			}
		}
		testOK := slices.Concat(ok, testHelpers, testAllowed[p.ImportPath], []string{p.ImportPath})
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			if ours(imp) && !slices.Contains(testOK, imp) {
				t.Errorf("the tests of %s import %s, which DESIGN.md §3 does not allow", p.ImportPath, imp)
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(allowed)) {
		if !seen[p] {
			t.Errorf("deps_test.go's table lists %s, which does not exist", p)
		}
	}
}

// via names the direct import of p through which it depends on d.
func via(pkgs []pkg, p pkg, d string) string {
	deps := map[string][]string{}
	for _, q := range pkgs {
		deps[q.ImportPath] = q.Deps
	}
	for _, imp := range p.Imports {
		if imp == d || slices.Contains(deps[imp], d) {
			return imp
		}
	}
	return "?"
}

func TestSupdUsesNoForbiddenPackage(t *testing.T) {
	for _, p := range listPackages(t, "-deps", "./cmd/supd") {
		if p.Module == nil || !p.Module.Main {
			continue
		}
		for _, imp := range p.Imports {
			if why, bad := forbidden[imp]; bad {
				t.Errorf("%s imports %s, which supd must not link: %s", p.ImportPath, imp, why)
			}
		}
	}
}

// The table's own checks must be able to fail.
func TestClosure(t *testing.T) {
	got := slices.Sorted(maps.Keys(closure("supd/internal/launch")))
	want := []string{"supd/config", "supd/internal/escape", "supd/internal/health", "supd/internal/logcap", "supd/internal/notify", "supd/internal/ratelog", "supd/internal/safefs", "supd/osproc", "supd/tree"}
	if !slices.Equal(got, want) {
		t.Errorf("closure(launch) = %v, want %v", got, want)
	}
	if c := closure("supd/cmd/supctl"); c["supd/tree"] || c["supd/osproc"] {
		t.Errorf("supctl may reach %v", c)
	}
}
