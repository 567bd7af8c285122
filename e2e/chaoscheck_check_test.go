package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"supd/control/api"
)

// The judge of the chaos test's event logs, on logs written by hand: each
// breaks one rule, and the judge must name it.
func TestCheckEvents(t *testing.T) {
	tree := newSpecTree(&specNode{restart: "permanent", children: []*specNode{
		{path: "L", restart: "permanent", strategy: "one_for_all", children: []*specNode{
			{path: "L/a", worker: true, restart: "permanent"},
			{path: "L/b", worker: true, restart: "permanent"},
			{path: "L/t", worker: true, restart: "temporary"},
		}},
	}})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// ev builds an event: "path old>new", with an exit of reason when
	// reason is set, and a restart of nodes (or a give-up with "GAVEUP").
	ev := func(change, reason string, restart ...string) api.Event {
		path, states, _ := strings.Cut(change, " ")
		old, new, _ := strings.Cut(states, ">")
		e := api.Event{Kind: api.EventState, Path: path, Old: api.State(old), New: api.State(new)}
		if reason != "" {
			e.Exit = &api.Exit{Reason: api.Reason(reason)}
		}
		if len(restart) == 1 && restart[0] == "GAVEUP" {
			e.Restart = &api.Restart{GaveUp: true}
		} else if len(restart) > 0 {
			e.Restart = &api.Restart{Nodes: restart}
		}
		return e
	}
	up := []api.Event{
		ev(" stopped>starting", ""),
		ev("L stopped>starting", ""),
		ev("L/a stopped>starting", ""), ev("L/a starting>running", ""),
		ev("L/b stopped>starting", ""), ev("L/b starting>running", ""),
		ev("L/t stopped>starting", ""), ev("L/t starting>running", ""),
		ev("L starting>running", ""),
		ev(" starting>running", ""),
	}
	down := []api.Event{
		{Kind: api.EventShutdown},
		ev(" running>stopping", ""),
		ev("L running>stopping", ""),
		ev("L/t running>stopping", ""), ev("L/t stopping>stopped", "signal"),
		ev("L/b running>stopping", ""), ev("L/b stopping>stopped", "signal"),
		ev("L/a running>stopping", ""), ev("L/a stopping>stopped", "signal"),
		ev("L stopping>stopped", ""),
		ev(" stopping>stopped", ""),
	}
	// aDies is a one_for_all restart after L/a was killed.
	aDies := []api.Event{
		ev("L/a running>backoff", "signal", "L/a", "L/b", "L/t"),
		ev("L/t running>stopping", ""), ev("L/t stopping>stopped", "signal"),
		ev("L/b running>stopping", ""), ev("L/b stopping>stopped", "exit"),
		ev("L/a backoff>starting", ""), ev("L/a starting>running", ""),
		ev("L/b stopped>starting", ""), ev("L/b starting>running", ""),
		ev("L/t stopped>starting", ""), ev("L/t starting>running", ""),
	}
	// giveUp is L giving up after L/b died, and its restart by the root.
	giveUp := []api.Event{
		ev("L/b running>failed", "signal", "GAVEUP"),
		ev("L running>stopping", ""),
		ev("L/t running>stopping", ""), ev("L/t stopping>stopped", "signal"),
		ev("L/a running>stopping", ""), ev("L/a stopping>stopped", "signal"),
		ev("L stopping>failed", "gave_up", "L"),
		ev("L failed>starting", ""),
		ev("L/a stopped>starting", ""), ev("L/a starting>running", ""),
		ev("L/b failed>starting", ""), ev("L/b starting>running", ""),
		ev("L/t stopped>starting", ""), ev("L/t starting>running", ""),
		ev("L starting>running", ""),
	}
	cat := func(parts ...[]api.Event) []api.Event {
		var out []api.Event
		for _, p := range parts {
			out = append(out, p...)
		}
		for i := range out {
			out[i].Seq = uint64(i + 1)
			out[i].Time = t0.Add(time.Duration(i) * time.Millisecond)
		}
		return out
	}
	without := func(evs []api.Event, i int) []api.Event {
		return append(append([]api.Event(nil), evs[:i]...), evs[i+1:]...)
	}
	manualB := []api.Event{
		ev("L/b running>stopping", ""), ev("L/b stopping>stopped", "signal"),
		ev("L/b stopped>starting", ""), ev("L/b starting>running", ""),
	}
	manualAt := func(from, to int) []manualRestart {
		return []manualRestart{{path: "L/b", t0: t0.Add(time.Duration(from) * time.Millisecond), t1: t0.Add(time.Duration(to) * time.Millisecond)}}
	}
	// The seq numbers cat gives manualB's events: up is 10 events long.
	tests := []struct {
		name     string
		events   []api.Event
		manual   []manualRestart
		complete bool
		want     string // "" = no problem, else a part of one of the problems
	}{
		{"a whole run", cat(up, down), nil, true, ""},
		{"a one_for_all restart", cat(up, aDies, down), nil, true, ""},
		{"a give-up and its restart", cat(up, giveUp, down), nil, true, ""},
		{"a log cut by SIGKILL", cat(up, aDies[:3]), nil, false, ""},
		{"a temporary worker's end", cat(up, []api.Event{ev("L/t running>failed", "signal")}, down[:3], down[5:]), nil, true, ""},
		{"a manual restart", cat(up, manualB, down), manualAt(9, 14), true, ""},
		{"a temporary worker's end before its restart", cat(up, aDies[:1], []api.Event{ev("L/t running>failed", "signal")}, aDies[3:5], aDies[5:9], down[:3], down[5:]), nil, true, ""},

		{"a lost sequence number", without(cat(up, down), 3), nil, true, "events were lost"},
		{"a lagged follower", cat(up, []api.Event{{Kind: api.EventLagged}}), nil, false, "lagged"},
		{"a lost change", cat(up[:3], up[4:], down), nil, true, "a change was lost"},
		{"a log that ends running", cat(up), nil, true, "the log ends with"},
		{"a stop without a cause", cat(up, manualB, down), nil, true, "L/b\" running→stopping): a stop without a cause"},
		{"a manual restart after the stop", cat(up, manualB, down), manualAt(11, 14), true, "a stop without a cause"},
		{"a restart that never started a node", cat(up, aDies[:9], down[:3], down[5:]), nil, true, "\"L/t\", which never started again"},
		{"a sibling left running by its restart", cat(up, aDies[:1], aDies[5:7], down), nil, true, "\"L/b\", which never started again"},
		{"a give-up without the supervisor's gave_up exit", cat(up, giveUp[:6], []api.Event{ev("L stopping>stopped", ""), {Kind: api.EventShutdown}, ev(" running>stopping", ""), ev(" stopping>stopped", "")}), nil, true, "never exited with gave_up"},
		{"a gave_up exit without a give-up", cat(up, []api.Event{ev("L running>stopping", ""), ev("L/t running>stopping", ""), ev("L/t stopping>stopped", "signal"), ev("L/b running>stopping", ""), ev("L/b stopping>stopped", "signal"), ev("L/a running>stopping", ""), ev("L/a stopping>stopped", "signal"), ev("L stopping>failed", "gave_up", "L")}), nil, false, "no child of it gave it up"},
		{"a permanent worker's exit that caused nothing", cat(up, []api.Event{ev("L/a running>failed", "signal")}, down[:7], down[9:]), nil, true, "a permanent worker exit (signal) that caused no restart"},
		{"an exit into stopped that was no stop", cat(up, []api.Event{ev("L/a running>stopped", "signal")}), nil, false, "no stop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, _ := checkEvents(tree, tt.events, tt.manual, tt.complete)
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Fatalf("problems in a good log:\n%s", strings.Join(problems, "\n"))
			case tt.want != "" && len(problems) == 0:
				t.Fatalf("no problem found, want %q", tt.want)
			case tt.want != "" && !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }):
				t.Fatalf("problems %q, want one with %q", problems, tt.want)
			}
		})
	}
}
