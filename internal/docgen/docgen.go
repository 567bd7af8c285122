package docgen

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// File is one generated file, Name relative to the docs folder.
type File struct {
	Name string
	Data []byte
}

// date is the date in the pages' headers: fixed, so that generating twice
// gives the same bytes. Move it when the pages change in substance.
var date = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

// Generate returns the man pages of root's tree in section (one per
// command, named as cobra names them: supctl.1, supctl-status.1, …) and
// root's completion scripts for bash, zsh and fish (completion/NAME.bash,
// completion/_NAME, completion/NAME.fish). It adds cobra's help and
// completion commands (and --version) to root, as running it would, and so wants a tree
// built for the purpose.
func Generate(root *cobra.Command, section string) ([]File, error) {
	root.InitDefaultHelpCmd()
	root.InitDefaultVersionFlag() // when root has a Version
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Hidden = true // every page has its own --help; help(1) pages are noise
		}
	}
	var files []File
	header := doc.GenManHeader{Section: section, Date: &date, Source: root.Name(), Manual: "supd manual"}
	var walk func(*cobra.Command) error
	walk = func(c *cobra.Command) error {
		c.DisableAutoGenTag = true
		h := header
		var b bytes.Buffer
		if err := doc.GenMan(c, &h, &b); err != nil {
			return fmt.Errorf("man page of %q: %w", c.CommandPath(), err)
		}
		files = append(files, File{Name: strings.ReplaceAll(c.CommandPath(), " ", "-") + "." + section, Data: b.Bytes()})
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				if err := walk(sub); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	name := root.Name()
	for _, sh := range []struct {
		file string
		gen  func(*bytes.Buffer) error
	}{
		{"completion/" + name + ".bash", func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) }},
		{"completion/_" + name, func(b *bytes.Buffer) error { return root.GenZshCompletion(b) }},
		{"completion/" + name + ".fish", func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) }},
	} {
		var b bytes.Buffer
		if err := sh.gen(&b); err != nil {
			return nil, fmt.Errorf("%s: %w", sh.file, err)
		}
		files = append(files, File{Name: sh.file, Data: b.Bytes()})
	}
	return files, nil
}

// Owned is every file under dir that a tree named name generates or once
// did: its pages in section and its completions.
func Owned(dir, name, section string) ([]string, error) {
	var out []string
	for _, pat := range []string{name + "." + section, name + "-*." + section,
		"completion/" + name + ".bash", "completion/_" + name, "completion/" + name + ".fish"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		for _, f := range m {
			rel, _ := filepath.Rel(dir, f)
			out = append(out, rel)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Sync compares files with their copies under dir, and the files there
// that the tree named name owns (Owned) with those it generates now. It
// returns what differs: missing, changed or no longer generated. With
// write it also brings dir in step.
func Sync(dir, name, section string, files []File, write bool) (stale []string, err error) {
	want := map[string]bool{}
	for _, f := range files {
		want[f.Name] = true
		path := filepath.Join(dir, f.Name)
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		stale = append(stale, f.Name)
		if write {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(path, f.Data, 0o644); err != nil {
				return nil, err
			}
		}
	}
	owned, err := Owned(dir, name, section)
	if err != nil {
		return nil, err
	}
	for _, f := range owned {
		if want[f] {
			continue
		}
		stale = append(stale, f)
		if write {
			if err := os.Remove(filepath.Join(dir, f)); err != nil {
				return nil, err
			}
		}
	}
	return stale, nil
}
