package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"supd/control/api"
)

// Options configure a Model.
type Options struct {
	// Socket is the control socket's path, shown in the header.
	Socket string
	// Color draws states in colour; without it (NO_COLOR, or a terminal
	// without colours) only bold, faint and reverse video are used.
	Color bool
}

// Sizes of what the model keeps.
const (
	keptLogs    = 1000 // lines of the logs pane
	keptEvents  = 1000 // events of the events pane
	historyN    = 200  // past events read on connecting
	followN     = 200  // past lines read on following a node's logs
	maxFetch    = 32   // nodes fetched one by one; more, and the tree is read again
	followDelay = 150 * time.Millisecond
)

type connState int

const (
	connecting connState = iota
	live
	down
)

type mode int

const (
	normal mode = iota
	filtering
	confirming
	choosingSignal
	enteringHold
	enteringReplicas
	helping
)

type pane int

const (
	noPane pane = iota
	logsPane
	eventsPane
)

// Signals offered by the signal chooser.
var Signals = []string{"HUP", "INT", "QUIT", "USR1", "USR2", "TERM", "KILL", "CONT", "STOP", "WINCH"}

// exitTail is the last exit of a worker with the lines it printed before.
type exitTail struct {
	exit  api.Exit
	lines []string
}

// Model is the state of `supctl top`. Its zero value is not usable; use
// New.
type Model struct {
	o    Options
	now  time.Time
	w, h int

	// The connection: answers of an older generation are dropped.
	gen     int
	conn    connState
	connErr string
	attempt int    // failed attempts since the last connection
	lastSeq uint64 // seq of the stream's last event; 0 before the first

	t         *tree // nil before the first connection
	rows      []row
	sel       int    // index in rows
	selPath   string // the selection, kept across rebuilds of rows
	top       int    // first row drawn
	collapsed map[string]bool
	filter    string

	stale    map[string]bool // nodes to fetch for what events do not say
	fetching bool

	pane      pane
	logs      []api.LogLine
	logGen    int
	logPath   string // the followed node; valid while logOn
	logOn     bool
	logScroll int // lines scrolled back from the end
	events    []api.Event
	paneSeq   uint64 // the newest event in the pane
	evScroll  int
	tails     map[string]exitTail

	mode     mode
	input    string
	pending  Act // awaiting confirmation
	question string
	sigIdx   int
	sigGroup bool

	status    string
	statusErr bool
}

// New returns a model that has not connected yet; Init says how to start.
func New(o Options, now time.Time) *Model {
	return &Model{
		o: o, now: now, w: 80, h: 24,
		collapsed: map[string]bool{}, stale: map[string]bool{}, tails: map[string]exitTail{},
		pane: logsPane, sigIdx: slices.Index(Signals, "TERM"),
	}
}

// Init is the first effects: connect.
func (m *Model) Init() []Effect {
	m.gen = 1
	return []Effect{Connect{Gen: m.gen}}
}

// Update applies msg and returns the effects it calls for.
func (m *Model) Update(msg Msg) []Effect {
	switch msg := msg.(type) {
	case KeyMsg:
		return m.key(msg)
	case ResizeMsg:
		m.w, m.h = max(msg.Width, 1), max(msg.Height, 1)
		m.scrollTo()
	case TickMsg:
		m.now = msg.Now
	case ConnectedMsg:
		if msg.Gen == m.gen {
			return m.connected(msg)
		}
	case ConnectFailedMsg:
		if msg.Gen == m.gen {
			return m.lost(msg.Err, true)
		}
	case StreamEndedMsg:
		if msg.Gen == m.gen {
			return m.lost(msg.Err, false)
		}
	case EventsMsg:
		if msg.Gen == m.gen && m.conn == live {
			return m.applyEvents(msg.Events)
		}
	case NodesMsg:
		if msg.Gen == m.gen && m.conn == live {
			return m.nodes(msg)
		}
	case LogsMsg:
		if msg.Gen == m.logGen {
			m.logs = appendKept(m.logs, keptLogs, msg.Lines...)
			if m.logScroll > 0 {
				m.logScroll += len(msg.Lines)
			}
		}
	case LogsEndedMsg:
		if msg.Gen == m.logGen {
			m.logOn = false
			if msg.Err != nil && m.conn == live {
				m.setError("logs of %s: %v", DisplayPath(m.logPath), msg.Err)
			}
		}
	case ActDoneMsg:
		return m.acted(msg)
	case followMsg:
		if msg.gen == m.logGen {
			return m.followNow()
		}
	}
	return nil
}

