package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"supd/control/api"
)

// key handles one key press in the current mode. Ctrl-C quits in every
// mode; q quits where it is not text being typed.
func (m *Model) key(k KeyMsg) []Effect {
	if k.Key == "ctrl+c" {
		return []Effect{Quit{}}
	}
	switch m.mode {
	case filtering:
		return m.filterKey(k)
	case confirming:
		m.mode = normal
		if k.Key == "y" || k.Key == "Y" {
			return m.act(m.pending)
		}
		m.setStatus("%s %s: cancelled", m.pending.Action, DisplayPath(m.pending.Path))
		return nil
	case choosingSignal:
		return m.signalKey(k)
	case enteringHold, enteringReplicas:
		return m.inputKey(k)
	case helping:
		m.mode = normal
		return nil
	}
	switch k.Key {
	case "q":
		return []Effect{Quit{}}
	case "up", "k":
		return m.move(-1)
	case "down", "j":
		return m.move(1)
	case "pgup", "ctrl+b":
		return m.move(-max(m.layout().treeH-1, 1))
	case "pgdown", "ctrl+f":
		return m.move(max(m.layout().treeH-1, 1))
	case "home", "g":
		return m.move(-len(m.rows))
	case "end", "G":
		return m.move(len(m.rows))
	case "left", "-":
		return m.collapse()
	case "right", "+":
		return m.expand()
	case "enter", "space":
		if n := m.selected(); n != nil && len(n.kids) > 0 {
			if m.collapsed[n.Path] {
				return m.expand()
			}
			return m.collapse()
		}
	case "/":
		m.mode, m.input = filtering, m.filter
	case "esc":
		m.status = ""
		if m.filter != "" {
			m.filter = ""
			m.rebuild()
			return m.selectionChanged()
		}
	case "?":
		m.mode = helping
	case "l":
		return m.showPane(logsPane)
	case "e":
		return m.showPane(eventsPane)
	case "tab":
		if m.pane == logsPane {
			return m.showPane(eventsPane)
		}
		return m.showPane(logsPane)
	case "[":
		m.scrollPane(max(m.layout().paneH/2, 1))
	case "]":
		m.scrollPane(-max(m.layout().paneH/2, 1))
	case "R", "ctrl+l":
		if m.conn == live {
			return m.resync("refreshed")
		}
	case "s":
		return m.ask(ActStart)
	case "x":
		return m.ask(ActStop)
	case "r":
		return m.ask(ActRestart)
	case "X":
		if n := m.target(); n != nil {
			m.mode, m.input = enteringHold, ""
			m.pending = Act{Action: ActStop, Path: n.Path}
		}
	case "K":
		if n := m.target(); n != nil {
			if n.Kind != api.KindWorker {
				m.setError("signal: %s is a supervisor; select a worker", DisplayPath(n.Path))
				return nil
			}
			m.mode, m.sigGroup = choosingSignal, false
			m.pending = Act{Action: ActSignal, Path: n.Path}
		}
	case "S":
		if n := m.target(); n != nil {
			if n.Replicas == nil {
				m.setError("scale: %s is not a replica set", DisplayPath(n.Path))
				return nil
			}
			m.mode, m.input = enteringReplicas, strconv.Itoa(*n.Replicas)
			m.pending = Act{Action: ActScale, Path: n.Path}
		}
	}
	return nil
}

// target is the selection to act on, or nil with the reason in the
// status line.
func (m *Model) target() *node {
	n := m.selected()
	switch {
	case m.conn != live:
		m.setError("not connected to supd")
		return nil
	case n == nil:
		m.setError("nothing selected")
		return nil
	}
	return n
}

// ask acts on the selection, after a confirmation when a stop or restart
// would touch a whole subtree.
func (m *Model) ask(a Action) []Effect {
	n := m.target()
	if n == nil {
		return nil
	}
	act := Act{Action: a, Path: n.Path}
	if a != ActStart && n.Kind == api.KindSupervisor {
		m.mode, m.pending = confirming, act
		m.question = fmt.Sprintf("%s %s and the %d nodes below it? [y/N]", a, DisplayPath(n.Path), n.below())
		return nil
	}
	return m.act(act)
}

func (m *Model) act(a Act) []Effect {
	m.setStatus("%s %s …", a.Action, DisplayPath(a.Path))
	return []Effect{a}
}

func (m *Model) move(by int) []Effect {
	if len(m.rows) == 0 {
		return nil
	}
	sel := min(max(m.sel+by, 0), len(m.rows)-1)
	if sel == m.sel {
		return nil
	}
	m.sel, m.selPath = sel, m.rows[sel].n.Path
	m.scrollTo()
	return m.selectionChanged()
}

func (m *Model) collapse() []Effect {
	n := m.selected()
	if n == nil {
		return nil
	}
	if len(n.kids) > 0 && !m.collapsed[n.Path] && m.filter == "" {
		m.collapsed[n.Path] = true
		m.rebuild()
		return nil
	}
	if n.parent == nil {
		return nil
	}
	// Already collapsed, or a worker: go to the parent.
	m.selPath = n.parent.Path
	m.rebuild()
	return m.selectionChanged()
}

func (m *Model) expand() []Effect {
	if n := m.selected(); n != nil && m.collapsed[n.Path] {
		delete(m.collapsed, n.Path)
		m.rebuild()
	}
	return nil
}

