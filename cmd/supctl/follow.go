package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"supd/control/api"
	"supd/control/client"
	"supd/internal/escape"
	"supd/internal/tui"
)

func (a *app) logsCmd() *cobra.Command {
	var follow, reopen bool
	var n int
	cmd := &cobra.Command{
		Use:   "logs [PATH]",
		Short: "Print workers' recent output",
		Long: `Print the last N lines (counted over all the workers shown) of the output of
the worker at PATH, or of every worker below it (without PATH: all), from
supd's in-memory ring buffers; -f then follows new lines. Lines of several
workers interleave in time order, each prefixed with its worker's path.

With -o json: one JSON object a line, as GET /v1/logs:
{"time", "path", "stream", "text"}.

--reopen prints nothing of the rings: it makes supd close every worker's log
file and open it again at its path, for logrotate's postrotate (with -o json:
{"files": N}). It returns once the files are reopened and exits 1 naming any
that could not be.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completePaths,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 0 {
				return fmt.Errorf("invalid -n %d: must not be negative", n)
			}
			if reopen {
				if len(args) > 0 || follow || cmd.Flags().Changed("lines") {
					return fmt.Errorf("--reopen takes no PATH, -f or -n: it reopens every log file")
				}
				r, err := a.api().ReopenLogs(cmd.Context())
				if err != nil {
					return failed(err)
				}
				if a.json() {
					return a.printJSON(r)
				}
				fmt.Fprintf(a.stdout, "reopened %d log files\n", r.Files)
				return nil
			}
			path := ""
			if len(args) == 1 {
				path = strings.Trim(args[0], "/")
			}
			ctx := cmd.Context()
			prefix := func(api.LogLine) string { return "" }
			if !a.json() {
				// Lines are prefixed unless PATH is a single worker.
				node, err := a.api().Node(ctx, path)
				if err != nil {
					return failed(err)
				}
				if node.Kind != api.KindWorker {
					width := 0
					node.Walk(func(w *api.Node) {
						if w.Kind == api.KindWorker {
							width = max(width, len(w.Path))
						}
					})
					prefix = func(l api.LogLine) string { return fmt.Sprintf("%-*s | ", width, l.Path) }
				}
			}
			print := func(l api.LogLine) {
				if a.json() {
					a.printJSON(l)
					return
				}
				fmt.Fprintf(a.stdout, "%s%s\n", prefix(l), escape.Text(l.Text))
			}
			if !follow {
				lines, err := a.api().Logs(ctx, path, n)
				if err != nil {
					return failed(err)
				}
				for _, l := range lines {
					print(l)
				}
				return nil
			}
			s, err := a.api().FollowLogs(ctx, path, n)
			if err != nil {
				return failed(err)
			}
			defer s.Close()
			return followStream(s, func(l api.LogLine) error { print(l); return nil })
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "follow new lines")
	cmd.Flags().IntVarP(&n, "lines", "n", 100, "number of lines")
	cmd.Flags().BoolVar(&reopen, "reopen", false, "reopen every worker's log file (after logrotate moved them)")
	return cmd
}

// followStream prints a stream until it ends: cleanly (the server stopped,
// or SIGINT/SIGTERM ended supctl) or with an error.
func followStream[T any](s *client.Stream[T], print func(T) error) error {
	for {
		v, err := s.Next()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, context.Canceled):
			return nil
		case err != nil:
			return failed(err)
		}
		if err := print(v); err != nil {
			return err
		}
	}
}

func (a *app) eventsCmd() *cobra.Command {
	var follow bool
	var n int
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Print supd's recent events",
		Long: `Print supd's recent events (state changes with their causes, reloads,
shutdown): the last N kept (default 100; with -f, 0 unless -n is given),
then with -f every new one. A follower that falls too far behind is
dropped by supd: supctl then prints the "lagged" event and exits 1.

With -o json: one JSON object a line, as GET /v1/events: {"seq", "time",
"kind", "path", "old", "new", "reason", "exit", "tail", "restart",
"message"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 0 {
				return fmt.Errorf("invalid -n %d: must not be negative", n)
			}
			if follow && !cmd.Flags().Changed("lines") {
				n = 0
			}
			print := func(e api.Event) error {
				if a.json() {
					a.printJSON(e)
				} else {
					fmt.Fprint(a.stdout, a.formatEvent(e))
				}
				if e.Kind == api.EventLagged {
					return &runError{code: exitFailed, err: errors.New("events: supctl fell behind and supd dropped it; events were lost")}
				}
				return nil
			}
			ctx := cmd.Context()
			if !follow {
				evs, err := a.api().Events(ctx, n)
				if err != nil {
					return failed(err)
				}
				for _, e := range evs {
					print(e)
				}
				return nil
			}
			s, err := a.api().FollowEvents(ctx, n)
			if err != nil {
				return failed(err)
			}
			defer s.Close()
			return followStream(s, print)
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "follow new events")
	cmd.Flags().IntVarP(&n, "lines", "n", 100, "number of past events")
	return cmd
}

// formatEvent renders an event as a line, and a state change's last output
// lines indented below it:
//
//	2025-03-01 12:00:03.120 web/api: running -> backoff: code 1, exit; one_for_one restarts web/api (budget 1/3 in 5s)
//	    | panic: boom
func (a *app) formatEvent(e api.Event) string {
	var b strings.Builder
	b.WriteString(e.Time.In(a.loc).Format("2006-01-02 15:04:05.000"))
	b.WriteByte(' ')
	// A multi-line message (a config's errors) stays indented under it.
	lines := strings.Split(tui.EventSummary(e), "\n")
	for i, l := range lines {
		lines[i] = escape.Text(l)
	}
	b.WriteString(strings.Join(lines, "\n    "))
	b.WriteByte('\n')
	for _, l := range e.Tail {
		b.WriteString("    | " + escape.Text(l) + "\n")
	}
	return b.String()
}
