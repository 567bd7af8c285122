package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"supd/control/api"
)

// layout is how the screen's height is shared: a header, the columns'
// titles, the tree, the selection's details, the pane (a title and its
// lines) and the status line.
type layout struct{ treeH, paneH int }

func (m *Model) layout() layout {
	body := m.h - 4
	if m.pane == noPane || body < 9 {
		return layout{treeH: max(body, 1)}
	}
	paneH := max(body*2/5, 3)
	return layout{treeH: body - 1 - paneH, paneH: paneH}
}

// styles are the looks of the view; without colour only bold, faint and
// reverse video.
type styles struct {
	state              map[api.State]lipgloss.Style
	err, faint, title  lipgloss.Style
	sel, held, warning lipgloss.Style
}

func (m *Model) styles() styles {
	plain := lipgloss.NewStyle()
	s := styles{
		err: plain.Bold(true), faint: plain.Faint(true), title: plain.Bold(true),
		sel: plain.Reverse(true), held: plain, warning: plain.Bold(true),
		state: map[api.State]lipgloss.Style{
			api.StateFailed: plain.Bold(true), api.StateStopped: plain.Faint(true), api.StateExited: plain.Faint(true),
		},
	}
	if m.o.Color {
		c := func(n string) lipgloss.Style { return plain.Foreground(lipgloss.Color(n)) }
		s.err, s.held, s.warning = c("1").Bold(true), c("6"), c("3").Bold(true)
		s.state = map[api.State]lipgloss.Style{
			api.StateRunning: c("2"), api.StateStarting: c("3"), api.StateStopping: c("3"),
			api.StateBackoff: c("5"), api.StateFailed: c("1").Bold(true),
			api.StateStopped: plain.Faint(true), api.StateExited: plain.Faint(true),
		}
	}
	return s
}

// View draws the model: exactly the terminal's height in lines, none
// wider than it.
func (m *Model) View() string {
	st := m.styles()
	lines := make([]string, 0, m.h)
	lines = append(lines, m.header(st))
	lo := m.layout()
	if m.mode == helping {
		for _, l := range helpLines(m.h - 2) {
			lines = append(lines, m.fit(l))
		}
	} else {
		c := m.columns()
		lines = append(lines, st.title.Render(m.fit(strings.TrimRight(c.titles(), " "))))
		lines = append(lines, m.treeLines(st, c, lo.treeH)...)
		lines = append(lines, m.detail(st))
		if lo.paneH > 0 {
			lines = append(lines, m.paneLines(st, lo.paneH+1)...)
		}
	}
	for len(lines) < m.h-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:m.h-1], m.statusLine(st))
	return strings.Join(lines, "\n")
}

// fit cuts s to the terminal's width.
func (m *Model) fit(s string) string { return ansi.Truncate(s, m.w, "…") }

// cell is s cut or padded to w cells; right aligns it.
func cell(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	pad := strings.Repeat(" ", w-ansi.StringWidth(s))
	if right {
		return pad + s
	}
	return s + pad
}

func (m *Model) header(st styles) string {
	left := "supd top · " + Escape(m.o.Socket)
	if m.t != nil {
		n, by := m.t.counts()
		parts := []string{}
		for _, s := range api.WorkerStates {
			if by[s] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", by[s], s))
			}
		}
		left += fmt.Sprintf(" · %d workers: %s", n, strings.Join(parts, ", "))
	}
	if m.filter != "" {
		left += " · filter " + strconv.Quote(m.filter)
	}
	var right string
	switch m.conn {
	case live:
		right = "live"
	case connecting:
		right = "connecting…"
	case down:
		right = "DISCONNECTED, reconnecting: " + Escape(m.connErr)
	}
	// The connection's state is never cut: the left part gives way.
	right = m.fit(right)
	room := m.w - ansi.StringWidth(right) - 2
	line := right
	if room > 0 {
		left = ansi.Truncate(left, room, "…")
		line = left + strings.Repeat(" ", room-ansi.StringWidth(left)+2) + right
	}
	if m.conn == down {
		return st.err.Render(line)
	}
	return st.title.Render(line)
}

// cols are the widths of the tree's columns.
type cols struct{ label, state, pid, up, rst, exit, note int }

func (m *Model) columns() cols {
	c := cols{state: 8, pid: 7, up: 6, rst: 3}
	labelW, exitW, noteW := 4, len("LAST EXIT"), len("STATUS")
	h := max(m.layout().treeH, 1)
	for i := m.top; i < min(m.top+h, len(m.rows)); i++ {
		r := m.rows[i]
		labelW = max(labelW, ansi.StringWidth(label(r)))
		exitW = max(exitW, ansi.StringWidth(LastExit(r.n.LastExit, m.now)))
		noteW = max(noteW, ansi.StringWidth(m.notes(r.n)))
	}
	rest := m.w - c.state - c.pid - c.up - c.rst - 6
	c.label = min(labelW, max(rest*2/5, 10))
	rest -= c.label
	c.exit = min(exitW, max(rest-noteW, rest/2, 0))
	c.note = max(rest-c.exit, 0)
	return c
}

