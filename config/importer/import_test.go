package importer

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"supd/config"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// golden lists the fixtures: each folder of testdata holds the source, the
// supd.yaml it imports to (want.yaml) and the warnings (want.stderr).
var golden = []struct {
	dir, file string
	from      Format // "": guessed
}{
	{"supervisord", "supervisord.conf", ""},
	{"process-compose", "process-compose.yaml", ""},
	{"procfile", "Procfile", ""},
	{"supervisord-small", "app.conf", Supervisord},
}

// here is how the goldens write the absolute folder of testdata, which
// supervisord's %(here)s expands to.
const here = "/@TESTDATA@"

func importFixture(t *testing.T, dir, file string, from Format) *Result {
	t.Helper()
	res, err := Import(filepath.Join("testdata", dir, file), testOptions(from))
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

func normalize(t *testing.T, b []byte) []byte {
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte(abs), []byte(here))
}

func warnings(res *Result) []byte {
	var b bytes.Buffer
	for _, w := range res.Warnings {
		b.WriteString(w.String() + "\n")
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	for _, g := range golden {
		t.Run(g.dir, func(t *testing.T) {
			res := importFixture(t, g.dir, g.file, g.from)
			for _, f := range []struct {
				name string
				got  []byte
			}{{"want.yaml", normalize(t, res.YAML)}, {"want.stderr", warnings(res)}} {
				path := filepath.Join("testdata", g.dir, f.name)
				if *update {
					if err := os.WriteFile(path, f.got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to write it)", err)
				}
				if !bytes.Equal(f.got, want) {
					t.Errorf("%s differs from the import (go test -update rewrites it):\n%s", path, diffLines(string(want), string(f.got)))
				}
			}
		})
	}
}

// TestGoldenLoads checks that every import is a config supd check accepts,
// without warnings: config.Load, as `supd check` runs it.
func TestGoldenLoads(t *testing.T) {
	for _, g := range golden {
		t.Run(g.dir, func(t *testing.T) {
			res := importFixture(t, g.dir, g.file, g.from)
			path := filepath.Join(t.TempDir(), "supd.yaml")
			if err := os.WriteFile(path, res.YAML, 0o644); err != nil {
				t.Fatal(err)
			}
			env := func(name string) (string, bool) {
				if name == "PATH" {
					return "/usr/bin:/bin", true
				}
				return "", false
			}
			_, warns, err := config.LoadWith(path, env)
			if err != nil {
				t.Fatalf("supd check refuses the import of %s:\n%v", g.file, err)
			}
			for _, w := range warns {
				t.Errorf("supd check warns: %s", w)
			}
		})
	}
}

// TestDeterministic imports each fixture many times: the bytes never
// change, whatever the order of Go's maps.
func TestDeterministic(t *testing.T) {
	for _, g := range golden {
		first := importFixture(t, g.dir, g.file, g.from)
		for range 20 {
			again := importFixture(t, g.dir, g.file, g.from)
			if !bytes.Equal(first.YAML, again.YAML) || !bytes.Equal(warnings(first), warnings(again)) {
				t.Fatalf("%s: two imports differ:\n%s", g.dir, diffLines(string(first.YAML), string(again.YAML)))
			}
		}
	}
}

// diffLines shows the first lines where two texts differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(same lines)"
}

func TestImportErrorIsUnreadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(path, []byte("[program:x]\nthis line has no delimiter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Import(path, testOptions(""))
	if !errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want an ErrUnreadable", err)
	}
}

// TestUnknownKeys: a key the source's tool does not know is a comment in
// the output and a warning naming its line, never a silent drop.
func TestUnknownKeys(t *testing.T) {
	for _, tc := range []struct {
		file, content string
		comments      []string
		warnings      []string
	}{
		{"supervisord.conf", "[program:a]\ncommand=/bin/a\nnice=10\n[weird]\nx=1\n",
			[]string{"# nice=10: not a supervisord setting; not imported.", "# [weird] (supervisord.conf:4): not a supervisord section"},
			[]string{"supervisord.conf:3: warning: [program:a] nice:", "supervisord.conf:4: warning: [weird]:"}},
		{"process-compose.yaml", "processes:\n  a:\n    command: a\n    colour: blue\nlogging: yes\n",
			[]string{"# colour (process-compose.yaml:4): not a process-compose setting; not imported.",
				"# logging (process-compose.yaml:5): not a process-compose setting; not imported."},
			[]string{"process-compose.yaml:4: warning: processes.a.colour:", "process-compose.yaml:5: warning: logging:"}},
		{"Procfile", "web: a\nweb b\n",
			[]string{"# Procfile:2 is not a `name: command` line and is not imported: web b"},
			[]string{"Procfile:2: warning: not a `name: command` line"}},
	} {
		dir := writeFiles(t, map[string]string{tc.file: tc.content})
		res, err := Import(filepath.Join(dir, tc.file), testOptions(""))
		if err != nil {
			t.Fatal(err)
		}
		out := string(res.YAML)
		for _, want := range tc.comments {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the output lacks %q:\n%s", tc.file, want, out)
			}
		}
		if len(res.Warnings) != len(tc.warnings) {
			t.Errorf("%s: warnings %v, want %d", tc.file, res.Warnings, len(tc.warnings))
			continue
		}
		for i, want := range tc.warnings {
			if got := strings.TrimPrefix(res.Warnings[i].String(), dir+"/"); !strings.HasPrefix(got, want) {
				t.Errorf("%s: warning %q, want %q…", tc.file, got, want)
			}
		}
	}
}

// TestDotEnv: a .env beside the file is read by foreman and process-compose
// but not by supd, which says so.
func TestDotEnv(t *testing.T) {
	dir := writeFiles(t, map[string]string{"Procfile": "web: bin/web\n", ".env": "SECRET=1\n"})
	res, err := Import(filepath.Join(dir, "Procfile"), testOptions(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), ".env: warning: foreman and honcho read .env") {
		t.Errorf("warnings %v", res.Warnings)
	}
	if !strings.Contains(string(res.YAML), "# foreman and honcho read .env from their working folder, as the .env beside this") {
		t.Errorf("no note about .env:\n%s", res.YAML)
	}
}

func TestNotText(t *testing.T) {
	for content, want := range map[string]string{
		"web: ok\nbad: \xff\n": "Procfile:2: not UTF-8 text",
		"web: a\x00b\n":        "Procfile:1: a NUL byte",
	} {
		dir := writeFiles(t, map[string]string{"Procfile": content})
		_, err := Import(filepath.Join(dir, "Procfile"), testOptions(Procfile))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", content, err, want)
		}
	}
}
