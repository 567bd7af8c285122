package importer

import (
	"slices"
	"strings"
	"testing"
)

func TestProcfile(t *testing.T) {
	r := &report{}
	f := importProcfile("Procfile", []byte("web: bin/web -p $PORT\r\n#worker: off\nworker:bin/worker ${QUEUE}  \n\nrelease: bin/migrate\n"), r)
	if len(r.errs) > 0 || len(r.warns) > 0 {
		t.Fatal(r.errs, r.warns)
	}
	var got []string
	for _, c := range f.Root.Children {
		w := c.Worker
		got = append(got, w.Name+"|"+w.Command.Shell+"|"+w.Env[0].Value)
	}
	want := []string{"web|bin/web -p $PORT|5000", "worker|bin/worker $${QUEUE}|5100", "release|bin/migrate|5200"}
	if !slices.Equal(got, want) {
		t.Errorf("workers %q, want %q", got, want)
	}
	rel := f.Root.Children[2].Worker
	if *rel.Autostart || rel.Restart != "temporary" {
		t.Errorf("release %+v", rel)
	}
	if f.Root.Start != "parallel" || *f.Root.MaxRestarts != 10 {
		t.Errorf("root %+v", f.Root)
	}

	for in, want := range map[string]string{
		"web: a\nweb: b\n": `Procfile:2: process type "web" is already defined on line 1`,
		"# nothing\n\n":    "Procfile: no `name: command` line: a Procfile names at least one process type",
	} {
		r := &report{}
		importProcfile("Procfile", []byte(in), r)
		if len(r.errs) == 0 || r.errs[0].Error() != want {
			t.Errorf("%q: %v, want %s", in, r.errs, want)
		}
	}
	r = &report{}
	f = importProcfile("Procfile", []byte("web: a\n  indented: b\nweb2 a\n"), r)
	if len(r.warns) != 2 || r.warns[0].Line != 2 || r.warns[1].Line != 3 || !strings.Contains(strings.Join(f.Head, "\n"), "Procfile:3 is not") {
		t.Errorf("warnings %v, head %q", r.warns, f.Head)
	}
}

func TestGuess(t *testing.T) {
	for in, want := range map[string]Format{
		"; comment\n\n[supervisord]\nnodaemon=true\n":          Supervisord,
		"[program:x]\ncommand=x\n":                             Supervisord,
		"version: \"0.5\"\nprocesses:\n  a:\n    command: x\n": ProcessCompose,
		"processes: {}\n":                                      ProcessCompose,
		"# my app\nweb: bundle exec puma\n":                    Procfile,
		"web: a\n  odd line\n":                                 Procfile,
	} {
		got, err := Guess("f", []byte(in))
		if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                                    "f: the file is empty",
		"version: 1\nroot:\n  children: []\n": "already a supd config",
		"services:\n  web:\n    image: x\n":   "f:1: cannot tell the format",
		"just some text\n":                    "f:1: cannot tell the format",
	} {
		_, err := Guess("f", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
