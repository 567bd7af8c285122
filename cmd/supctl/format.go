package main

import (
	"fmt"
	"strings"
	"time"

	"supd/control/api"
	"supd/internal/escape"
	"supd/internal/tui"
)

// The text forms of the API's values are top's too.
var (
	displayPath = tui.DisplayPath
	short       = tui.Short
	ago         = tui.Ago
	period      = tui.Period
	exitCause   = tui.ExitCause
	lastExit    = tui.LastExit
	budget      = tui.Budget
)

// notes is top's STATUS column, its STATUS= text (a worker's) escaped for
// the terminal.
func notes(n *api.Node, now time.Time) string { return escape.Text(tui.Notes(n, now)) }

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
