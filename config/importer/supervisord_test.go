package importer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// svModel imports supervisord.conf of files into the model.
func svModel(t *testing.T, files map[string]string) (*File, *report, string) {
	t.Helper()
	dir := writeFiles(t, files)
	path := filepath.Join(dir, "supervisord.conf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &report{}
	return importSupervisord(path, data, testOptions(Supervisord), r), r, dir
}

func svWorker(t *testing.T, program string) *Worker {
	t.Helper()
	f, r, _ := svModel(t, map[string]string{"supervisord.conf": "[program:x]\ncommand=/bin/x\n" + program})
	if len(r.errs) > 0 {
		t.Fatal(r.errs)
	}
	return f.Root.Children[0].Worker
}

func TestSupervisordProgram(t *testing.T) {
	for _, tc := range []struct {
		program string
		check   func(w *Worker) bool
	}{
		{"", func(w *Worker) bool {
			return w.Restart == "" && w.Ready == nil && w.StopTimeout == nil && w.SuccessCodes == nil
		}},
		{"autorestart=true", func(w *Worker) bool { return w.Restart == "permanent" }},
		{"autorestart=FALSE", func(w *Worker) bool { return w.Restart == "temporary" }},
		{"autorestart=unexpected", func(w *Worker) bool { return w.Restart == "" }},
		{"startsecs=0", func(w *Worker) bool { return w.Ready != nil && w.Ready.After == nil && w.Ready.Probe == nil }},
		{"startsecs=5", func(w *Worker) bool { return *w.Ready.After == 5*time.Second && w.ReadyTimeout == 0 }},
		{"startsecs=45", func(w *Worker) bool { return *w.Ready.After == 45*time.Second && w.ReadyTimeout == 75*time.Second }},
		{"exitcodes=0,2", func(w *Worker) bool { return slices.Equal(w.SuccessCodes, []string{"0", "2"}) }},
		{"exitcodes=", func(w *Worker) bool { return w.SuccessCodes != nil && len(w.SuccessCodes) == 0 }},
		{"stopsignal=hup", func(w *Worker) bool { return w.StopSignal == "HUP" }},
		{"stopsignal=15", func(w *Worker) bool { return w.StopSignal == "" }},
		{"stopwaitsecs=0", func(w *Worker) bool { return *w.StopTimeout == 0 }},
		{"stopwaitsecs=10", func(w *Worker) bool { return w.StopTimeout == nil }},
		{"autostart=no", func(w *Worker) bool { return *w.Autostart == false }},
		{"user=nobody", func(w *Worker) bool { return w.User == "nobody" }},
		{"directory=%(here)s/app", func(w *Worker) bool { return strings.HasSuffix(w.Dir, "/app") && filepath.IsAbs(w.Dir) }},
		{"numprocs=3", func(w *Worker) bool { return *w.Replicas == 3 }},
		{"stopasgroup=true", func(w *Worker) bool { return len(w.Notes["stop_signal"]) == 1 }},
		{"environment=A=\"1,2\",B='x y'", func(w *Worker) bool {
			return slices.Equal(w.Env, []EnvVar{{"A", "1,2"}, {"B", "x y"}})
		}},
		{"environment=A=1,A=2,B=%(program_name)s", func(w *Worker) bool {
			return slices.Equal(w.Env, []EnvVar{{"A", "2"}, {"B", "x"}})
		}},
		{"environment=P=%(ENV_PATH)s:/x", func(w *Worker) bool { return slices.Equal(w.Env, []EnvVar{{"P", "${PATH}:/x"}}) }},
		{"stdout_logfile=/var/log/x.log", func(w *Worker) bool { return w.Logs.File == "/var/log/x.log" }},
		{"stdout_logfile=NONE\nstderr_logfile=none", func(w *Worker) bool { return w.Logs.Forward == "false" }},
		{"stdout_logfile=/dev/stdout\nredirect_stderr=true", func(w *Worker) bool { return w.Logs.Forward == "true" }},
		{"stdout_syslog=true", func(w *Worker) bool { return w.Logs.Forward == "true" }},
	} {
		w := svWorker(t, tc.program)
		if !tc.check(w) {
			t.Errorf("%q: got %+v", tc.program, w)
		}
	}
}

func TestSupervisordCommand(t *testing.T) {
	for _, tc := range []struct {
		program string
		argv    []string
		shell   string
	}{
		{"command=/bin/x -g \"daemon off;\" 'a b'", []string{"/bin/x", "-g", "daemon off;", "a b"}, ""},
		{"command=/bin/x --port=80%(process_num)d\nnumprocs=2", []string{"/bin/x", "--port=80${SUPD_INSTANCE}"}, ""},
		{"command=/bin/x --port=80%(process_num)d\nnumprocs=1\nnumprocs_start=5", []string{"/bin/x", "--port=805"}, ""},
		{"command=/bin/x --port=80%(process_num)02d\nnumprocs=2", nil,
			`exec /bin/x --port=80"$(printf '%02d' "$SUPD_INSTANCE")"`},
		{"command=/bin/x %(process_num)d\nnumprocs=2\nnumprocs_start=1", nil,
			`exec /bin/x "$((SUPD_INSTANCE + 1))"`},
		{"command=/bin/x\numask=022", nil, "umask 022; exec /bin/x"},
		{"command=/bin/x 'it''s ${HOME}' 100%%", []string{"/bin/x", "its $${HOME}", "100%"}, ""},
		{"command=/bin/x %(ENV_A)s %(ENV_B)s\nenvironment=A=\"%(ENV_HOME)s/a\",B=b", []string{"/bin/x", "${HOME}/a", "b"}, ""},
		{"command=/bin/x\nnumprocs=2\nenvironment=N=\"%(process_num)03d\"", nil,
			`export N="$(printf '%03d' "$SUPD_INSTANCE")"; exec /bin/x`},
	} {
		f, r, _ := svModel(t, map[string]string{"supervisord.conf": "[program:x]\n" + tc.program})
		if len(r.errs) > 0 {
			t.Errorf("%q: %v", tc.program, r.errs)
			continue
		}
		c := f.Root.Children[0].Worker.Command
		if !slices.Equal(c.Argv, tc.argv) || c.Shell != tc.shell {
			t.Errorf("%q: command %q / %q, want %q / %q", tc.program, c.Argv, c.Shell, tc.argv, tc.shell)
		}
	}
}

func TestSupervisordDaemonEnvironment(t *testing.T) {
	f, r, _ := svModel(t, map[string]string{"supervisord.conf": `
[supervisord]
environment=P="/opt/bin:%(ENV_PATH)s",MODE=prod
[program:x]
command=/bin/x --path %(ENV_P)s --mode %(ENV_MODE)s
`})
	if len(r.errs) > 0 {
		t.Fatal(r.errs)
	}
	if got := f.Root.Children[0].Worker.Command.Argv; !slices.Equal(got, []string{"/bin/x", "--path", "/opt/bin:${PATH}", "--mode", "prod"}) {
		t.Errorf("argv %q", got)
	}
	if got := f.Defaults.Env; !slices.Equal(got, []EnvVar{{"P", "/opt/bin:${PATH}"}, {"MODE", "prod"}}) {
		t.Errorf("defaults env %q", got)
	}
}

func TestSupervisordTree(t *testing.T) {
	f, r, _ := svModel(t, map[string]string{"supervisord.conf": `
[program:late]
command=/bin/late
[program:b]
command=/bin/b
priority=1
[program:a]
command=/bin/a
priority=1
[group:g]
programs=m2,m1
priority=500
[program:m1]
command=/bin/m1
priority=2
[program:m2]
command=/bin/m2
priority=1
[program:weird name@x]
command=/bin/w
`})
	if len(r.errs) > 0 {
		t.Fatal(r.errs)
	}
	var names []string
	for _, c := range f.Root.Children {
		names = append(names, c.name())
	}
	// Priority, then name, as supervisord sorts; a group by its own priority.
	if want := []string{"a", "b", "g", "late", "weird_name_x"}; !slices.Equal(names, want) {
		t.Errorf("root children %q, want %q", names, want)
	}
	g := f.Root.Children[2].Supervisor
	if g.Children[0].name() != "m2" || g.Children[1].name() != "m1" || g.Restart != "temporary" || g.Start != "parallel" {
		t.Errorf("group %+v", g)
	}
	if *f.Root.MaxRestarts != 12 || *g.MaxRestarts != 6 {
		t.Errorf("budgets: root %d, group %d", *f.Root.MaxRestarts, *g.MaxRestarts)
	}
}

func TestSupervisordInclude(t *testing.T) {
	f, r, dir := svModel(t, map[string]string{
		"supervisord.conf": "[include]\nfiles = conf.d/*.conf missing/*.ini\n",
		"conf.d/b.conf":    "[program:b]\ncommand=%(here)s/b\n",
		"conf.d/a.conf":    "[program:a]\ncommand=/bin/a\n[include]\nfiles=nested.conf\n",
		"conf.d/.hid.conf": "[program:hidden]\ncommand=/bin/h\n",
		"conf.d/c.txt":     "[program:c]\ncommand=/bin/c\n",
	})
	if len(r.errs) > 0 {
		t.Fatal(r.errs)
	}
	var names []string
	for _, c := range f.Root.Children {
		names = append(names, c.name())
	}
	if !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("programs %q, want a and b", names)
	}
	if got, want := f.Root.Children[1].Worker.Command.Argv[0], filepath.Join(dir, "conf.d", "b"); got != want {
		t.Errorf("%%(here)s of an included file: %q, want %q", got, want)
	}
	var warns []string
	for _, w := range r.warns {
		warns = append(warns, w.String())
	}
	joined := strings.Join(warns, "\n")
	for _, want := range []string{"no file matches", "missing/*.ini", "conf.d/a.conf: warning: its [include] section is not followed"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q lack %q", warns, want)
		}
	}
}

