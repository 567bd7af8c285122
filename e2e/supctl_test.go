package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"supd/control/api"
)

// scriptDeadline bounds every wait a script does: long enough for a loaded
// machine running -race, short enough that a hang fails the test quickly.
const scriptDeadline = 10 * time.Second

// TestSupctl runs the scripts in testdata/script: each starts the real supd
// in the background and drives it with the real supctl (SPEC §3, §4).
//
// The scripts find supd, supctl and testproc on PATH ($TESTPROC is
// testproc's path), and SUPD_SOCKET set to $WORK/supd.sock. Besides
// testscript's own commands they have:
//
//	exits [-as UID:GID[:G1,G2]] CODE PROG ARGS...
//	    run PROG (on PATH), optionally with those credentials, within the
//	    wait deadline; fail unless it exits with CODE. Its output becomes
//	    stdout and stderr.
//	waitstate PATH STATE [PATH STATE...]
//	    follow supd's events until every PATH is in its STATE ("/" is the
//	    root).
//	[!] waitfor PROG ARGS... -- REGEX
//	    run PROG until its stdout matches REGEX (with !: stops matching),
//	    again each time supd reports an event or a line of output; its
//	    last output becomes stdout and stderr.
//	waitfile FILE REGEX
//	    wait until FILE matches REGEX, looking again at each change to it.
//	[!] jsonpath EXPR REGEX
//	    the value at EXPR (.a.0.b, or . for all) of stdout's JSON, a string
//	    as is and anything else as JSON, matches REGEX.
//	jsonenv NAME EXPR
//	    set $NAME to the value at EXPR of stdout's JSON.
//	ndjson FILE MIN KEY...
//	    FILE (or stdout, stderr) holds at least MIN lines, each one JSON
//	    object with every KEY.
//	[!] alive PID
//	    PID is a live process (not a zombie).
//
// and the condition [root].
//
// Builtin exec and wait are bounded too: the whole run has a deadline, after
// which testscript interrupts and then kills what is still running.
func TestSupctl(t *testing.T) {
	t.Parallel()
	deadline := time.Now().Add(2 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	testscript.Run(t, testscript.Params{
		Dir:      filepath.Join("testdata", "script"),
		Deadline: deadline,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", bin.dir+string(os.PathListSeparator)+os.Getenv("PATH"))
			env.Setenv("TESTPROC", bin.testproc)
			env.Setenv("SUPD_SOCKET", filepath.Join(env.WorkDir, "supd.sock"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     cmdExits,
			"waitstate": cmdWaitState,
			"waitfor":   cmdWaitFor,
			"waitfile":  cmdWaitFile,
			"jsonpath":  cmdJSONPath,
			"jsonenv":   cmdJSONEnv,
			"ndjson":    cmdNDJSON,
			"alive":     cmdAlive,
		},
	})
}

// scriptEnv is the script's environment as a list, for programs the
// commands run themselves.
func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "SUPD_SOCKET", "TESTPROC"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

// scriptLookPath finds prog on the script's PATH.
func scriptLookPath(ts *testscript.TestScript, prog string) string {
	if strings.Contains(prog, "/") {
		return prog
	}
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		p := filepath.Join(dir, prog)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	ts.Fatalf("%s: not found on the script's PATH", prog)
	return ""
}

// scriptRun runs prog with a deadline and returns its output and exit code
// (-1: it did not exit by itself).
func scriptRun(ts *testscript.TestScript, cred *syscall.Credential, prog string, args ...string) (stdout, stderr string, code int) {
	ctx, cancel := context.WithTimeout(context.Background(), scriptDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, scriptLookPath(ts, prog), args...)
	cmd.Env = scriptEnv(ts)
	cmd.Dir = ts.MkAbs(".")
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = "/" // the script's folder need not be the user's
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		ts.Fatalf("%s %s: still running after %v\nstdout:\n%s\nstderr:\n%s", prog, strings.Join(args, " "), scriptDeadline, out.String(), errb.String())
	case err == nil:
		code = 0
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		ts.Fatalf("%s: %v", prog, err)
	}
	return out.String(), errb.String(), code
}

// parseCredential parses UID:GID[:G1,G2,...].
func parseCredential(s string) (*syscall.Credential, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return nil, fmt.Errorf("want UID:GID[:G1,G2], got %q", s)
	}
	num := func(s string) (uint32, error) {
		n, err := strconv.ParseUint(s, 10, 32)
		return uint32(n), err
	}
	uid, err1 := num(parts[0])
	gid, err2 := num(parts[1])
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("credentials %q: %w", s, err)
	}
	cred := &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}
	if len(parts) == 3 {
		for _, g := range strings.Split(parts[2], ",") {
			n, err := num(g)
			if err != nil {
				return nil, fmt.Errorf("credentials %q: %w", s, err)
			}
			cred.Groups = append(cred.Groups, n)
		}
	}
	return cred, nil
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits")
	}
	fs := flag.NewFlagSet("exits", flag.ContinueOnError)
	as := fs.String("as", "", "run as UID:GID[:G1,G2]")
	if err := fs.Parse(args); err != nil || fs.NArg() < 2 {
		ts.Fatalf("usage: exits [-as UID:GID[:G1,G2]] CODE PROG ARGS...")
	}
	want, err := strconv.Atoi(fs.Arg(0))
	ts.Check(err)
	var cred *syscall.Credential
	if *as != "" {
		cred, err = parseCredential(*as)
		ts.Check(err)
	}
	stdout, stderr, code := scriptRun(ts, cred, fs.Arg(1), fs.Args()[2:]...)
	fmt.Fprint(ts.Stdout(), stdout)
	fmt.Fprint(ts.Stderr(), stderr)
	if code != want {
		ts.Fatalf("%s exited %d, want %d", strings.Join(fs.Args()[1:], " "), code, want)
	}
}

