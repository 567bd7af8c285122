package config

import (
	"reflect"
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

func TestSpecOver(t *testing.T) {
	set := func(kv ...string) spec {
		s := spec{}
		for i := 0; i < len(kv); i += 2 {
			s[kv[i]] = setting{v: kv[i+1]}
		}
		return s
	}
	tests := []struct {
		name      string
		top, base spec
		want      spec
	}{
		{"base dir kept", set(), set("logs.dir", "/d"), set("logs.dir", "/d")},
		{"own file hides base dir", set("logs.file", "/f"), set("logs.dir", "/d"), set("logs.file", "/f")},
		{"own dir hides base file", set("logs.dir", "/e"), set("logs.file", "/f"), set("logs.dir", "/e")},
		{"fields merge", set("logs.ring", "1"), set("logs.max_size", "2"), set("logs.ring", "1", "logs.max_size", "2")},
		{"own wins", set("env.A", "own"), set("env.A", "base", "env.B", "b"), set("env.A", "own", "env.B", "b")},
		{"nil base", set("restart", "x"), nil, set("restart", "x")},
	}
	for _, tt := range tests {
		if got := tt.top.over(tt.base); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
