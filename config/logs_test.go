package config

import (
	"testing"
)

func TestLogsForwardAuto(t *testing.T) {
	c := mustParse(t, `version: 1
logs: {dir: /l}
root:
  children:
    - {name: dir, command: [x]}
    - {name: file, command: [x], logs: {file: /f.log}}
    - {name: none, command: [x], logs: {dir: ""}}
    - {name: off, command: [x], logs: {dir: "", forward: false}}
    - {name: on, command: [x], logs: {forward: true}}
    - name: web
      children: [{name: api, command: [x]}]
`)
	want := map[string]struct {
		file    string
		forward bool
	}{
		"dir":     {"/l/dir.log", false},
		"file":    {"/f.log", false},
		"none":    {"", true},
		"off":     {"", false},
		"on":      {"/l/on.log", true},
		"web/api": {"/l/web_api.log", false},
	}
	for path, w := range c.Workers() {
		if got := want[path]; w.Logs.File != got.file || w.Logs.Forward != got.forward {
			t.Errorf("%s: file %q forward %v, want %q %v", path, w.Logs.File, w.Logs.Forward, got.file, got.forward)
		}
		delete(want, path)
	}
	if len(want) != 0 {
		t.Errorf("workers not seen: %v", want)
	}
}

func TestLogsOver(t *testing.T) {
	set := func(s string) opt[string] { return opt[string]{set: true, v: s} }
	tests := []struct {
		name       string
		top, base  logsSpec
		dir, file  string
		maxSizeSet bool
	}{
		{"base dir kept", logsSpec{}, logsSpec{dir: set("/d")}, "/d", "", false},
		{"own file hides base dir", logsSpec{file: set("/f")}, logsSpec{dir: set("/d")}, "", "/f", false},
		{"own dir hides base file", logsSpec{dir: set("/e")}, logsSpec{file: set("/f")}, "/e", "", false},
		{"fields merge", logsSpec{}, logsSpec{maxSize: opt[int64]{set: true, v: 1}}, "", "", true},
	}
	for _, tt := range tests {
		got := tt.top.over(tt.base)
		if got.dir.v != tt.dir || got.file.v != tt.file || got.maxSize.set != tt.maxSizeSet {
			t.Errorf("%s: got %+v", tt.name, got)
		}
	}
}