func cmdWaitState(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 || len(args)%2 != 0 {
		ts.Fatalf("usage: waitstate PATH STATE [PATH STATE...]")
	}
	want := map[string]api.State{}
	for i := 0; i < len(args); i += 2 {
		want[strings.Trim(args[i], "/")] = api.State(args[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), scriptDeadline)
	defer cancel()
	deadline, _ := ctx.Deadline()
	w, err := watchSupd(ctx, ts.Getenv("SUPD_SOCKET"), false)
	if err != nil {
		ts.Fatalf("waitstate %s: %v", strings.Join(args, " "), err)
	}
	defer w.close()
	if got, ok := w.states(ctx, want, deadline); !ok {
		ts.Fatalf("timed out after %v waiting for %s; last: %v (%v)", scriptDeadline, strings.Join(args, " "), got, w.err)
	}
}

func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	i := slices.Index(args, "--")
	if i < 1 || i != len(args)-2 {
		ts.Fatalf("usage: [!] waitfor PROG ARGS... -- REGEX")
	}
	re, err := regexp.Compile("(?m)" + args[i+1])
	ts.Check(err)
	what := fmt.Sprintf("%s to print %s%q", strings.Join(args[:i], " "), map[bool]string{true: "no ", false: ""}[neg], args[i+1])
	deadline := time.Now().Add(scriptDeadline)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	w, err := watchSupd(ctx, ts.Getenv("SUPD_SOCKET"), true)
	if err != nil {
		ts.Fatalf("waiting for %s: %v", what, err)
	}
	defer w.close()
	var stdout, stderr string
	if !w.until(deadline, func() bool {
		stdout, stderr, _ = scriptRun(ts, nil, args[0], args[1:i]...)
		return re.MatchString(stdout) != neg
	}) {
		ts.Fatalf("timed out after %v waiting for %s; last: %s%s", scriptDeadline, what, stdout, stderr)
	}
	fmt.Fprint(ts.Stdout(), stdout)
	fmt.Fprint(ts.Stderr(), stderr)
}

func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfile FILE REGEX")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	last, err := waitFile(ts.MkAbs(args[0]), time.Now().Add(scriptDeadline), re.Match)
	if err != nil {
		ts.Fatalf("waiting for %s to match %q: %v; last: %s", args[0], args[1], err, last)
	}
}

