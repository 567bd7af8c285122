package supd_test

import (
	"os/exec"
	"strings"
	"testing"
)

// allowed lists, for each of supd's packages, the supd packages it may
// import (DESIGN.md §3): imports point one way, from commands down to
// config and osproc.
var allowed = map[string][]string{
	"supd/config":           {},
	"supd/config/importer":  {"supd/config"},
	"supd/osproc":           {},
	"supd/tree":             {"supd/config", "supd/osproc"},
	"supd/tree/treetest":    {"supd/tree", "supd/config", "supd/osproc"},
	"supd/internal/logcap":  {"supd/config"},
	"supd/internal/notify":  {"supd/config", "supd/osproc"},
	"supd/internal/health":  {"supd/config", "supd/osproc"},
	"supd/internal/launch":  {"supd/tree", "supd/config", "supd/osproc", "supd/internal/logcap", "supd/internal/notify", "supd/internal/health"},
	"supd/control/api":      {},
	"supd/control":          {"supd/control/api"},
	"supd/control/client":   {"supd/control/api"},
	"supd/internal/version": {},
	"supd/internal/docgen":  {},
	"supd/cmd/supctl":       {"supd/control/api", "supd/control/client", "supd/internal/version"},
}

func TestImportsPointOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		ok, known := allowed[pkg]
		if !known {
			continue // internal/daemon, cmd/supd, tests' helpers: may import anything below them
		}
		for _, imp := range imports {
			if !strings.HasPrefix(imp, "supd/") {
				continue
			}
			if !contains(ok, imp) {
				t.Errorf("%s imports %s, which DESIGN.md §3 does not allow", pkg, imp)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s || strings.HasPrefix(s, "supd/internal/testproc") {
			return true
		}
	}
	return false
}