func appendKept[T any](s []T, keep int, v ...T) []T {
	s = append(s, v...)
	if len(s) > keep {
		s = append(s[:0:0], s[len(s)-keep:]...)
	}
	return s
}

// reconnectDelay is the wait before the attempt'th reconnection.
func reconnectDelay(attempt int) time.Duration {
	return min(250*time.Millisecond<<max(attempt-1, 0), 2*time.Second)
}

// resync drops the current connection's streams and reads everything
// again, at once.
func (m *Model) resync(why string) []Effect {
	m.gen++
	m.conn = connecting
	m.fetching = false
	clear(m.stale)
	if why != "" {
		m.setStatus("%s; reading the tree again", why)
	}
	return []Effect{Connect{Gen: m.gen}}
}

func (m *Model) connected(msg ConnectedMsg) []Effect {
	if m.attempt > 0 || m.conn == down {
		m.setStatus("connected to supd again")
	}
	m.conn, m.connErr, m.attempt, m.lastSeq = live, "", 0, 0
	m.t = newTree(msg.Tree, m.now)
	m.rebuild()
	m.addEvents(msg.History, true)
	var fx []Effect
	if m.pane == logsPane {
		fx = append(fx, m.followNow()...)
	}
	return fx
}

// lost handles a connection that failed or ended: keep what is shown,
// say so, and try again.
func (m *Model) lost(err error, failed bool) []Effect {
	m.attempt++
	m.conn = down
	switch {
	case err != nil:
		m.connErr = err.Error()
	case failed:
		m.connErr = "cannot connect"
	default:
		m.connErr = "supd closed the connection"
	}
	m.fetching = false
	clear(m.stale)
	m.logOn = false
	m.gen++
	return []Effect{StopLogs{}, Connect{Gen: m.gen, After: reconnectDelay(m.attempt)}}
}

// applyEvents applies a batch of the stream's events to the tree.
func (m *Model) applyEvents(evs []api.Event) []Effect {
	for _, e := range evs {
		if e.Kind == api.EventLagged {
			m.addEvents([]api.Event{e}, false)
			return m.resync("top fell behind supd's events")
		}
		if m.lastSeq != 0 && e.Seq != m.lastSeq+1 {
			return m.resync(fmt.Sprintf("events %d to %d were lost", m.lastSeq+1, e.Seq-1))
		}
		m.lastSeq = e.Seq
		m.addEvents([]api.Event{e}, false)
		switch e.Kind {
		case api.EventState:
			n := m.t.byPath[e.Path]
			if n == nil {
				return m.resync("") // a node top does not know yet: the tree changed
			}
			m.t.apply(n, e)
			m.stale[e.Path] = true
		case api.EventReload:
			return m.resync("reloaded")
		case api.EventReloadFailed:
			m.setError("reload failed: %s", firstLine(e.Message))
		case api.EventShutdown:
			m.setStatus("supd is shutting down")
		}
	}
	return m.fetch()
}

// addEvents adds events to the events pane, once each (the history read
// on connecting and the stream overlap), and remembers the last exit of
// each worker with the lines it printed. A history that ends before the
// pane does comes from a supd that started again and numbers anew.
func (m *Model) addEvents(evs []api.Event, history bool) {
	if history && len(evs) > 0 && evs[len(evs)-1].Seq < m.paneSeq {
		m.paneSeq = 0
	}
	for _, e := range evs {
		if e.Seq <= m.paneSeq && e.Kind != api.EventLagged {
			continue
		}
		m.paneSeq = max(m.paneSeq, e.Seq)
		m.events = appendKept(m.events, keptEvents, e)
		if m.evScroll > 0 {
			m.evScroll++
		}
		if e.Exit != nil && e.Kind == api.EventState {
			m.tails[e.Path] = exitTail{exit: *e.Exit, lines: e.Tail}
		}
	}
}

