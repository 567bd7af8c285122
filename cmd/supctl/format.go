package main

import (
	"fmt"
	"strings"
	"time"

	"supd/control/api"
)

// displayPath shows the root, whose path is "", as "/".
func displayPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// short renders a duration in its two largest units: "45s", "3m12s",
// "2h5m", "3d4h", "3m".
func short(d time.Duration) string {
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

// ago renders how long before now t was, in its largest unit: "3s ago",
// "1m ago", "5h ago", "2d ago".
func ago(now, t time.Time) string {
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

// period renders a supervisor's period as it would be written: "5s",
// "1m30s", "500ms".
func period(d api.Duration) string {
	if time.Duration(d) < time.Second {
		return time.Duration(d).String()
	}
	return short(time.Duration(d))
}

// exitCause is "code 1, exit", "signal KILL (core dumped), watchdog", or
// the reason alone when no process status applies ("start_failed",
// "gave_up").
func exitCause(e *api.Exit) string {
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
	return how + ", " + string(e.Reason)
}

// lastExit is the LAST EXIT column: "code 1, exit, 3s ago", or "-".
func lastExit(e *api.Exit, now time.Time) string {
	if e == nil {
		return "-"
	}
	return exitCause(e) + ", " + ago(now, e.Time)
}

// budget is a supervisor's restart budget: "2/3 in 5s".
func budget(b *api.Budget) string {
	return fmt.Sprintf("%d/%d in %s", b.Used, b.Max, period(b.Period))
}

func pid(n *api.Node) string {
	if n.PID == 0 {
		return "-"
	}
	return fmt.Sprint(n.PID)
}

func uptime(n *api.Node, now time.Time) string {
	if n.StartedAt == nil {
		return "-"
	}
	return short(now.Sub(*n.StartedAt))
}

// notes is the STATUS column: a supervisor's budget, a hold, sd_notify's
// STOPPING=1 and STATUS= text.
func notes(n *api.Node, now time.Time) string {
	var parts []string
	if n.Budget != nil {
		parts = append(parts, "budget "+budget(n.Budget))
	}
	if n.Replicas != nil {
		parts = append(parts, fmt.Sprintf("replicas %d", *n.Replicas))
	}
	if n.Held {
		if n.HeldUntil != nil {
			parts = append(parts, "held for "+short(n.HeldUntil.Sub(now)))
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

// table aligns tab-separated cells into columns two spaces apart, without
// trailing blanks.
func table(rows [][]string) string {
	widths := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
