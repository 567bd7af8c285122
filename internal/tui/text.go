package tui

import (
	"fmt"
	"strings"
	"time"

	"supd/control/api"
)

// The text forms of the API's values, shared by supctl's commands and top.

// DisplayPath shows the root, whose path is "", as "/".
func DisplayPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// Short renders a duration in its two largest units: "45s", "3m12s",
// "2h5m", "3d4h", "3m".
func Short(d time.Duration) string {
	s := int64(max(d, 0) / time.Second)
	two := func(a int64, ua string, b int64, ub string) string {
		if b == 0 {
			return fmt.Sprintf("%d%s", a, ua)
		}
		return fmt.Sprintf("%d%s%d%s", a, ua, b, ub)
	}
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return two(s/60, "m", s%60, "s")
	case s < 86400:
		return two(s/3600, "h", s%3600/60, "m")
	}
	return two(s/86400, "d", s%86400/3600, "h")
}

// Ago renders how long before now t was, in its largest unit: "3s ago",
// "1m ago", "5h ago", "2d ago".
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
}

// Period renders a supervisor's period as it would be written: "5s",
// "1m30s", "500ms".
func Period(d api.Duration) string {
	if time.Duration(d) < time.Second {
		return time.Duration(d).String()
	}
	return Short(time.Duration(d))
}

// ExitCause is the one rendering of an exit in supctl's text and top:
// "code 1, exit", "signal KILL (core dumped), watchdog", "signal KILL
// (oom), oom", or the reason alone when no process ended ("start_failed",
// "gave_up").
func ExitCause(e *api.Exit) string {
	var how string
	switch {
	case e.Code != nil:
		how = fmt.Sprintf("code %d", *e.Code)
	case e.Signal != "":
		how = "signal " + e.Signal
	default:
		return string(e.Reason)
	}
	if e.Core {
		how += " (core dumped)"
	}
	if e.OOM {
		how += " (oom)"
	}
	return how + ", " + string(e.Reason)
}

// LastExit is the LAST EXIT column: "code 1, exit, 3s ago", or "-".
func LastExit(e *api.Exit, now time.Time) string {
	if e == nil {
		return "-"
	}
	return ExitCause(e) + ", " + Ago(now, e.Time)
}

// Budget is a supervisor's restart budget: "2/3 in 5s".
func Budget(b *api.Budget) string {
	return fmt.Sprintf("%d/%d in %s", b.Used, b.Max, Period(b.Period))
}

// Notes is the STATUS column: a supervisor's budget, a hold, sd_notify's
// STOPPING=1 and STATUS= text.
func Notes(n *api.Node, now time.Time) string {
	var parts []string
	if n.Budget != nil {
		parts = append(parts, "budget "+Budget(n.Budget))
	}
	if n.Replicas != nil {
		// "3/4 running" where the instances are at hand (status, tree),
		// the count alone where they are not (top keeps nodes one by one).
		if len(n.Children) == *n.Replicas && *n.Replicas > 0 {
			running := 0
			for _, c := range n.Children {
				if c.State == api.StateRunning {
					running++
				}
			}
			parts = append(parts, fmt.Sprintf("%d/%d running", running, *n.Replicas))
		} else {
			parts = append(parts, fmt.Sprintf("replicas %d", *n.Replicas))
		}
	}
	if n.Held {
		if n.HeldUntil != nil {
			parts = append(parts, "held for "+Short(n.HeldUntil.Sub(now)))
		} else {
			parts = append(parts, "held until started")
		}
	}
	if n.Stopping {
		parts = append(parts, "stopping")
	}
	if n.Status != "" {
		parts = append(parts, n.Status)
	}
	return strings.Join(parts, "; ")
}

// EventSummary is an event without its time and tail: "web/api: running
// -> backoff: code 1, exit; one_for_one restarts web/api after 200ms
// (budget 1/3 in 5s)", "reload failed: MESSAGE", "shutdown: SIGTERM". A
// message may hold several lines.
func EventSummary(e api.Event) string {
	var b strings.Builder
	switch e.Kind {
	case api.EventState:
		fmt.Fprintf(&b, "%s: %s -> %s", DisplayPath(e.Path), e.Old, e.New)
		switch {
		case e.Exit != nil:
			b.WriteString(": " + ExitCause(e.Exit))
			if e.Exit.Detail != "" {
				b.WriteString(" (" + e.Exit.Detail + ")")
			}
		case e.Reason != "":
			b.WriteString(" (" + e.Reason + ")")
		}
		if r := e.Restart; r != nil {
			b.WriteString("; " + DescribeRestart(r))
		}
	case api.EventReloadFailed:
		b.WriteString("reload failed")
	default:
		b.WriteString(string(e.Kind))
		if e.Path != "" {
			b.WriteString(" " + e.Path)
		}
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// DescribeRestart is "rest_for_one restarts web/db, web/api after 200ms
// (budget 2/3 in 5s)" or "one_for_one gave up: budget 4/3 in 5s".
func DescribeRestart(r *api.Restart) string {
	budget := fmt.Sprintf("budget %d/%d in %s", r.Used, r.Max, Period(r.Period))
	if r.GaveUp {
		return fmt.Sprintf("%s gave up: %s", r.Strategy, budget)
	}
	paths := make([]string, len(r.Nodes))
	for i, p := range r.Nodes {
		paths[i] = DisplayPath(p)
	}
	s := fmt.Sprintf("%s restarts %s", r.Strategy, strings.Join(paths, ", "))
	if r.Delay > 0 {
		s += " after " + Period(api.Duration(time.Duration(r.Delay).Round(time.Millisecond)))
	}
	return s + " (" + budget + ")"
}
