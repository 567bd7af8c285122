package importer

import (
	"regexp"
	"strings"
	"unicode"
)

// ini is what Python's RawConfigParser reads, as supervisord configures it
// (inline comments after ; or # preceded by whitespace, sections that
// repeat merge, the last value of a key wins, keys lowercased, values
// continued on more-indented lines), keeping where each key came from.
type ini struct {
	sections []*iniSection // in the order first seen
	byName   map[string]*iniSection
	defaults *iniSection // [DEFAULT]: a fallback for every section
}

type iniSection struct {
	name string
	file string
	line int
	keys []*iniKey // in the order first seen
	by   map[string]*iniKey
}

type iniKey struct {
	name  string
	value string
	file  string
	line  int
}

func newINI() *ini {
	return &ini{byName: map[string]*iniSection{}, defaults: &iniSection{name: "DEFAULT", by: map[string]*iniKey{}}}
}

// get returns a key of the section, or of [DEFAULT].
func (s *iniSection) get(key string, defaults *iniSection) (*iniKey, bool) {
	if k, ok := s.by[key]; ok {
		return k, true
	}
	k, ok := defaults.by[key]
	return k, ok
}

var (
	iniSectionRE = regexp.MustCompile(`^\[(.+)\]`)
	iniOptionRE  = regexp.MustCompile(`^(.*?)\s*(=|:)\s*(.*)$`)
)

// read parses one file into c; errors go to r with their line.
func (c *ini) read(file string, data []byte, r *report) {
	src := strings.ReplaceAll(string(data), "\r\n", "\n")
	src = strings.TrimPrefix(src, "\ufeff")
	var cur *iniSection
	var key *iniKey
	var cont []string // the lines of key's value
	indent := -1
	flush := func() {
		if key != nil {
			key.value = strings.TrimRightFunc(strings.Join(cont, "\n"), unicode.IsSpace)
		}
		key, cont = nil, nil
	}
	for i, line := range strings.Split(src, "\n") {
		lineno := i + 1
		start := commentStart(line)
		value := strings.TrimSpace(line[:start])
		if value == "" {
			// A blank line inside a value is part of it; a comment line
			// is skipped.
			if start == len(line) && key != nil {
				cont = append(cont, "")
			}
			continue
		}
		lead := len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
		if key != nil && lead > indent {
			cont = append(cont, value)
			continue
		}
		flush()
		indent = lead
		if m := iniSectionRE.FindStringSubmatch(value); m != nil {
			name := m[1]
			switch s, ok := c.byName[name]; {
			case name == "DEFAULT":
				cur = c.defaults
			case ok:
				cur = s
			default:
				cur = &iniSection{name: name, file: file, line: lineno, by: map[string]*iniKey{}}
				c.byName[name] = cur
				c.sections = append(c.sections, cur)
			}
			continue
		}
		if cur == nil {
			r.errorf(file, lineno, "expected a [section] header before %q: every line of a supervisord file belongs to a section", value)
			return
		}
		m := iniOptionRE.FindStringSubmatch(value)
		if m == nil || strings.TrimSpace(m[1]) == "" {
			r.errorf(file, lineno, "expected key = value or a [section] header, got %q", value)
			continue
		}
		name := strings.ToLower(strings.TrimRight(m[1], " \t"))
		k, ok := cur.by[name]
		if !ok {
			k = &iniKey{name: name}
			cur.by[name] = k
			cur.keys = append(cur.keys, k)
		}
		k.file, k.line = file, lineno
		key, cont = k, []string{strings.TrimSpace(m[3])}
	}
	flush()
}

// commentStart returns where the comment of a line begins, len(line) when
// it has none: a line whose first non-blank character is ; or #, or a ; or
// # after whitespace.
func commentStart(line string) int {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, ";") || strings.HasPrefix(t, "#") {
		return 0
	}
	for i := 0; i < len(line); i++ {
		if (line[i] == ';' || line[i] == '#') && (i == 0 || isSpaceByte(line[i-1])) {
			return i
		}
	}
	return len(line)
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' }
