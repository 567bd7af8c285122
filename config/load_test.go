package config

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite the errors and warnings sections of testdata/*.txtar")

// fakeAccounts is a fixed user and group table, so tests do not depend on
// the machine's.
type fakeAccounts struct{}

var fakeUsers = map[string]account{
	"root":  {uid: 0, gid: 0, groups: []uint32{0}, known: true},
	"0":     {uid: 0, gid: 0, groups: []uint32{0}, known: true},
	"alice": {uid: 1000, gid: 1000, groups: []uint32{27, 100, 1000}, known: true},
	"1000":  {uid: 1000, gid: 1000, groups: []uint32{27, 100, 1000}, known: true},
	"4242":  {uid: 4242},
}

var fakeGroups = map[string]uint32{"root": 0, "alice": 1000, "sudo": 27, "users": 100, "supd": 990}

func (fakeAccounts) user(s string) (account, error) {
	if a, ok := fakeUsers[s]; ok {
		return a, nil
	}
	return account{}, fmt.Errorf("unknown user %q", s)
}

func (fakeAccounts) group(s string) (uint32, error) {
	if g, ok := fakeGroups[s]; ok {
		return g, nil
	}
	if isDigits(s) {
		var g uint32
		fmt.Sscan(s, &g)
		return g, nil
	}
	return 0, fmt.Errorf("unknown group %q", s)
}

func (fakeAccounts) self() uint32 { return 500 }

// envOf turns "K=V" lines into an environment.
func envOf(text string) func(string) (string, bool) {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[k] = v
		}
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// parseString parses a config held in a test, named supd.yaml.
func parseString(t *testing.T, yaml string, env string) (*Config, []Warning, error) {
	t.Helper()
	return parse("supd.yaml", []byte(yaml), envOf(env), fakeAccounts{})
}

// mustParse parses a config that must be valid.
func mustParse(t *testing.T, yaml string) *Config {
	t.Helper()
	c, _, err := parseString(t, yaml, "")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

// TestTxtar runs testdata/*.txtar: each holds supd.yaml, optionally env
// (K=V lines), and the expected errors and warnings, one a line (a missing
// section expects none).
func TestTxtar(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/*.txtar")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := map[string]string{}
			for _, f := range ar.Files {
				sections[f.Name] = string(f.Data)
			}
			input, ok := sections["supd.yaml"]
			if !ok {
				t.Fatal("no supd.yaml section")
			}
			_, warnings, err := parseString(t, input, sections["env"])
			var gotErrs, gotWarns string
			if err != nil {
				var list ErrorList
				if !errors.As(err, &list) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("error %v (%T) is not an ErrorList matching ErrInvalid", err, err)
				}
				gotErrs = err.Error() + "\n"
			}
			for _, w := range warnings {
				gotWarns += w.String() + "\n"
			}
			if *update {
				rewrite(t, file, ar, gotErrs, gotWarns)
				return
			}
			if want := sections["errors"]; gotErrs != want {
				t.Errorf("errors:\n%s\nwant:\n%s", gotErrs, want)
			}
			if want := sections["warnings"]; gotWarns != want {
				t.Errorf("warnings:\n%s\nwant:\n%s", gotWarns, want)
			}
		})
	}
}

func rewrite(t *testing.T, file string, ar *txtar.Archive, errs, warns string) {
	var files []txtar.File
	for _, f := range ar.Files {
		if f.Name != "errors" && f.Name != "warnings" {
			files = append(files, f)
		}
	}
	if errs != "" {
		files = append(files, txtar.File{Name: "errors", Data: []byte(errs)})
	}
	if warns != "" {
		files = append(files, txtar.File{Name: "warnings", Data: []byte(warns)})
	}
	ar.Files = files
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadReadError(t *testing.T) {
	_, _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	if errors.Is(err, ErrInvalid) {
		t.Fatalf("a file that cannot be read is not ErrInvalid: %v", err)
	}
}

func TestLoadResolvesAgainstConfigFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "supd.yaml")
	data := `version: 1
control: {socket: run/supd.sock}
logs: {dir: "${LOGS}"}
root:
  children:
    - {name: a, command: [a]}
    - {name: b, command: [b], dir: work, logs: {file: b.out}}
    - {name: c, command: [c], dir: /srv}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, err := LoadWith(path, envOf("LOGS=var/log"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"File", c.File, path},
		{"Dir", c.Dir, dir},
		{"socket", c.Control.Socket, filepath.Join(dir, "run/supd.sock")},
		{"logs dir", c.Logs.Dir, filepath.Join(dir, "var/log")},
		{"a dir", c.Root.Children[0].Worker.Dir, dir},
		{"a log", c.Root.Children[0].Worker.Logs.File, filepath.Join(dir, "var/log/a.log")},
		{"b dir", c.Root.Children[1].Worker.Dir, filepath.Join(dir, "work")},
		{"b log", c.Root.Children[1].Worker.Logs.File, filepath.Join(dir, "b.out")},
		{"c dir", c.Root.Children[2].Worker.Dir, "/srv"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
}

func TestLoadUsesProcessEnvironment(t *testing.T) {
	t.Setenv("SUPD_TEST_CMD", "from-env")
	path := filepath.Join(t.TempDir(), "supd.yaml")
	os.WriteFile(path, []byte("version: 1\nroot: {children: [{name: a, command: [\"${SUPD_TEST_CMD}\"]}]}\n"), 0o600)
	c, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Root.Children[0].Worker.Command.Argv[0]; got != "from-env" {
		t.Fatalf("argv[0] = %q, want from-env", got)
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		name   string
		flag   string
		env    string
		exists []string
		want   string
	}{
		{"flag wins", "a.yaml", "b.yaml", []string{"supd.yaml"}, "a.yaml"},
		{"env next", "", "b.yaml", []string{"supd.yaml"}, "b.yaml"},
		{"cwd next", "", "", []string{"supd.yaml", "/etc/supd/supd.yaml"}, "supd.yaml"},
		{"etc last", "", "", []string{"/etc/supd/supd.yaml"}, "/etc/supd/supd.yaml"},
		{"none", "", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "SUPD_CONFIG" {
					return tt.env
				}
				return ""
			}
			exists := func(p string) bool { return slices.Contains(tt.exists, p) }
			got, err := findConfig(tt.flag, getenv, exists)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if (err != nil) != (tt.want == "") || err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("err = %v", err)
			}
		})
	}
}