func TestSupervisordErrors(t *testing.T) {
	for _, tc := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"supervisord.conf": "[group:g]\nprograms=a,nope\n[program:a]\ncommand=/bin/a\n"},
			`supervisord.conf:2: [group:g] names unknown program "nope"`},
		{map[string]string{"supervisord.conf": "[program:a]\ncommand=/bin/a\nautorestart=maybe\n"},
			`supervisord.conf:3: autorestart: "maybe" is not true, false or unexpected`},
		{map[string]string{"supervisord.conf": "[program:a]\ncommand=/bin/a \"open\n"},
			"supervisord.conf:2: command: no closing quotation"},
		{map[string]string{"supervisord.conf": "[program:a]\nautostart=true\n"},
			"supervisord.conf:1: [program:a] has no command"},
		{map[string]string{"supervisord.conf": "[program:a]\ncommand=/bin/a\nexitcodes=0,300\n"},
			`supervisord.conf:3: exitcodes: "0,300" is not a list of exit codes 0-255`},
		{map[string]string{"supervisord.conf": "[program:a]\ncommand=/bin/a\nenvironment=A=1 B=2\n"},
			"supervisord.conf:3: environment: expected KEY=value pairs"},
		{map[string]string{"supervisord.conf": "[program:a]\ncommand=/bin/a %(nope)s\n"},
			`supervisord.conf:2: command: "/bin/a %(nope)s": the name "nope" cannot be expanded`},
		{map[string]string{"supervisord.conf": "[program:a]\ncommand=/bin/a\nstartsecs=soon\n"},
			`supervisord.conf:3: startsecs: "soon" is not an integer`},
		{map[string]string{"supervisord.conf": "[program:a]\ncommand=/bin/a\nstopsignal=NOPE\n"},
			`supervisord.conf:3: stopsignal: "NOPE" is not a signal name`},
		{map[string]string{"supervisord.conf": "[include]\nfiles=x.conf\n", "x.conf": "no section\n"},
			"x.conf:1: expected a [section] header"},
		{map[string]string{"supervisord.conf": "[include]\n"}, "supervisord.conf:1: [include] needs files"},
	} {
		_, r, _ := svModel(t, tc.files)
		if len(r.errs) == 0 {
			t.Errorf("%v: no error, want %q", tc.files, tc.want)
			continue
		}
		if got := r.errs.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("%v:\n got %s\nwant %s", tc.files, got, tc.want)
		}
	}
}
