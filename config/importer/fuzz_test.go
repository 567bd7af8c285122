package importer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"supd/config"
)

// FuzzImport feeds each importer arbitrary input: it must never panic, an
// error must be an ErrorList of positioned errors, and what it does import
// must be a config supd loads (but for users this machine lacks).
func FuzzImport(f *testing.F) {
	for _, g := range golden {
		data, err := os.ReadFile(filepath.Join("testdata", g.dir, g.file))
		if err != nil {
			f.Fatal(err)
		}
		for i := range Formats {
			f.Add(data, uint8(i))
		}
	}
	f.Add([]byte("[program:a]\ncommand=/bin/a %(process_num)02d\nnumprocs=2\n"), uint8(0))
	f.Add([]byte("processes:\n  a:\n    command: \"{{.PC_REPLICA_NUM}}\"\n    replicas: 3\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		from := Formats[int(format)%len(Formats)]
		dir := t.TempDir()
		path := filepath.Join(dir, "input")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Import(path, testOptions(from))
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || !errors.Is(err, ErrUnreadable) || len(list) == 0 {
				t.Fatalf("error %v (%T) is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.File == "" || e.Msg == "" {
					t.Fatalf("error without a place or a message: %+v", e)
				}
			}
			return
		}
		env := func(name string) (string, bool) { return "x", name != "SUPD_INSTANCE" }
		_, _, err = config.Parse(filepath.Join(dir, "supd.yaml"), res.YAML, env)
		if err == nil {
			return
		}
		var list config.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("loading the import: %v", err)
		}
		for _, e := range list {
			if !strings.Contains(e.Msg, "user") && !strings.Contains(e.Msg, "group") {
				t.Fatalf("supd refuses the import of\n%s\nas\n%s\n%v", data, res.YAML, err)
			}
		}
	})
}
