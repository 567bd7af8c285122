package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The value decoders of a worker's fields that have rules of their own.

// argv decodes a command: a list is the argv, a string runs under /bin/sh -c.
func (d *decoder) argv(n *yaml.Node, l loc) (argv []string, shell bool, ok bool) {
	nn := deref(n)
	if nn != nil && nn.Kind == yaml.SequenceNode {
		if !d.spend(nn, len(nn.Content)) {
			return nil, false, false
		}
		if len(nn.Content) == 0 {
			d.errorf(n, l, "must not be empty")
			return nil, false, false
		}
		ok = true
		for i, item := range nn.Content {
			s, good := d.str(item, l.index(i))
			if good && i == 0 && strings.TrimSpace(s) == "" {
				d.errorf(item, l.index(i), "the program name must not be empty")
				good = false
			}
			argv = append(argv, s)
			ok = ok && good
		}
		if !ok {
			return nil, false, false
		}
		return argv, false, true
	}
	s, good := d.scalarOrList(n, l)
	if !good {
		return nil, false, false
	}
	if strings.TrimSpace(s) == "" {
		d.errorf(n, l, "must not be empty")
		return nil, false, false
	}
	return []string{"/bin/sh", "-c", s}, true, true
}

// scalarOrList is str with a message that names both accepted forms.
func (d *decoder) scalarOrList(n *yaml.Node, l loc) (string, bool) {
	s, _, ok := d.scalar(n, l, "a list (the argv) or a string (run by /bin/sh -c)")
	return s, ok
}

// envValue decodes one variable of `env:`. Values may be any scalar
// (`PORT: 8080`) and are taken as text; a null value is refused rather than
// guessed.
func (d *decoder) envValue(n *yaml.Node, l loc) (string, bool) {
	if v := deref(n); v != nil && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
		d.errorf(n, l, `needs a value (write "" for an empty one)`)
		return "", false
	}
	return d.str(n, l)
}

// user decodes `user:`, resolving it.
func (d *decoder) user(n *yaml.Node, l loc) (userRef, bool) {
	name, a, ok := resolve(d, n, l, d.acct.user)
	return userRef{name, a}, ok
}

// group decodes a group name or number, resolving it.
func (d *decoder) group(n *yaml.Node, l loc) (groupRef, bool) {
	name, gid, ok := resolve(d, n, l, d.acct.group)
	return groupRef{name, gid}, ok
}

// resolve decodes a name and looks it up.
func resolve[V any](d *decoder, n *yaml.Node, l loc, lookup func(string) (V, error)) (string, V, bool) {
	var zero V
	name, ok := d.nonEmpty(n, l)
	if !ok {
		return "", zero, false
	}
	v, err := lookup(name)
	if err != nil {
		d.errorf(n, l, "%v", err)
		return "", zero, false
	}
	return name, v, true
}

func (d *decoder) restart(n *yaml.Node, l loc) (Restart, bool) {
	return enum(d, n, l, Permanent, Transient, Temporary)
}

// enum decodes one of a fixed set of words.
func enum[T ~string](d *decoder, n *yaml.Node, l loc, values ...T) (T, bool) {
	words := make([]string, len(values))
	for i, v := range values {
		words[i] = string(v)
	}
	s, tag, ok := d.scalar(n, l, orList(words))
	if !ok {
		return "", false
	}
	for _, v := range values {
		if s == string(v) {
			return v, true
		}
	}
	msg := fmt.Sprintf("must be %s, got %s", orList(words), quoteAs(s, tag))
	if sug := suggest(s, words); sug != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", sug)
	}
	d.errorf(n, l, "%s", msg)
	return "", false
}

// successCodes decodes a list of exit codes (integers) and signal names.
func (d *decoder) successCodes(n *yaml.Node, l loc) (SuccessCodes, bool) {
	nn := deref(n)
	if nn == nil || nn.Kind != yaml.SequenceNode {
		if nn != nil {
			d.errorf(n, l, "must be a list of exit codes and signal names, got %s", describe(nn))
		}
		return SuccessCodes{}, false
	}
	if !d.spend(nn, len(nn.Content)) {
		return SuccessCodes{}, false
	}
	sc := SuccessCodes{Codes: []int{}}
	ok := true
	for i, item := range nn.Content {
		il := l.index(i)
		s, tag, good := d.scalar(item, il, "an exit code or a signal name")
		if !good {
			ok = false
			continue
		}
		if tag == "!!int" || tag == expanded && isDigits(s) {
			code, good := d.count(item, il, 0, 255)
			if good {
				sc.Codes = append(sc.Codes, code)
			}
			ok = ok && good
			continue
		}
		if isDigits(s) {
			d.errorf(item, il, "%q: write an exit code as a number, unquoted; a signal goes by name (e.g. TERM)", s)
			ok = false
			continue
		}
		sig, err := parseSignal(s)
		if err != nil {
			d.errorf(item, il, "%v", err)
			ok = false
			continue
		}
		sc.Signals = append(sc.Signals, sig)
	}
	return sc, ok
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
