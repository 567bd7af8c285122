package importer

import (
	"os"
	"path/filepath"
	"testing"
)

// testOptions makes an import independent of the machine it runs on.
func testOptions(from Format) Options {
	return Options{From: from, Hostname: "host.example", Env: func(name string) (string, bool) {
		if name == "PATH" {
			return "/usr/bin:/bin", true
		}
		return "", false
	}}
}

// writeFiles writes files (name → content) into a fresh folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
