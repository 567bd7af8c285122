package config

import (
	"fmt"
	"strings"
)

// expand replaces ${VAR} and ${VAR:-default} in s, one decoded scalar, with
// values from env. As in the shell, `:-` also takes the default when VAR is
// set but empty, and a default may itself hold ${...}; it is only evaluated
// when used, so an unset variable inside an unused default is no error. `$$`
// is a literal `$`, and a `$` followed by anything else is kept, so that
// `sh -c 'echo $HOME'` reaches the shell untouched. changed reports whether
// anything was replaced: a scalar that was written as a string but came out
// of an expansion may then stand for a number or a boolean.
//
// ${SUPD_INSTANCE} is not looked up in env: instance gives its value, or the
// error that it has none here.
func expand(s string, env func(string) (string, bool), instance func() (string, error)) (out string, changed bool, err error) {
	if !strings.Contains(s, "$") {
		return s, false, nil
	}
	x := expander{s: s, env: env, instance: instance}
	out, err = x.text(false)
	if err != nil {
		return "", false, err
	}
	return out, x.changed, nil
}

type expander struct {
	s        string
	i        int
	env      func(string) (string, bool)
	instance func() (string, error)
	skip     int // > 0 while reading a default that will not be used
	changed  bool
}

// text reads up to the end of s or, inside a default, up to its closing
// brace, which it leaves for the caller.
func (x *expander) text(inDefault bool) (string, error) {
	var b strings.Builder
	for x.i < len(x.s) {
		c := x.s[x.i]
		if inDefault && c == '}' {
			return b.String(), nil
		}
		if c != '$' || x.i+1 == len(x.s) {
			b.WriteByte(c)
			x.i++
			continue
		}
		switch x.s[x.i+1] {
		case '$':
			b.WriteByte('$')
			x.i += 2
			x.changed = true
		case '{':
			v, err := x.variable()
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			x.changed = true
		default:
			b.WriteByte('$')
			x.i++
		}
	}
	if inDefault {
		return "", fmt.Errorf("unterminated ${ in %q", x.s)
	}
	return b.String(), nil
}

// variable reads one ${...} starting at x.i.
func (x *expander) variable() (string, error) {
	start := x.i
	j := x.i + 2
	for j < len(x.s) && isEnvNameByte(x.s[j], j == x.i+2) {
		j++
	}
	name := x.s[x.i+2 : j]
	switch {
	case j == len(x.s):
		return "", fmt.Errorf("unterminated ${ in %q", x.s)
	case name == "":
		end := len(x.s)
		if k := strings.IndexByte(x.s[start:], '}'); k >= 0 {
			end = start + k + 1
		}
		return "", fmt.Errorf("bad variable name in %q: want ${NAME} or ${NAME:-default}", x.s[start:end])
	case x.s[j] == '}':
		x.i = j + 1
		v, ok, err := x.lookup(name)
		if err != nil {
			return "", err
		}
		if !ok && x.skip == 0 {
			return "", fmt.Errorf("${%s} is not set (write ${%s:-default} to give a default)", name, name)
		}
		return v, nil
	case strings.HasPrefix(x.s[j:], ":-"):
		x.i = j + 2
		v, ok, err := x.lookup(name)
		if err != nil {
			return "", err
		}
		use := !ok || v == ""
		if !use {
			x.skip++
		}
		def, err := x.text(true)
		if !use {
			x.skip--
		}
		if err != nil {
			return "", err
		}
		x.i++ // the closing brace
		if use {
			return def, nil
		}
		return v, nil
	default:
		return "", fmt.Errorf("bad ${%s%c...} in %q: want ${NAME} or ${NAME:-default}", name, x.s[j], x.s)
	}
}

// lookup finds a variable's value. Inside a default that will not be used
// nothing is asked, so ${SUPD_INSTANCE} there is no error either.
func (x *expander) lookup(name string) (string, bool, error) {
	if name != InstanceVar {
		v, ok := x.env(name)
		return v, ok, nil
	}
	if x.skip > 0 {
		return "", true, nil
	}
	v, err := x.instance()
	return v, err == nil, err
}

func isEnvNameByte(c byte, first bool) bool {
	switch {
	case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		return true
	case '0' <= c && c <= '9':
		return !first
	}
	return false
}
