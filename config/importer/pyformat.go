package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// supervisord expands every value it reads with Python's % operator over a
// dictionary of names: %(name)s, %(process_num)02d, and %% for a %.

// pyValue is what a name of the dictionary stands for.
type pyValue struct {
	s    string
	n    int
	num  bool      // an integer (process_num, numprocs)
	env  string    // a variable of supd's environment (ENV_X not set by the file)
	inst *instance // the instance number, with its offset (process_num under numprocs > 1)
	t    text      // a text known only when supd runs (an ENV_ name set from the environment)
}

// pyNames is the dictionary of one expansion.
type pyNames struct {
	vals map[string]pyValue
	env  func(name string) bool // whether ENV_name may stand for supd's environment
}

func (x *pyNames) lookup(name string) (pyValue, bool) {
	if v, ok := x.vals[name]; ok {
		return v, true
	}
	if env, ok := strings.CutPrefix(name, "ENV_"); ok && env != "" && x.env != nil && x.env(env) {
		return pyValue{env: env}, true
	}
	return pyValue{}, false
}

func (x *pyNames) names() []string {
	var names []string
	for k := range x.vals {
		names = append(names, k)
	}
	slices.Sort(names)
	return append(names, "ENV_*")
}

// pyExpand is Python's `s % names` for the mapping forms supervisord uses.
func pyExpand(s string, x *pyNames) (text, error) {
	var b textBuilder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.byte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("%q ends with a lone %% (write %%%% for a %%)", s)
		}
		if s[i] == '%' {
			b.byte('%')
			continue
		}
		if s[i] != '(' {
			return nil, fmt.Errorf("%q: %%%c has no (name) (write %%%% for a literal %%)", s, s[i])
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 {
			return nil, fmt.Errorf("%q: %%( has no closing )", s)
		}
		name := s[i+1 : i+end]
		i += end + 1
		spec, conv, n, err := pySpec(s[i:])
		if err != nil {
			return nil, fmt.Errorf("%q: %%(%s): %v", s, name, err)
		}
		i += n - 1
		v, ok := x.lookup(name)
		if !ok {
			return nil, fmt.Errorf("%q: the name %q cannot be expanded; available: %s", s, name, strings.Join(x.names(), ", "))
		}
		if v.t != nil {
			if spec != "" || conv != 's' {
				return nil, fmt.Errorf("%q: %%(%s)%s%c: a value known only when supd runs is inserted only as it is, with %%(%s)s",
					s, name, spec, conv, name)
			}
			for _, p := range v.t {
				b.add(p)
			}
			continue
		}
		p, err := pyFormat(v, spec, conv)
		if err != nil {
			return nil, fmt.Errorf("%q: %%(%s)%s%c: %v", s, name, spec, conv, err)
		}
		b.add(p)
	}
	return b.text(), nil
}

// maxWidth bounds the width and precision of a format, which Python does
// not, so that a typing slip cannot ask for gigabytes.
const maxWidth = 4096

func tooWide(digits string) bool {
	n, err := strconv.Atoi(digits)
	return digits != "" && (err != nil || n > maxWidth)
}

// pySpec reads the flags, width, precision, length and conversion after
// %(name): it returns the spec without the conversion, the conversion, and
// how many bytes it read.
func pySpec(s string) (spec string, conv byte, n int, err error) {
	i := 0
	for i < len(s) && strings.IndexByte("#0- +", s[i]) >= 0 {
		i++
	}
	width := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if tooWide(s[width:i]) {
		return "", 0, 0, fmt.Errorf("a width of %s is more than any setting needs", s[width:i])
	}
	if i < len(s) && s[i] == '*' {
		return "", 0, 0, fmt.Errorf("a width of * needs a positional argument")
	}
	if i < len(s) && s[i] == '.' {
		i++
		prec := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if tooWide(s[prec:i]) {
			return "", 0, 0, fmt.Errorf("a precision of %s is more than any setting needs", s[prec:i])
		}
	}
	spec = s[:i]
	for i < len(s) && strings.IndexByte("hlL", s[i]) >= 0 {
		i++
	}
	if i >= len(s) {
		return "", 0, 0, fmt.Errorf("incomplete format")
	}
	return spec, s[i], i + 1, nil
}

// pyFormat formats one value as Python would.
func pyFormat(v pyValue, spec string, conv byte) (piece, error) {
	switch {
	case v.env != "":
		if spec != "" || conv != 's' {
			return piece{}, fmt.Errorf("supd inserts an environment variable only as it is, with %%(ENV_NAME)s")
		}
		return piece{env: v.env}, nil
	case v.inst != nil:
		verb, err := intVerb(spec, conv)
		if err != nil {
			return piece{}, err
		}
		return piece{inst: &instance{offset: v.inst.offset, verb: verb}}, nil
	case v.num:
		verb, err := intVerb(spec, conv)
		if err != nil {
			return piece{}, err
		}
		if verb[len(verb)-1] == 's' {
			return piece{lit: fmt.Sprintf(verb, strconv.Itoa(v.n))}, nil
		}
		return piece{lit: fmt.Sprintf(verb, v.n)}, nil
	}
	switch conv {
	case 's':
		return piece{lit: fmt.Sprintf("%"+strings.ReplaceAll(spec, "#", "")+"s", v.s)}, nil
	case 'd', 'i', 'u', 'o', 'x', 'X', 'e', 'E', 'f', 'F', 'g', 'G', 'c':
		return piece{}, fmt.Errorf("%%%c needs a number, and this value is text", conv)
	}
	return piece{}, fmt.Errorf("unsupported conversion %%%c", conv)
}

// intVerb is the printf verb (as Go and /bin/sh's printf read it) that
// formats an integer as Python's spec and conversion do.
func intVerb(spec string, conv byte) (string, error) {
	switch conv {
	case 'd', 'i', 'u':
		conv = 'd'
	case 's', 'r', 'a':
		if strings.ContainsAny(spec, "#0 +") {
			return "", fmt.Errorf("flags %q do not apply to %%s", spec)
		}
		conv = 's'
	case 'x', 'X':
	case 'o':
		if strings.Contains(spec, "#") {
			return "", fmt.Errorf("%%#o writes 0o in Python and 0 in printf; write the prefix as text")
		}
	default:
		return "", fmt.Errorf("unsupported conversion %%%c for a number", conv)
	}
	return "%" + spec + string(conv), nil
}
