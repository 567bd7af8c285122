package importer

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestEncodeFieldOrderAndNotes(t *testing.T) {
	w := &Worker{
		Name:        "api",
		Replicas:    ptr(2),
		StopTimeout: ptr(90 * time.Second),
		Restart:     "transient",
		Command:     Command{Argv: []string{"/bin/api", "--port", "8080"}},
		Env:         []EnvVar{{"PORT", "8080"}, {"A", "yes"}},
		Ready:       &Ready{After: ptr(time.Second)},
		Logs:        &Logs{File: "/var/log/api.log"},
	}
	w.Notes.add("", "the worker")
	w.Notes.add("restart", "why transient")
	w.Notes.add("stop_signal", "about a field that is not written")
	w.Notes.add("env.PORT", "about PORT")
	f := &File{Root: &Supervisor{Children: []Node{{Worker: w}, {Worker: &Worker{Name: "b", Command: Command{Shell: "line one\nline two"}}}}}}
	f.Head = []string{"head"}
	out, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	want := `# head

version: 1

root:
  children:

    # the worker
    # about a field that is not written
    - name: api
      command: [/bin/api, --port, "8080"]
      env:
        # about PORT
        PORT: "8080"
        A: "yes"
      # why transient
      restart: transient
      ready: {after: 1s}
      stop_timeout: 90s
      replicas: 2
      logs: {file: /var/log/api.log}

    - name: b
      command: |-
        line one
        line two
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// What a reader of the file gets back is what was meant.
	var back struct {
		Root struct {
			Children []map[string]any
		}
	}
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if env := back.Root.Children[0]["env"].(map[string]any); env["PORT"] != "8080" || env["A"] != "yes" {
		t.Errorf("env read back as %v", env)
	}
}

func TestEncodeScalars(t *testing.T) {
	for _, tc := range []struct {
		w    Worker
		want string
	}{
		{Worker{Backoff: &Backoff{Initial: ptr(time.Second), Factor: ptr(1.0), Jitter: ptr(0.0)}}, "backoff: {initial: 1s, factor: 1.0, jitter: 0.0}"},
		{Worker{StopTimeout: ptr(Infinity)}, "stop_timeout: infinity"},
		{Worker{StopTimeout: ptr(time.Duration(0))}, "stop_timeout: 0s"},
		{Worker{SuccessCodes: []string{"0", "2", "TERM"}}, "success_codes: [0, 2, TERM]"},
		{Worker{SuccessCodes: []string{}}, "success_codes: []"},
		{Worker{Autostart: ptr(false)}, "autostart: false"},
		{Worker{Ready: &Ready{}}, "ready: {started: true}"},
		{Worker{Logs: &Logs{Dir: ptr(""), Forward: "false"}}, `logs: {dir: "", forward: false}`},
		{Worker{Logs: &Logs{MaxSize: 50 << 20, MaxFiles: ptr(0)}}, "logs: {max_size: 50MiB, max_files: 0}"},
		{Worker{Health: &Health{Probe: Probe{HTTP: "http://127.0.0.1:8080/", Interval: 3 * time.Second}, Failures: 5}},
			"health: {http: 'http://127.0.0.1:8080/', interval: 3s, failures: 5}"},
		{Worker{Env: []EnvVar{{"X", "${HOME:-}"}, {"N", "010"}, {"T", "true"}}}, "env:\n    X: ${HOME:-}\n    \"N\": \"010\"\n    T: \"true\""},
	} {
		out, err := Encode(&File{Defaults: &tc.w})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "defaults:\n  "+tc.want+"\n") {
			t.Errorf("%+v: got\n%s\nwant it to hold %q", tc.w, out, tc.want)
		}
	}
}

func TestEncodeDefaultsNotesAboveKey(t *testing.T) {
	d := &Worker{Restart: "temporary"}
	d.Notes.add("", "the defaults")
	out, err := Encode(&File{Defaults: d})
	if err != nil {
		t.Fatal(err)
	}
	if want := "# the defaults\ndefaults:\n  restart: temporary\n"; !strings.Contains(string(out), want) {
		t.Errorf("got\n%s\nwant it to hold\n%s", out, want)
	}
}

func TestWrap(t *testing.T) {
	long := strings.Repeat("word ", 40)
	for _, l := range wrap(long) {
		if len(l) > commentWidth {
			t.Errorf("line of %d characters: %q", len(l), l)
		}
	}
	if got := wrap("a\nb"); len(got) != 2 {
		t.Errorf("wrap kept newlines as %q", got)
	}
}

func TestFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second: "1s", 90 * time.Second: "90s", 2 * time.Minute: "2m", time.Hour: "1h",
		1500 * time.Millisecond: "1500ms", Infinity: "infinity", 0: "0s",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int64]string{50 << 20: "50MiB", 1 << 30: "1GiB", 1536: "1536", 3 << 10: "3KiB", 100: "100"} {
		if got := fmtSize(n); got != want {
			t.Errorf("fmtSize(%d) = %q, want %q", n, got, want)
		}
	}
	for in, want := range map[string]string{"a": "a", "$HOME": "$HOME", "${X}": "$${X}", "$$": "$$$", "a$": "a$", "$${X}": "$$$${X}"} {
		if got := lit(in); got != want {
			t.Errorf("lit(%q) = %q, want %q", in, got, want)
		}
	}
}
