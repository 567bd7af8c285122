package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is the category of every config error: errors.Is(err, ErrInvalid)
// holds for the error Load returns when the file was read but is not a valid
// config (as opposed to a file that cannot be read).
var ErrInvalid = errors.New("invalid config")

// Error is one problem in a config file, at a position and a field path.
type Error struct {
	File string // the config path as given to Load
	Line int    // 1-based
	Col  int    // 1-based
	Path string // e.g. `root.children[1] "api": stop_timeout`; "" for a YAML syntax error
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, e.Path, e.Msg)
}

// Unwrap makes every config error match ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// ErrorList is every error found in one file, in file order. Its Error method
// renders one error per line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap exposes the single errors to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Is reports whether target is ErrInvalid, so that even an empty list, which
// Load never returns, still reads as invalid.
func (l ErrorList) Is(target error) bool { return target == ErrInvalid }

// Warning is a config that is valid but cannot work as written (see Lint).
type Warning struct {
	File string // "" when the config was not loaded from a file
	Line int    // 0 when the position is unknown
	Col  int
	Path string
	Msg  string
}

// String renders the warning as `file:line:col: path: warning: msg`.
func (w Warning) String() string {
	var b strings.Builder
	switch {
	case w.File != "" && w.Line > 0:
		fmt.Fprintf(&b, "%s:%d:%d: ", w.File, w.Line, w.Col)
	case w.File != "":
		fmt.Fprintf(&b, "%s: ", w.File)
	}
	if w.Path != "" {
		b.WriteString(w.Path)
		b.WriteString(": ")
	}
	b.WriteString("warning: ")
	b.WriteString(w.Msg)
	return b.String()
}