func (c cols) titles() string {
	return strings.Join([]string{
		cell("NODE", c.label, false), cell("STATE", c.state, false), cell("PID", c.pid, true),
		cell("UPTIME", c.up, false), cell("RST", c.rst, true), cell("LAST EXIT", c.exit, false), cell("STATUS", c.note, false),
	}, " ")
}

func label(r row) string {
	name := Escape(r.n.Name)
	if r.n.Path == "" {
		name = "/"
	}
	s := r.prefix + name
	if r.hidden > 0 {
		s += fmt.Sprintf(" (+%d)", r.hidden)
	}
	return s
}

func (m *Model) treeLines(st styles, c cols, h int) []string {
	switch {
	case m.t == nil && m.conn == down:
		return []string{st.err.Render(m.fit("cannot reach supd: " + Escape(m.connErr)))}
	case m.t == nil:
		return []string{m.fit("connecting to supd at " + Escape(m.o.Socket) + " …")}
	case len(m.rows) == 0:
		return []string{m.fit(fmt.Sprintf("no node matches %q", m.filter))}
	}
	out := make([]string, 0, h)
	for i := m.top; i < min(m.top+h, len(m.rows)); i++ {
		out = append(out, m.rowLine(st, c, m.rows[i], i == m.sel))
	}
	return out
}

func (m *Model) rowLine(st styles, c cols, r row, selected bool) string {
	n := r.n
	pid, up := "-", "-"
	if n.PID != 0 {
		pid = strconv.Itoa(n.PID)
	}
	if n.StartedAt != nil {
		up = Short(m.now.Sub(*n.StartedAt))
	}
	if n.Kind == api.KindSupervisor {
		pid = ""
	}
	cells := []string{
		cell(label(r), c.label, false), cell(string(n.State), c.state, false), cell(pid, c.pid, true),
		cell(up, c.up, false), cell(strconv.Itoa(n.Restarts), c.rst, true),
		cell(LastExit(n.LastExit, m.now), c.exit, false), cell(m.notes(n), c.note, false),
	}
	if selected || m.conn != live {
		line := m.fit(strings.TrimRight(strings.Join(cells, " "), " "))
		if selected {
			return st.sel.Render(cell(line, m.w, false))
		}
		return st.faint.Render(line)
	}
	if s, ok := st.state[n.State]; ok {
		cells[1] = s.Render(cells[1])
	}
	if n.Held {
		cells[6] = st.held.Render(cells[6])
	}
	return m.fit(strings.TrimRight(strings.Join(cells, " "), " "))
}

// notes is the STATUS column: a supervisor's strategy and budget, a hold,
// STOPPING=1 and the worker's STATUS= text.
func (m *Model) notes(n *node) string {
	a := n.Node
	if a.Budget != nil {
		b := *a.Budget
		b.Used = n.budgetUsed(m.now)
		a.Budget = &b
	}
	s := Escape(Notes(&a, m.now))
	if n.Strategy != "" {
		s = strings.TrimSuffix(n.Strategy+", "+s, ", ")
	}
	return s
}

// detail is the selection in full: "web/api · worker · running, pid 42,
// up 3m · 2 restarts · last exit: code 1, exit, 1m ago · listening".
func (m *Model) detail(st styles) string {
	n := m.selected()
	if n == nil {
		return ""
	}
	parts := []string{Escape(DisplayPath(n.Path)), string(n.Kind)}
	s := string(n.State)
	if n.PID != 0 {
		s += fmt.Sprintf(", pid %d", n.PID)
	}
	if n.StartedAt != nil {
		s += ", up " + Short(m.now.Sub(*n.StartedAt))
	}
	parts = append(parts, s, fmt.Sprintf("%d restarts", n.Restarts))
	if n.LastExit != nil {
		x := "last exit: " + LastExit(n.LastExit, m.now)
		if n.LastExit.Detail != "" {
			x += " (" + Escape(n.LastExit.Detail) + ")"
		}
		parts = append(parts, x)
	}
	if note := m.notes(n); note != "" {
		parts = append(parts, note)
	}
	return st.title.Render(m.fit(strings.Join(parts, " · ")))
}

// paneLines draws the pane's title and its h-1 lines.
func (m *Model) paneLines(st styles, h int) []string {
	var title string
	var body []string
	switch m.pane {
	case logsPane:
		title = "logs"
		if m.logOn {
			title += " of " + Escape(DisplayPath(m.logPath))
		} else {
			title += " (not following)"
		}
		body = m.logLines(st, h-1)
	case eventsPane:
		title = "events"
		body = m.eventLines(st, h-1)
	}
	title = "── " + title + " "
	if w := ansi.StringWidth(title); w < m.w {
		title += strings.Repeat("─", m.w-w)
	}
	out := append([]string{st.faint.Render(m.fit(title))}, body...)
	for len(out) < h {
		out = append(out, "")
	}
	return out
}