func (m *Model) filterKey(k KeyMsg) []Effect {
	switch k.Key {
	case "enter":
		m.mode = normal
		return nil
	case "esc":
		m.mode, m.input = normal, ""
	case "up", "down":
		return m.move(map[string]int{"up": -1, "down": 1}[k.Key])
	case "backspace":
		_, size := utf8.DecodeLastRuneInString(m.input)
		m.input = m.input[:len(m.input)-size]
	case "ctrl+u":
		m.input = ""
	default:
		if k.Text == "" {
			return nil
		}
		m.input += k.Text
	}
	m.filter = m.input
	m.rebuild()
	// Select the first match rather than an ancestor shown for context.
	f := strings.ToLower(m.filter)
	if n := m.selected(); f != "" && n != nil && !strings.Contains(strings.ToLower(n.Path), f) {
		for i, r := range m.rows {
			if strings.Contains(strings.ToLower(r.n.Path), f) {
				m.sel, m.selPath = i, r.n.Path
				m.scrollTo()
				break
			}
		}
	}
	return m.selectionChanged()
}

func (m *Model) signalKey(k KeyMsg) []Effect {
	switch k.Key {
	case "left", "h", "shift+tab":
		m.sigIdx = (m.sigIdx + len(Signals) - 1) % len(Signals)
	case "right", "l", "tab", "space":
		m.sigIdx = (m.sigIdx + 1) % len(Signals)
	case "g":
		m.sigGroup = !m.sigGroup
	case "enter":
		m.mode = normal
		a := m.pending
		a.Signal, a.Group = Signals[m.sigIdx], m.sigGroup
		return m.act(a)
	case "esc", "q":
		m.mode = normal
		m.setStatus("signal: cancelled")
	default:
		// The first signal whose name starts with the letter typed.
		if i := slices.IndexFunc(Signals, func(s string) bool { return k.Text != "" && strings.HasPrefix(s, strings.ToUpper(k.Text)) }); i >= 0 {
			m.sigIdx = i
		}
	}
	return nil
}

// inputKey edits the answer to a prompt: a hold's duration or a replica
// count.
func (m *Model) inputKey(k KeyMsg) []Effect {
	switch k.Key {
	case "esc":
		m.mode = normal
		m.setStatus("%s: cancelled", m.pending.Action)
	case "backspace":
		_, size := utf8.DecodeLastRuneInString(m.input)
		m.input = m.input[:len(m.input)-size]
	case "ctrl+u":
		m.input = ""
	case "enter":
		m.mode = normal
		a := m.pending
		in := strings.TrimSpace(m.input)
		if a.Action == ActScale {
			n, err := strconv.Atoi(in)
			if err != nil || n < 0 {
				m.setError("scale %s: %q is not a number of instances (0 or more)", DisplayPath(a.Path), in)
				return nil
			}
			a.Replicas = n
			return m.act(a)
		}
		d, err := time.ParseDuration(in)
		if err != nil || d <= 0 {
			m.setError("stop %s: %q is not a duration such as 10m or 1h30m", DisplayPath(a.Path), in)
			return nil
		}
		a.Hold = d
		return m.act(a)
	default:
		if len(m.input) < 32 {
			m.input += k.Text
		}
	}
	return nil
}

// showPane shows p, or hides it if it is shown; the logs pane follows the
// selection's logs while it is shown.
func (m *Model) showPane(p pane) []Effect {
	if m.pane == p {
		m.pane = noPane
	} else {
		m.pane = p
	}
	if m.pane == logsPane {
		return m.followNow()
	}
	if m.logOn {
		m.logOn = false
		m.logGen++
		return []Effect{StopLogs{}}
	}
	return nil
}

// selectionChanged follows the new selection's logs once it has stayed
// selected for a moment, so that scrolling through the tree does not open
// a stream per node passed.
func (m *Model) selectionChanged() []Effect {
	if m.pane != logsPane || (m.logOn && m.logPath == m.selPath) {
		return nil
	}
	m.logGen++
	m.logOn = false
	return []Effect{StopLogs{}, Later{After: followDelay, Msg: followMsg{gen: m.logGen}}}
}

// followNow follows the selection's logs.
func (m *Model) followNow() []Effect {
	n := m.selected()
	if n == nil || m.conn != live {
		return nil
	}
	m.logGen++
	m.logs, m.logPath, m.logOn, m.logScroll = nil, n.Path, true, 0
	return []Effect{FollowLogs{Gen: m.logGen, Path: n.Path, N: followN}}
}

func (m *Model) scrollPane(by int) {
	if m.pane == logsPane {
		m.logScroll = min(max(m.logScroll+by, 0), max(len(m.logs)-1, 0))
	} else if m.pane == eventsPane {
		m.evScroll = min(max(m.evScroll+by, 0), max(len(m.events)-1, 0))
	}
}

// scrollTo keeps the selection within the rows drawn.
func (m *Model) scrollTo() {
	h := max(m.layout().treeH, 1)
	if m.sel < m.top {
		m.top = m.sel
	}
	if m.sel >= m.top+h {
		m.top = m.sel - h + 1
	}
	m.top = max(min(m.top, len(m.rows)-h), 0)
}
