package config

import (
	"errors"
	"testing"
)

func TestErrorList(t *testing.T) {
	_, _, err := parseString(t, "version: 1\nroot:\n  strategy: bad\n  children: 3\n", "")
	want := `supd.yaml:3:13: root: strategy: must be one_for_one, one_for_all or rest_for_one, got "bad"
supd.yaml:4:13: root: children: must be a list of nodes, got a number 3`
	if err == nil || err.Error() != want {
		t.Fatalf("err =\n%v\nwant\n%s", err, want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Error("errors.Is(err, ErrInvalid) is false")
	}
	var one *Error
	if !errors.As(err, &one) || one.Line != 3 || one.Col != 13 || one.Path != "root: strategy" {
		t.Errorf("errors.As *Error = %+v", one)
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Errorf("errors.As ErrorList = %v", list)
	}
}

func TestWarningString(t *testing.T) {
	tests := []struct {
		w    Warning
		want string
	}{
		{Warning{File: "s.yaml", Line: 3, Col: 5, Path: "root: max_restarts", Msg: "m"}, "s.yaml:3:5: root: max_restarts: warning: m"},
		{Warning{File: "s.yaml", Path: "p", Msg: "m"}, "s.yaml: p: warning: m"},
		{Warning{Path: "p", Msg: "m"}, "p: warning: m"},
	}
	for _, tt := range tests {
		if got := tt.w.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