// fetch asks for the nodes events changed, unless a fetch is under way
// (its answer asks for the rest). A node's subtree comes with it, so the
// descendants of a stale supervisor are not asked for again.
func (m *Model) fetch() []Effect {
	if m.fetching || len(m.stale) == 0 || m.conn != live {
		return nil
	}
	var paths []string
	for p := range m.stale {
		covered := false
		for q := range m.stale {
			if q != p && (q == "" || strings.HasPrefix(p, q+"/")) {
				covered = true
				break
			}
		}
		if !covered {
			paths = append(paths, p)
		}
	}
	clear(m.stale)
	if len(paths) > maxFetch || slices.Contains(paths, "") {
		return m.resync("")
	}
	slices.Sort(paths)
	m.fetching = true
	return []Effect{FetchNodes{Gen: m.gen, Paths: paths}}
}

func (m *Model) nodes(msg NodesMsg) []Effect {
	m.fetching = false
	for i := range msg.Nodes {
		if !m.t.update(&msg.Nodes[i], m.now) {
			return m.resync("")
		}
	}
	if errors.Is(msg.Err, api.ErrNotFound) {
		return m.resync("")
	}
	return m.fetch()
}

func (m *Model) acted(msg ActDoneMsg) []Effect {
	a := msg.Act
	what := string(a.Action) + " " + DisplayPath(a.Path)
	if msg.Err != nil {
		m.setError("%s: %v", what, msg.Err)
		return nil
	}
	m.setStatus("%s: %s", what, describeNode(&msg.Node, m.now))
	if m.t != nil && m.conn == live && !m.t.update(&msg.Node, m.now) {
		return m.resync("")
	}
	return nil
}

// describeNode is a node after an action: "stopped; held until started",
// "running, pid 42".
func describeNode(n *api.Node, now time.Time) string {
	s := string(n.State)
	if n.PID != 0 {
		s += fmt.Sprintf(", pid %d", n.PID)
	}
	if note := Notes(n, now); note != "" {
		s += "; " + note
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func (m *Model) setStatus(format string, args ...any) {
	m.status, m.statusErr = fmt.Sprintf(format, args...), false
}

func (m *Model) setError(format string, args ...any) {
	m.status, m.statusErr = fmt.Sprintf(format, args...), true
}

// rebuild flattens the tree again after its shape, the filter or a
// collapse changed, keeping the selection on the same node if it is still
// shown.
func (m *Model) rebuild() {
	if m.t == nil {
		return
	}
	m.rows = m.t.rows(m.filter, m.collapsed)
	m.sel = min(m.sel, max(len(m.rows)-1, 0))
	for i, r := range m.rows {
		if r.n.Path == m.selPath {
			m.sel = i
			break
		}
	}
	if len(m.rows) > 0 {
		m.selPath = m.rows[m.sel].n.Path
	}
	m.scrollTo()
}

// selected is the selected node, or nil.
func (m *Model) selected() *node {
	if m.sel < len(m.rows) {
		return m.rows[m.sel].n
	}
	return nil
}

// Selected is the selected node's path; false when nothing is shown.
func (m *Model) Selected() (string, bool) {
	n := m.selected()
	if n == nil {
		return "", false
	}
	return n.Path, true
}

// Node is the node at path as top knows it, without its children.
func (m *Model) Node(path string) (api.Node, bool) {
	if m.t == nil {
		return api.Node{}, false
	}
	n := m.t.byPath[path]
	if n == nil {
		return api.Node{}, false
	}
	out := n.Node
	if out.Budget != nil {
		b := *out.Budget
		b.Used = n.budgetUsed(m.now)
		out.Budget = &b
	}
	return out, true
}

// Status is the status line's message and whether it reports an error.
func (m *Model) Status() (string, bool) { return m.status, m.statusErr }

// Live reports whether top is connected to supd.
func (m *Model) Live() bool { return m.conn == live }
