package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"supd/osproc"
	"supd/tree"
)

// NewLogger builds supd's own logger: format "text" or "json", level
// "debug", "info", "warn" or "error". It writes to w from a goroutine of
// its own (asyncHandler): logging never blocks on w.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(newAsyncHandler(w, func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, opts) })), nil
	case "json":
		return slog.New(newAsyncHandler(w, func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, opts) })), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
}

// logEvent writes one tree event to supd's log with the fixed keys.
func logEvent(log *slog.Logger, e tree.Event) {
	path := e.Path
	if path == "" {
		path = "/"
	}
	attrs := []any{"path", path, "state", string(e.New), "from", string(e.Old)}
	level := slog.LevelInfo
	if x := e.Exit; x != nil {
		attrs = append(attrs, exitAttrs(x)...)
		if e.New == tree.Failed || e.New == tree.Backoff {
			level = slog.LevelWarn
		}
	}
	if r := e.Restart; r != nil {
		if r.GaveUp {
			attrs = append(attrs, "gave_up", true)
			level = slog.LevelError
		} else {
			attrs = append(attrs, "restart", string(r.Strategy)+" "+strings.Join(r.Nodes, ","))
			if r.Delay > 0 {
				attrs = append(attrs, "backoff", r.Delay.String())
			}
		}
		attrs = append(attrs, "budget", fmt.Sprintf("%d/%d in %s", r.Used, r.Max, r.Period))
	}
	log.Log(context.Background(), level, "state", attrs...)
}

// exitAttrs is the one rendering of an exit for supd's log: the reason, a
// code or a signal only when a process ended, and the detail.
func exitAttrs(x *tree.ExitInfo) []any {
	attrs := []any{"reason", string(x.Reason)}
	if st := x.Status; st != nil {
		if st.Signal != 0 {
			attrs = append(attrs, "signal", osproc.SignalName(st.Signal))
		} else {
			attrs = append(attrs, "code", st.Code)
		}
		if st.Core {
			attrs = append(attrs, "core", true)
		}
		if st.OOM {
			attrs = append(attrs, "oom", true)
		}
	}
	if x.Detail != "" {
		attrs = append(attrs, "err", x.Detail)
	}
	return attrs
}
