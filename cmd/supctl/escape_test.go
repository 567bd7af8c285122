package main

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"supd/control/api"
)

// Worker output and STATUS= text reach the terminal with their control
// characters escaped (a worker could otherwise forge another's lines or
// rewrite the screen); -o json keeps their bytes.
func TestWorkerTextIsEscaped(t *testing.T) {
	evil := "done\r\x1b[2Kdb | forged \x1b]0;title\x07\tend"
	shown := `done^M^[[2Kdb | forged ^[]0;title^G` + "\tend"
	node := api.Node{Path: "w", Name: "w", Kind: api.KindWorker, State: api.StateRunning, PID: 7, Since: t0, Status: evil}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/nodes/{path...}", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, node) })
	mux.HandleFunc("GET /v1/logs", func(w http.ResponseWriter, r *http.Request) {
		writeLines(w, api.LogLine{Time: t0, Path: "w", Stream: "stdout", Text: evil})
	})
	mux.HandleFunc("GET /v1/events", func(w http.ResponseWriter, r *http.Request) {
		writeLines(w, api.Event{Seq: 1, Time: t0, Kind: api.EventState, Path: "w", Old: api.StateRunning, New: api.StateFailed,
			Exit: &api.Exit{Code: api.IntPtr(1), Reason: api.ReasonExit, Time: t0}, Tail: []string{evil}})
	})
	sock := filepath.Join(t.TempDir(), "supd.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	for _, args := range [][]string{{"logs", "w"}, {"status", "w"}, {"events"}} {
		out, _, code := supctl(sock, args...)
		if code != 0 || !strings.Contains(out, shown) || strings.ContainsAny(out, "\r\x1b\x07") {
			t.Errorf("supctl %s: exit %d\n%q\nwant %q shown, no control character", strings.Join(args, " "), code, out, shown)
		}
	}
	out, _, _ := supctl(sock, "-o", "json", "logs", "w")
	if !strings.Contains(out, `"text":"done\r\u001b[2Kdb | forged \u001b]0;title\u0007\tend"`) {
		t.Errorf("-o json logs: %s, want the bytes as they came", out)
	}
}
