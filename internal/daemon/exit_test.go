package daemon

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"supd/osproc"
	"supd/tree"
)

// Every exit is rendered for the API and for the log from the same record:
// a code or a signal exactly when a process ended.
func TestExitRendering(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	status := func(e osproc.Exit) *osproc.Exit { return &e }
	tests := []struct {
		name   string
		exit   tree.ExitInfo
		code   string // the API's code, "" for none
		signal string
		log    string
	}{
		{"plain exit", tree.ExitInfo{Status: status(osproc.Exit{Code: 1}), Reason: tree.ReasonExit},
			"1", "", "[reason exit code 1]"},
		{"exit 0 before ready", tree.ExitInfo{Status: status(osproc.Exit{}), Reason: tree.ReasonStartFailed, Detail: "exited before it was ready"},
			"0", "", "[reason start_failed code 0 err exited before it was ready]"},
		{"unhealthy, stopped by TERM", tree.ExitInfo{Status: status(osproc.Exit{Signal: syscall.SIGTERM}), Reason: tree.ReasonUnhealthy, Detail: "connection refused"},
			"", "TERM", "[reason unhealthy signal TERM err connection refused]"},
		{"killed with a core", tree.ExitInfo{Status: status(osproc.Exit{Signal: syscall.SIGSEGV, Core: true}), Reason: tree.ReasonSignal},
			"", "SEGV", "[reason signal signal SEGV core true]"},
		{"oom", tree.ExitInfo{Status: status(osproc.Exit{Signal: syscall.SIGKILL, OOM: true}), Reason: tree.ReasonOOM},
			"", "KILL", "[reason oom signal KILL oom true]"},
		{"exec failed: no process", tree.ExitInfo{Reason: tree.ReasonStartFailed, Detail: `exec "x": no such file`},
			"", "", `[reason start_failed err exec "x": no such file]`},
		{"a supervisor gave up", tree.ExitInfo{Reason: tree.ReasonGaveUp},
			"", "", "[reason gave_up]"},
		{"exit 0 as a success", tree.ExitInfo{Status: status(osproc.Exit{}), Reason: tree.ReasonExit},
			"0", "", "[reason exit code 0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.exit.Time = t0
			e := apiExit(&tt.exit)
			code := ""
			if e.Code != nil {
				code = fmt.Sprint(*e.Code)
			}
			if code != tt.code || e.Signal != tt.signal {
				t.Errorf("API: code %q signal %q, want %q %q", code, e.Signal, tt.code, tt.signal)
			}
			if st := tt.exit.Status; st != nil && (e.Core != st.Core || e.OOM != st.OOM) {
				t.Errorf("API: core %v oom %v, want %v %v", e.Core, e.OOM, st.Core, st.OOM)
			}
			if string(e.Reason) != string(tt.exit.Reason) || e.Detail != tt.exit.Detail || !e.Time.Equal(t0) {
				t.Errorf("API: %+v does not carry the reason, detail and time", e)
			}
			if got := fmt.Sprint(exitAttrs(&tt.exit)); got != tt.log {
				t.Errorf("log: %s, want %s", got, tt.log)
			}
		})
	}
	if apiExit(nil) != nil {
		t.Error("apiExit(nil) is not nil")
	}
}
