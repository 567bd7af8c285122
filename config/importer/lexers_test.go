package importer

import (
	"slices"
	"strings"
	"testing"
)

// The expected values below are what CPython gives for the same input
// (shlex.split, supervisord's shlex-based dict_of_key_value_pairs, and the
// % operator over a dict).

func TestShlexSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`a "b c" d`, []string{"a", "b c", "d"}},
		{`/usr/sbin/nginx -g "daemon off;"`, []string{"/usr/sbin/nginx", "-g", "daemon off;"}},
		{`a\ b`, []string{"a b"}},
		{`"a\"b"`, []string{`a"b`}},
		{`"a\b"`, []string{`a\b`}},
		{`'a\b'`, []string{`a\b`}},
		{`a'b'c`, []string{"abc"}},
		{`x "" y`, []string{"x", "", "y"}},
		{"  a\tb\n", []string{"a", "b"}},
		{`a#b # not a comment`, []string{"a#b", "#", "not", "a", "comment"}},
		{``, nil},
	} {
		got, err := shlexSplit.tokens(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("split %q = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`"open`, `'open`, `end\`} {
		if _, err := shlexSplit.tokens(in); err == nil {
			t.Errorf("split %q: no error", in)
		}
	}
}

func TestShlexEnv(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`A="x,y",B=2`, []string{"A", "=", "x,y", ",", "B", "=", "2"}},
		{`PATH=/usr/bin:/bin`, []string{"PATH", "=", "/usr/bin:/bin"}},
		{`A=foo@bar`, []string{"A", "=", "foo", "@", "bar"}},
		{`A=1 # trailing comment`, []string{"A", "=", "1"}},
		{`A='it''s'`, []string{"A", "=", "its"}},
		{`A=""`, []string{"A", "=", ""}},
	} {
		got, err := shlexEnv.tokens(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("tokens %q = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestPyExpand(t *testing.T) {
	x := &pyNames{vals: map[string]pyValue{
		"here":         {s: "/etc/supervisor"},
		"program_name": {s: "web"},
		"numprocs":     {num: true, n: 4},
		"process_num":  {inst: &instance{offset: 1}},
		"ENV_SET":      {s: "from the file"},
	}, env: func(string) bool { return true }}
	for _, tc := range []struct {
		in, want string // want: text.String() of the result
	}{
		{"%(here)s/conf", "/etc/supervisor/conf"},
		{"%(program_name)s_%(numprocs)03d", "web_004"},
		{"100%%", "100%"},
		{"%(program_name)-5s|", "web  |"},
		{"%(numprocs)x %(numprocs)#x", "4 0x4"},
		{"port 80%(process_num)02d", "port 80%(process_num)02d"},
		{"%(ENV_HOME)s and %(ENV_SET)s", "%(ENV_HOME)s and from the file"},
		{"no names", "no names"},
		{"", ""},
	} {
		got, err := pyExpand(tc.in, x)
		if err != nil || got.String() != tc.want {
			t.Errorf("expand %q = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	inst, _ := pyExpand("%(process_num)02d", x)
	if p := inst[0].inst; p == nil || p.verb != "%02d" || p.offset != 1 {
		t.Errorf("process_num = %+v", inst)
	}
	for in, msg := range map[string]string{
		"%s":                                "has no (name)",
		"50%":                               "lone %",
		"%(nope)s":                          `"nope" cannot be expanded`,
		"%(program_name)d":                  "needs a number",
		"%(program_name":                    "no closing",
		"%(numprocs)":                       "incomplete format",
		"%(ENV_HOME)5s":                     "only as it is",
		"%(process_num)#o":                  "0o",
		"%(program_name)*s":                 "width of *",
		"%(numprocs)c":                      "unsupported conversion",
		"%(program_name)zed":                "unsupported conversion",
		"%(numprocs)99999d":                 "width of 99999 is more",
		"%(numprocs).99999999999999999999d": "precision of 99999999999999999999 is more",
	} {
		if _, err := pyExpand(in, x); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("expand %q: err = %v, want it to say %q", in, err, msg)
		}
	}
}

func TestINI(t *testing.T) {
	c := newINI()
	r := &report{}
	c.read("a.conf", []byte(`; a comment
# another
[program:web]
Command = /bin/web --flag ; a comment
environment = A=1,
  B=2

  C=3
url=http://x/#fragment;not-a-comment
[program:web]
priority: 10
[DEFAULT]
startsecs = 7
`), r)
	if len(r.errs) > 0 {
		t.Fatal(r.errs)
	}
	sec := c.byName["program:web"]
	for key, want := range map[string]string{
		"command":     "/bin/web --flag",
		"environment": "A=1,\nB=2\n\nC=3",
		"url":         "http://x/#fragment;not-a-comment",
		"priority":    "10",
	} {
		if k, ok := sec.by[key]; !ok || k.value != want {
			t.Errorf("%s = %+v, want %q", key, k, want)
		}
	}
	if k, ok := sec.get("startsecs", c.defaults); !ok || k.value != "7" || k.line != 13 {
		t.Errorf("startsecs from [DEFAULT] = %+v", k)
	}
	if sec.by["priority"].line != 11 || sec.line != 3 {
		t.Errorf("lines: section %d, priority %d", sec.line, sec.by["priority"].line)
	}

	for in, want := range map[string]string{
		"command=x\n":                 "a.conf:1: expected a [section] header",
		"[program:x]\njust words\n":   "a.conf:2: expected key = value",
		"[program:x]\n = no key\n":    "a.conf:2: expected key = value",
		"[x]\nok=1\nbad\nworse one\n": "a.conf:3: expected key = value",
	} {
		r := &report{}
		newINI().read("a.conf", []byte(in), r)
		if len(r.errs) == 0 || !strings.HasPrefix(r.errs[0].Error(), want) {
			t.Errorf("%q: errors %v, want %q", in, r.errs, want)
		}
	}
}