// logLines is the end of the followed logs, scrolled back logScroll
// lines, under a failed worker's last exit and what it printed before.
func (m *Model) logLines(st styles, h int) []string {
	var out []string
	n := m.selected()
	if n != nil && n.Kind == api.KindWorker && (n.State == api.StateBackoff || n.State == api.StateExited || n.State == api.StateFailed) {
		if t, ok := m.tails[n.Path]; ok && len(t.lines) > 0 {
			x := t.exit
			out = append(out, st.err.Render(m.fit("last exit ("+LastExit(&x, m.now)+"), its last lines:")))
			lines := t.lines[max(len(t.lines)-h/2+1, 0):]
			for _, l := range lines {
				out = append(out, m.fit("  | "+Escape(l)))
			}
		}
	}
	prefix := n != nil && n.Kind == api.KindSupervisor
	room := h - len(out)
	end := len(m.logs) - m.logScroll
	for _, l := range m.logs[max(end-room, 0):max(end, 0)] {
		s := l.Time.In(m.now.Location()).Format("15:04:05") + " "
		if prefix {
			s += Escape(l.Path) + " | "
		}
		s += Escape(l.Text)
		if l.Stream == "stderr" && m.o.Color {
			out = append(out, st.warning.UnsetBold().Render(m.fit(s)))
			continue
		}
		out = append(out, m.fit(s))
	}
	return out
}

func (m *Model) eventLines(st styles, h int) []string {
	end := len(m.events) - m.evScroll
	var out []string
	for _, e := range m.events[max(end-h, 0):max(end, 0)] {
		s := m.fit(e.Time.In(m.now.Location()).Format("15:04:05") + " " + Escape(firstLine(EventSummary(e))))
		switch {
		case e.New == api.StateFailed || e.Kind == api.EventReloadFailed || e.Kind == api.EventLagged:
			s = st.err.Render(s)
		case e.Exit != nil:
			s = st.warning.UnsetBold().Render(s)
		}
		out = append(out, s)
	}
	return out
}

func (m *Model) statusLine(st styles) string {
	var s string
	switch m.mode {
	case filtering:
		s = "/" + Escape(m.input) + "▏  enter: keep · esc: clear"
	case confirming:
		return st.warning.Render(m.fit(Escape(m.question)))
	case choosingSignal:
		group := "off"
		if m.sigGroup {
			group = "on"
		}
		s = fmt.Sprintf("signal %s: ◀ %s ▶  ←/→ or a letter: choose · g: whole group (%s) · enter: send · esc: cancel",
			Escape(DisplayPath(m.pending.Path)), Signals[m.sigIdx], group)
		return st.warning.Render(m.fit(s))
	case enteringHold:
		s = "stop " + Escape(DisplayPath(m.pending.Path)) + " for (e.g. 10m, 1h30m): " + Escape(m.input) + "▏"
	case enteringReplicas:
		s = "scale " + Escape(DisplayPath(m.pending.Path)) + " to instances: " + Escape(m.input) + "▏"
	case helping:
		s = "any key: back"
	default:
		if m.status != "" {
			if m.statusErr {
				return st.err.Render(m.fit(Escape(m.status)))
			}
			return m.fit(Escape(m.status))
		}
		s = "q quit · / filter · s start · x stop · X stop for · r restart · K signal · S scale · l logs · e events · ? help"
		return st.faint.Render(m.fit(s))
	}
	return m.fit(s)
}

var helpText = []string{
	"keys",
	"  ↑ ↓  j k         move the selection       PgUp PgDn  Home End  g G",
	"  ← →  - +         collapse, expand a supervisor (← on a worker: go to its supervisor)",
	"  enter, space     collapse or expand",
	"  /                filter by path (enter keeps it, esc clears it)",
	"  s                start the selection (a supervisor: its subtree) and end its hold",
	"  x                stop it and hold it stopped (a subtree asks first)",
	"  X                stop it for a while (10m, 1h30m), then it starts again",
	"  r                restart it (a subtree asks first)",
	"  K                send a signal to a worker (g: its whole process group)",
	"  S                scale a replica set",
	"  l  e  tab        the logs pane (of the selection), the events pane, switch",
	"  [  ]             scroll the pane back, forward",
	"  R  ctrl+l        read the whole tree again",
	"  esc              clear the filter and the message",
	"  q  ctrl+c        quit",
	"",
	"Manual starts, stops and restarts count toward no restart budget.",
	"Worker output is shown with its control characters escaped (^[ is ESC).",
}

func helpLines(h int) []string {
	if len(helpText) > h {
		return helpText[:max(h, 0)]
	}
	return helpText
}
