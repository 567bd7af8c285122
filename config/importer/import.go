package importer

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"
)

// Result is an imported supd.yaml.
type Result struct {
	Format   Format
	YAML     []byte
	Warnings []Warning // settings the import could not carry over, in file order
}

// Import reads the file at path and translates it. An error is an
// ErrorList (errors.Is(err, ErrUnreadable)) naming file:line for input it
// cannot read, or the error that kept a file from being read at all.
func Import(path string, opt Options) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("importing: %w", err)
	}
	if opt.Env == nil {
		opt.Env = os.LookupEnv
	}
	if opt.Hostname == "" {
		if opt.Hostname, err = os.Hostname(); err != nil {
			return nil, fmt.Errorf("importing: %w", err)
		}
	}
	from := opt.From
	if from == "" {
		if from, err = Guess(path, data); err != nil {
			return nil, err
		}
	}
	r := &report{}
	if !textFile(path, data, r) {
		return nil, r.errs
	}
	var f *File
	switch from {
	case Supervisord:
		f = importSupervisord(path, data, opt, r)
	case ProcessCompose:
		f = importProcessCompose(path, data, r)
	case Procfile:
		f = importProcfile(path, data, r)
	default:
		return nil, fmt.Errorf("importing: unknown format %q (use %s)", from, formatList())
	}
	if len(r.errs) > 0 {
		return nil, r.errs
	}
	boundShutdown(f)
	f.Head = append([]string{fmt.Sprintf("Imported from %s (%s) by supd import.", filepath.Base(path), from)}, f.Head...)
	out, err := Encode(f)
	if err != nil {
		return nil, err
	}
	return &Result{Format: from, YAML: out, Warnings: sortWarnings(path, r.warns)}, nil
}

// sortWarnings puts warnings in line order within each file: the main
// file first, then the others in the order they were first warned about.
func sortWarnings(main string, ws []Warning) []Warning {
	first := map[string]int{main: -1}
	for i, w := range ws {
		if _, ok := first[w.File]; !ok {
			first[w.File] = i
		}
	}
	slices.SortStableFunc(ws, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(first[a.File], first[b.File]), cmp.Compare(a.Line, b.Line))
	})
	return ws
}

// textFile reports whether data is UTF-8 text without NUL bytes, as every
// source's tool needs it; if not, the error names the line of the first
// bad byte.
func textFile(path string, data []byte, r *report) bool {
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		return true
	}
	line := 1
	for len(data) > 0 {
		c, size := utf8.DecodeRune(data)
		switch {
		case c == utf8.RuneError && size <= 1:
			r.errorf(path, line, "not UTF-8 text")
			return false
		case c == 0:
			r.errorf(path, line, "a NUL byte, which no command, path or variable can hold")
			return false
		case c == '\n':
			line++
		}
		data = data[size:]
	}
	return false
}
