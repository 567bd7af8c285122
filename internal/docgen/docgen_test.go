package docgen

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func tree() *cobra.Command {
	root := &cobra.Command{Use: "tool", Short: "A tool", Run: func(*cobra.Command, []string) {}}
	root.AddCommand(&cobra.Command{Use: "run", Short: "Run it", Run: func(*cobra.Command, []string) {}},
		&cobra.Command{Use: "secret", Hidden: true, Run: func(*cobra.Command, []string) {}})
	return root
}

func names(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

func TestGenerate(t *testing.T) {
	files, err := Generate(tree(), "8")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"tool.8", "tool-completion.8", "tool-completion-bash.8", "tool-completion-fish.8",
		"tool-completion-powershell.8", "tool-completion-zsh.8", "tool-run.8",
		"completion/tool.bash", "completion/_tool", "completion/tool.fish"}
	if got := names(files); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	again, _ := Generate(tree(), "8")
	if !reflect.DeepEqual(files, again) {
		t.Error("two runs differ")
	}
	if page := string(files[0].Data); !strings.Contains(page, `.TH "TOOL" "8" "Dec 2026" "tool" "supd manual"`) || strings.Contains(page, "Auto generated") {
		t.Errorf("tool.8:\n%s", page)
	}
}

func TestSync(t *testing.T) {
	dir := t.TempDir()
	files, err := Generate(tree(), "8")
	if err != nil {
		t.Fatal(err)
	}
	if stale, _ := Sync(dir, "tool", "8", files, false); len(stale) != len(files) {
		t.Fatalf("empty dir: stale %v", stale)
	}
	if stale, err := Sync(dir, "tool", "8", files, true); err != nil || len(stale) != len(files) {
		t.Fatalf("writing: %v %v", stale, err)
	}
	if stale, _ := Sync(dir, "tool", "8", files, false); len(stale) != 0 {
		t.Fatalf("after writing: stale %v", stale)
	}
	// A changed page, a page of a command that is gone, another tree's page.
	os.WriteFile(filepath.Join(dir, "tool-run.8"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(dir, "tool-gone.8"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(dir, "other.5"), []byte("other"), 0o644)
	stale, err := Sync(dir, "tool", "8", files, true)
	if want := []string{"tool-run.8", "tool-gone.8"}; err != nil || !reflect.DeepEqual(stale, want) {
		t.Fatalf("stale %v (%v), want %v", stale, err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "tool-gone.8")); err == nil {
		t.Error("the page of a removed command was kept")
	}
	if _, err := os.Stat(filepath.Join(dir, "other.5")); err != nil {
		t.Error("another generator's page was removed")
	}
	if stale, _ := Sync(dir, "tool", "8", files, false); len(stale) != 0 {
		t.Fatalf("after the second write: stale %v", stale)
	}
}
