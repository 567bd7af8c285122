package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestPlanAndRequestsJSON(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{Plan{Changes: []Change{{Path: "a", Action: ActionRestart, Fields: []FieldChange{{Field: "command", Old: `["a"]`, New: `["b"]`}}}, {Path: "b", Action: ActionKeep}}},
			`{"changes":[{"path":"a","action":"restart","fields":[{"field":"command","old":"[\"a\"]","new":"[\"b\"]"}]},{"path":"b","action":"keep"}]}`},
		{Plan{Changes: []Change{}}, `{"changes":[]}`},
		{StopRequest{For: Duration(10 * time.Minute)}, `{"for":"10m0s"}`},
		{SignalRequest{Signal: "USR1"}, `{"signal":"USR1","group":false}`},
		{ScaleRequest{Replicas: 0}, `{"replicas":0}`},
		{ReloadRequest{DryRun: true}, `{"dry_run":true}`},
		{Version{Version: "1.0", Go: "go1.26", API: "v1"}, `{"version":"1.0","go":"go1.26","api":"v1"}`},
		{LogLine{Time: t0, Path: "a", Stream: "stderr", Text: "x"}, `{"time":"2025-03-01T12:00:00Z","path":"a","stream":"stderr","text":"x"}`},
		{Error{Error: "boom"}, `{"error":"boom"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("%T: got %s, want %s", tt.v, b, tt.want)
		}
	}
}
