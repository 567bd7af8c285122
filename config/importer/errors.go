package importer

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnreadable is the category of every error about the input itself (as
// opposed to a file that cannot be opened).
var ErrUnreadable = errors.New("unreadable input")

// Error is one problem in the input, at a line (and a column when known).
type Error struct {
	File string
	Line int // 1-based; 0 when the problem is the whole file
	Col  int // 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

func (e *Error) Unwrap() error { return ErrUnreadable }

// ErrorList is every problem found, in the order found, one per line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

func (l ErrorList) Is(target error) bool { return target == ErrUnreadable }

// Warning is a setting the import could not carry over, at its line.
type Warning struct {
	File string
	Line int
	Msg  string
}

func (w Warning) String() string {
	if w.Line == 0 {
		return fmt.Sprintf("%s: warning: %s", w.File, w.Msg)
	}
	return fmt.Sprintf("%s:%d: warning: %s", w.File, w.Line, w.Msg)
}

// report collects the errors and warnings of one import.
type report struct {
	errs  ErrorList
	warns []Warning
}

func (r *report) errorf(file string, line int, format string, args ...any) {
	r.errs = append(r.errs, &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (r *report) warnf(file string, line int, format string, args ...any) {
	r.warns = append(r.warns, Warning{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}