// jsonAt returns the value at expr in v: ".", or ".key" and ".index"
// steps.
func jsonAt(v any, expr string) (any, error) {
	if !strings.HasPrefix(expr, ".") {
		return nil, fmt.Errorf("%q: want . or .key.0.key", expr)
	}
	for _, step := range strings.Split(expr, ".")[1:] {
		if step == "" {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			val, ok := x[step]
			if !ok {
				return nil, fmt.Errorf("%s: no key %q", expr, step)
			}
			v = val
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%s: no index %q in an array of %d", expr, step, len(x))
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%s: %q of a %T", expr, step, v)
		}
	}
	return v, nil
}

// jsonText renders a value for matching: a string as is, the rest as JSON.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func stdoutJSON(ts *testscript.TestScript, expr string) string {
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &v); err != nil {
		ts.Fatalf("stdout is not one JSON value: %v", err)
	}
	at, err := jsonAt(v, expr)
	ts.Check(err)
	return jsonText(at)
}

func cmdJSONPath(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: [!] jsonpath EXPR REGEX")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	got := stdoutJSON(ts, args[0])
	if re.MatchString(got) == neg {
		ts.Fatalf("%s is %s; want it %smatching %q", args[0], got, map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}

func cmdJSONEnv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonenv NAME EXPR")
	}
	ts.Setenv(args[0], stdoutJSON(ts, args[1]))
}

func cmdNDJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: ndjson FILE MIN KEY...")
	}
	min, err := strconv.Atoi(args[1])
	ts.Check(err)
	text := ts.ReadFile(args[0])
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" {
		lines = nil
	}
	if len(lines) < min {
		ts.Fatalf("%s has %d lines, want at least %d", args[0], len(lines), min)
	}
	for i, l := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			ts.Fatalf("%s line %d is not a JSON object: %v: %s", args[0], i+1, err, l)
		}
		for _, k := range args[2:] {
			if _, ok := obj[k]; !ok {
				ts.Fatalf("%s line %d has no %q: %s", args[0], i+1, k, l)
			}
		}
	}
}

func cmdAlive(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: [!] alive PID")
	}
	pid, err := strconv.Atoi(args[0])
	ts.Check(err)
	if alive(pid) == neg {
		ts.Fatalf("pid %d: alive is %v", pid, !neg)
	}
}

// The scripts' helpers must fail when they should, or the scripts prove
// nothing.
func TestScriptHelpers(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(`[{"path":"web","pid":7,"held":false,"exit":null,"children":[{"path":"web/api"}]}]`), &doc); err != nil {
		t.Fatal(err)
	}
	paths := []struct {
		expr, want string
		ok         bool
	}{
		{".", `[{"children":[{"path":"web/api"}],"exit":null,"held":false,"path":"web","pid":7}]`, true},
		{".0.path", "web", true},
		{".0.pid", "7", true},
		{".0.held", "false", true},
		{".0.exit", "null", true},
		{".0.children.0.path", "web/api", true},
		{".1.path", "", false},
		{".0.nope", "", false},
		{".0.pid.x", "", false},
		{"0.path", "", false},
	}
	for _, tt := range paths {
		v, err := jsonAt(doc, tt.expr)
		if (err == nil) != tt.ok || tt.ok && jsonText(v) != tt.want {
			t.Errorf("jsonAt(%s) = %s, %v; want %s, ok %v", tt.expr, jsonText(v), err, tt.want, tt.ok)
		}
	}
	creds := []struct {
		in   string
		want *syscall.Credential
	}{
		{"65534:65534", &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}},
		{"1:2:3,4", &syscall.Credential{Uid: 1, Gid: 2, Groups: []uint32{3, 4}}},
		{"1", nil},
		{"a:2", nil},
		{"1:2:x", nil},
		{"1:2:3:4", nil},
	}
	for _, tt := range creds {
		got, err := parseCredential(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("parseCredential(%q) = %+v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got.Uid != tt.want.Uid || got.Gid != tt.want.Gid || !slices.Equal(got.Groups, tt.want.Groups) {
			t.Errorf("parseCredential(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}
