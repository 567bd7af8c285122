package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestEventJSON(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{
			name: "state change with exit and restart",
			ev: Event{
				Seq: 7, Time: t0, Kind: EventState, Path: "web/db", Old: StateRunning, New: StateBackoff,
				Reason: string(ReasonSignal), Exit: &Exit{Signal: "SEGV", Reason: ReasonSignal, Time: t0},
				Tail:    []string{"panic: boom"},
				Restart: &Restart{Strategy: "rest_for_one", Nodes: []string{"web/db", "web/api"}, Used: 2, Max: 3, Period: Duration(5 * time.Second)},
			},
			want: `{"seq":7,"time":"2025-03-01T12:00:00Z","kind":"state","path":"web/db","old":"running","new":"backoff",` +
				`"reason":"signal","exit":{"code":null,"signal":"SEGV","core":false,"oom":false,"reason":"signal","detail":"","time":"2025-03-01T12:00:00Z"},` +
				`"tail":["panic: boom"],"restart":{"strategy":"rest_for_one","nodes":["web/db","web/api"],"used":2,"max":3,"period":"5s","delay":"0s","gave_up":false}}`,
		},
		{
			name: "reload failed",
			ev:   Event{Seq: 8, Time: t0, Kind: EventReloadFailed, Message: "supd.yaml:3:1: bad"},
			want: `{"seq":8,"time":"2025-03-01T12:00:00Z","kind":"reload_failed","path":"","message":"supd.yaml:3:1: bad"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b, tt.want)
			}
		})
	}
}
