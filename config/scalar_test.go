package config

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in   string
		want syscall.Signal
		err  bool
	}{
		{in: "TERM", want: syscall.SIGTERM},
		{in: "SIGTERM", want: syscall.SIGTERM},
		{in: "term", want: syscall.SIGTERM},
		{in: "SigHup", want: syscall.SIGHUP},
		{in: "9", want: syscall.SIGKILL},
		{in: "64", want: 64},
		{in: "USR2", want: syscall.SIGUSR2},
		{in: "0", err: true},
		{in: "65", err: true},
		{in: "-1", err: true},
		{in: "SIG", err: true},
		{in: "", err: true},
		{in: "NOPE", err: true},
	}
	for _, tt := range tests {
		got, err := parseSignal(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseSignal(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	if got := signalName(syscall.SIGTERM); got != "TERM" {
		t.Errorf("signalName(SIGTERM) = %q", got)
	}
}

// scalarNode parses one YAML value as it would appear in a field.
func scalarNode(t *testing.T, value string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("v: "+value), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0].Content[1]
}

func newTestDecoder() *decoder {
	return &decoder{file: "t.yaml", dir: "/cfg", env: envOf("N=5\nD=2s"), acct: fakeAccounts{}, pos: map[string]pos{}}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		rule durRule
		want time.Duration
		err  string
	}{
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "1m30s", want: 90 * time.Second},
		{in: `"5s"`, want: 5 * time.Second},
		{in: "${D}", want: 2 * time.Second},
		{in: "0s", rule: nonNegative, want: 0},
		{in: "0s", rule: orInfinity, want: 0},
		{in: "infinity", rule: orInfinity, want: Infinity},
		{in: "0s", rule: positive, err: "must be longer than 0s"},
		{in: "10", err: `"10" needs a unit, e.g. 10s`},
		{in: `"10"`, err: `"10" needs a unit, e.g. 10s`},
		{in: "${N}", err: `"5" needs a unit, e.g. 5s`},
		{in: "2.5", err: `"2.5" needs a unit, e.g. 2.5s`},
		{in: "infinity", rule: nonNegative, err: `"infinity" is not a duration`},
		{in: "-1s", rule: nonNegative, err: "must not be negative"},
		{in: "10 s", err: "is not a duration"},
		{in: "[1s]", err: "must be a duration, got a list"},
		{in: "~", err: "needs a value"},
		{in: "true", err: "is not a duration"},
	}
	for _, tt := range tests {
		d := newTestDecoder()
		got, ok := d.duration(scalarNode(t, tt.in), loc{field: "f"}, tt.rule)
		checkScalar(t, d, tt.in, got, ok, tt.want, tt.err)
	}
}

func TestSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "4096", want: 4096},
		{in: "1_024", want: 1024},
		{in: "512B", want: 512},
		{in: "1KiB", want: 1 << 10},
		{in: "10MiB", want: 10 << 20},
		{in: "10 MiB", want: 10 << 20},
		{in: "2GiB", want: 2 << 30},
		{in: "0", want: 0},
		{in: "10MB", err: `unknown unit "MB"`},
		{in: "10mib", err: `unknown unit "mib"`},
		{in: "1.5MiB", err: "is not a size"},
		{in: "-1", err: "is not a size"},
		{in: "MiB", err: "is not a size"},
		{in: "9223372036854775807GiB", err: "too large"},
		{in: "{a: 1}", err: "must be a size, got a mapping"},
	}
	for _, tt := range tests {
		d := newTestDecoder()
		got, ok := d.size(scalarNode(t, tt.in), loc{field: "f"})
		checkScalar(t, d, tt.in, got, ok, tt.want, tt.err)
	}
}

func TestIntegerAndBool(t *testing.T) {
	ints := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "3", want: 3},
		{in: "0x10", want: 16},
		{in: "${N}", want: 5},
		{in: `"3"`, err: `must be an integer, got "3"`},
		{in: "3.0", err: "must be an integer, got 3.0"},
		{in: "true", err: "must be an integer"},
	}
	for _, tt := range ints {
		d := newTestDecoder()
		got, ok := d.integer(scalarNode(t, tt.in), loc{field: "f"})
		checkScalar(t, d, tt.in, got, ok, tt.want, tt.err)
	}
	bools := []struct {
		in   string
		want bool
		err  string
	}{
		{in: "true", want: true},
		{in: "false", want: false},
		{in: "True", want: true},
		{in: `"true"`, err: `must be true or false, got "true"`},
		{in: "yes", err: `must be true or false, got "yes"`},
		{in: "1", err: "must be true or false, got 1"},
	}
	for _, tt := range bools {
		d := newTestDecoder()
		got, ok := d.boolean(scalarNode(t, tt.in), loc{field: "f"})
		checkScalar(t, d, tt.in, got, ok, tt.want, tt.err)
	}
}

func TestMode(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
		err  string
	}{
		{in: `"0660"`, want: 0o660},
		{in: "0660", want: 0o660},
		{in: `"660"`, want: 0o660},
		{in: `"0o600"`, want: 0o600},
		{in: `"0777"`, want: 0o777},
		{in: `"01000"`, err: "not an octal file mode"},
		{in: `"0680"`, err: "not an octal file mode"},
		{in: `"rw-rw----"`, err: "not an octal file mode"},
	}
	for _, tt := range tests {
		d := newTestDecoder()
		got, ok := d.mode(scalarNode(t, tt.in), loc{field: "f"})
		checkScalar(t, d, tt.in, got, ok, tt.want, tt.err)
	}
}

func checkScalar[T comparable](t *testing.T, d *decoder, in string, got T, ok bool, want T, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if !ok || len(d.errs) != 0 || got != want {
			t.Errorf("%s: got %v, ok %v, errors %v; want %v", in, got, ok, d.errs, want)
		}
		return
	}
	if ok || len(d.errs) != 1 || !strings.Contains(d.errs[0].Msg, wantErr) {
		t.Errorf("%s: got %v, ok %v, errors %v; want one error containing %q", in, got, ok, d.errs, wantErr)
		return
	}
	if e := d.errs[0]; e.Line != 1 || e.Col != 4 || e.Path != "f" {
		t.Errorf("%s: error at %d:%d path %q, want 1:4 path f", in, e.Line, e.Col, e.Path)
	}
}
