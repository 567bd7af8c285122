package config

import (
	"errors"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := envOf("HOME=/home/u\nEMPTY=\nA=a\nB=b")
	tests := []struct {
		in      string
		want    string
		changed bool
		err     string

		env        string // added to the environment
		noInstance bool   // ${SUPD_INSTANCE} has no value here
	}{
		{in: "plain", want: "plain"},
		{in: "", want: ""},
		{in: "${HOME}/x", want: "/home/u/x", changed: true},
		{in: "a${A}b${B}c", want: "aabbc", changed: true},
		{in: "$$", want: "$", changed: true},
		{in: "$${HOME}", want: "${HOME}", changed: true},
		{in: "$$$$", want: "$$", changed: true},
		{in: "echo $HOME", want: "echo $HOME"},
		{in: "cost: 5$", want: "cost: 5$"},
		{in: "$1 $@ $(x)", want: "$1 $@ $(x)"},
		{in: "${UNSET:-dflt}", want: "dflt", changed: true},
		{in: "${EMPTY:-dflt}", want: "dflt", changed: true},
		{in: "${EMPTY}", want: "", changed: true},
		{in: "${A:-dflt}", want: "a", changed: true},
		{in: "${UNSET:-}", want: "", changed: true},
		{in: "${UNSET:-${A}}", want: "a", changed: true},
		{in: "${UNSET:-x${UNSET2:-y}z}", want: "xyz", changed: true},
		{in: "${A:-${UNSET}}", want: "a", changed: true}, // an unused default is not evaluated
		{in: "${UNSET:-$$}", want: "$", changed: true},
		{in: "${UNSET:-a}}", want: "a}", changed: true},
		{in: "}{", want: "}{"},
		{in: "${UNSET}", err: "${UNSET} is not set"},
		{in: "x ${UNSET:-${UNSET2}}", err: "${UNSET2} is not set"},
		{in: "${", err: "unterminated ${"},
		{in: "${A", err: "unterminated ${"},
		{in: "${A:-x", err: "unterminated ${"},
		{in: "${}", err: "bad variable name"},
		{in: "${9A}", err: "bad variable name"},
		{in: "${A-x}", err: "want ${NAME} or ${NAME:-default}"},
		{in: "${A:x}", err: "want ${NAME} or ${NAME:-default}"},
		// ${SUPD_INSTANCE} comes from the instance, never from env.
		{in: "p${SUPD_INSTANCE}", want: "p<i>", changed: true},
		{in: "${SUPD_INSTANCE:-x}", want: "<i>", changed: true},
		{in: "${UNSET:-${SUPD_INSTANCE}}", want: "<i>", changed: true},
		{in: "${A:-${SUPD_INSTANCE}}", want: "a", changed: true},
		{in: "$${SUPD_INSTANCE}", want: "${SUPD_INSTANCE}", changed: true},
		{in: "${SUPD_INSTANCE}", env: "SUPD_INSTANCE=7", noInstance: true, err: "no instance"},
		{in: "${A:-${SUPD_INSTANCE}}", noInstance: true, want: "a", changed: true}, // unused: no error
	}
	for _, tt := range tests {
		lookup := env
		if tt.env != "" {
			extra := envOf(tt.env)
			lookup = func(k string) (string, bool) {
				if v, ok := extra(k); ok {
					return v, true
				}
				return env(k)
			}
		}
		instance := func() (string, error) { return "<i>", nil }
		if tt.noInstance {
			instance = func() (string, error) { return "", errors.New("no instance here") }
		}
		got, changed, err := expand(tt.in, lookup, instance)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("expand(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.err)
			}
		case err != nil:
			t.Errorf("expand(%q): %v", tt.in, err)
		case got != tt.want || changed != tt.changed:
			t.Errorf("expand(%q) = %q, changed %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
	}
}
