package tui

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"supd/control/api"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func fixture() api.Tree {
	hour := t0.Add(-time.Hour)
	w := func(path, name string, st api.State, pid int) api.Node {
		n := api.Node{Path: path, Name: name, Kind: api.KindWorker, State: st, PID: pid, Since: hour}
		if pid != 0 {
			n.StartedAt = &hour
		}
		return n
	}
	sup := func(path, name, strategy string, kids ...api.Node) api.Node {
		return api.Node{Path: path, Name: name, Kind: api.KindSupervisor, State: api.StateRunning, Since: hour, StartedAt: &hour,
			Strategy: strategy, Budget: &api.Budget{Max: 3, Period: api.Duration(5 * time.Second)}, Children: kids}
	}
	pool := sup("pool", "pool", "one_for_one", w("pool/0", "0", api.StateRunning, 300), w("pool/1", "1", api.StateRunning, 301))
	pool.Replicas = api.IntPtr(2)
	root := sup("", "", "one_for_one",
		w("db", "db", api.StateRunning, 100),
		sup("web", "web", "rest_for_one", w("web/api", "api", api.StateRunning, 101), w("web/front", "front", api.StateRunning, 102)),
		pool,
	)
	return api.Tree{Root: root}
}

// harness drives a model as cmd/supctl does, recording the effects.
type harness struct {
	t  *testing.T
	m  *Model
	fx []Effect
}

func newHarness(t *testing.T, tr api.Tree) *harness {
	h := &harness{t: t, m: New(Options{Socket: "/run/supd.sock"}, t0)}
	h.do(ResizeMsg{Width: 100, Height: 30})
	h.fx = h.m.Init()
	if !slices.Contains(h.fx, Effect(Connect{Gen: 1})) {
		t.Fatalf("Init: %v, want Connect{Gen: 1}", h.fx)
	}
	h.do(ConnectedMsg{Gen: 1, Tree: tr})
	return h
}

func (h *harness) do(msg Msg) []Effect {
	h.t.Helper()
	h.fx = h.m.Update(msg)
	return h.fx
}

func (h *harness) keys(keys ...string) []Effect {
	h.t.Helper()
	var all []Effect
	for _, k := range keys {
		text := k
		if len([]rune(k)) != 1 {
			text = ""
		}
		all = append(all, h.do(KeyMsg{Key: k, Text: text})...)
	}
	h.fx = all
	return all
}

// selectPath moves the selection down to path.
func (h *harness) selectPath(path string) {
	h.t.Helper()
	h.keys("home")
	for range 50 {
		if p, _ := h.m.Selected(); p == path {
			return
		}
		h.keys("down")
	}
	h.t.Fatalf("%q is not shown", path)
}

// screen is the view without styles.
func (h *harness) screen() string {
	lines := strings.Split(ansi.Strip(h.m.View()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

func (h *harness) line(re string) string {
	h.t.Helper()
	rx := regexp.MustCompile(re)
	for _, l := range strings.Split(h.screen(), "\n") {
		if rx.MatchString(l) {
			return l
		}
	}
	h.t.Fatalf("no line matches %s in\n%s", re, h.screen())
	return ""
}

func (h *harness) noLine(re string) {
	h.t.Helper()
	rx := regexp.MustCompile(re)
	for _, l := range strings.Split(h.screen(), "\n") {
		if rx.MatchString(l) {
			h.t.Fatalf("line %q matches %s", l, re)
		}
	}
}

func effect[T Effect](h *harness) (T, bool) {
	for _, e := range h.fx {
		if v, ok := e.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func mustEffect[T Effect](t *testing.T, h *harness) T {
	t.Helper()
	v, ok := effect[T](h)
	if !ok {
		var zero T
		t.Fatalf("effects %#v lack a %T", h.fx, zero)
	}
	return v
}

func TestConnectDrawsTheTree(t *testing.T) {
	h := newHarness(t, fixture())
	if f := mustEffect[FollowLogs](t, h); f.Path != "" || f.Gen == 0 {
		t.Errorf("follows %+v, want the root's logs", f)
	}
	h.line(`^supd top · /run/supd.sock · 5 workers: 5 running +live$`)
	h.line(`^NODE +STATE +PID UPTIME RST LAST EXIT +STATUS`)
	h.line(`^/ +running +1h +0 - +one_for_one, budget 0/3 in 5s$`)
	h.line(`^├── web +running +1h +0 - +rest_for_one, budget 0/3 in 5s$`)
	h.line(`^│   ├── api +running +101 1h +0 -$`)
	h.line(`^└── pool +running .*one_for_one, budget 0/3 in 5s; replicas 2$`)
	h.line(`^    └── 1 +running +301 1h`)
	if got := strings.Count(h.m.View(), "\n") + 1; got != 30 {
		t.Errorf("view has %d lines, want the terminal's 30", got)
	}
}

func TestEventsUpdateTheTree(t *testing.T) {
	h := newHarness(t, fixture())
	crash := api.Event{Seq: 10, Time: t0, Kind: api.EventState, Path: "web/api", Old: api.StateRunning, New: api.StateBackoff,
		Reason: "exit", Exit: &api.Exit{Code: api.IntPtr(1), Reason: api.ReasonExit, Time: t0}, Tail: []string{"panic: boom"},
		Restart: &api.Restart{Strategy: "rest_for_one", Nodes: []string{"web/api", "web/front"}, Used: 1, Max: 3, Period: api.Duration(5 * time.Second)}}
	h.do(EventsMsg{Gen: 1, Events: []api.Event{crash}})
	h.line(`^│   ├── api +backoff +- +- +1 code 1, exit, 0s ago`)
	h.line(`^├── web +running .*rest_for_one, budget 1/3 in 5s$`)
	if f := mustEffect[FetchNodes](t, h); !slices.Equal(f.Paths, []string{"web/api"}) || f.Gen != 1 {
		t.Errorf("fetches %+v, want web/api", f)
	}
	// While a fetch is under way, more changes wait for its answer.
	start := api.Event{Seq: 11, Time: t0.Add(100 * time.Millisecond), Kind: api.EventState, Path: "web/api", Old: api.StateBackoff, New: api.StateStarting}
	running := api.Event{Seq: 12, Time: t0.Add(110 * time.Millisecond), Kind: api.EventState, Path: "web/api", Old: api.StateStarting, New: api.StateRunning}
	h.do(EventsMsg{Gen: 1, Events: []api.Event{start, running}})
	if _, ok := effect[FetchNodes](h); ok {
		t.Errorf("a second fetch while one is under way: %v", h.fx)
	}
	// The fetched node brings what events do not carry: the new pid.
	n := find("web/api")
	n.PID, n.Restarts, n.StartedAt, n.LastExit = 4242, 1, &running.Time, crash.Exit
	h.do(NodesMsg{Gen: 1, Nodes: []api.Node{*n}})
	if f := mustEffect[FetchNodes](t, h); !slices.Equal(f.Paths, []string{"web/api"}) {
		t.Errorf("then fetches %+v, want web/api again", f)
	}
	h.do(TickMsg{Now: t0.Add(3 * time.Second)})
	h.line(`^│   ├── api +running +4242 2s +1 code 1, exit, 3s ago`)
	// The budget drops as the restart leaves the period.
	h.line(`budget 1/3 in 5s$`)
	h.do(TickMsg{Now: t0.Add(6 * time.Second)})
	h.line(`^├── web +running .*rest_for_one, budget 0/3 in 5s$`)
	// The events pane shows causes.
	h.keys("e")
	h.do(ResizeMsg{Width: 140, Height: 30})
	h.line(`^12:00:00 web/api: running -> backoff: code 1, exit; rest_for_one restarts web/api, web/front \(budget 1/3 in 5s\)$`)
}

func TestLostEventsReadTheTreeAgain(t *testing.T) {
	ev := func(seq uint64, path string) api.Event {
		return api.Event{Seq: seq, Time: t0, Kind: api.EventState, Path: path, Old: api.StateRunning, New: api.StateStopping}
	}
	tests := []struct {
		name   string
		events []api.Event
	}{
		{"lagged", []api.Event{ev(5, "db"), {Seq: 6, Kind: api.EventLagged, Message: "fell behind"}}},
		{"a gap in seq", []api.Event{ev(5, "db"), ev(7, "db")}},
		{"an unknown node", []api.Event{ev(5, "web/new")}},
		{"a reload", []api.Event{{Seq: 5, Kind: api.EventReload, Message: "1 added"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fixture())
			h.do(EventsMsg{Gen: 1, Events: tt.events})
			if c := mustEffect[Connect](t, h); c.Gen != 2 || c.After != 0 {
				t.Errorf("%+v, want Connect{Gen: 2} at once", c)
			}
			// Answers of the old connection are dropped.
			h.do(EventsMsg{Gen: 1, Events: []api.Event{ev(8, "web/api")}})
			h.line(`^│   ├── api +running`)
			h.do(ConnectedMsg{Gen: 2, Tree: fixture()})
			h.line(` live$`)
		})
	}
}

func TestDaemonGoneIsShownAndRetried(t *testing.T) {
	h := newHarness(t, fixture())
	h.do(StreamEndedMsg{Gen: 1, Err: errors.New("reading stream: unexpected EOF")})
	if c := mustEffect[Connect](t, h); c.Gen != 2 || c.After <= 0 {
		t.Errorf("%+v, want a later Connect{Gen: 2}", c)
	}
	h.line(`DISCONNECTED, reconnecting: reading stream: unexpected EOF$`)
	h.line(`^│   ├── api +running`) // the last known tree stays
	h.keys("s")
	if msg, isErr := h.m.Status(); msg != "not connected to supd" || !isErr {
		t.Errorf("status %q (error %v)", msg, isErr)
	}
	var delays []time.Duration
	for gen := 2; gen <= 6; gen++ {
		h.do(ConnectFailedMsg{Gen: gen, Err: fmt.Errorf("cannot reach supd at /run/supd.sock: supd is not running")})
		delays = append(delays, mustEffect[Connect](t, h).After)
	}
	if !slices.IsSorted(delays) || delays[len(delays)-1] > 2*time.Second {
		t.Errorf("reconnect delays %v: want growing, at most 2s", delays)
	}
	h.line(`DISCONNECTED, reconnecting: cannot reach supd`)
	h.do(ConnectedMsg{Gen: 7, Tree: fixture()})
	h.line(` live$`)
	if msg, _ := h.m.Status(); msg != "connected to supd again" {
		t.Errorf("status %q", msg)
	}
	mustEffect[FollowLogs](t, h)
}

func TestFilterAndCollapse(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("/", "a", "p")
	h.line(`^/ +running`)
	h.line(`^└── web +running`)
	h.line(`^    └── api +running`)
	h.noLine(`db|front|pool`)
	h.line(`^/ap▏`)
	if p, _ := h.m.Selected(); p != "web/api" {
		t.Errorf("filtering selected %q, want the first match", p)
	}
	h.keys("enter")
	h.line(`filter "ap" +live$`)
	h.keys("esc")
	h.line(`^├── db`)

	h.selectPath("web")
	h.keys("left")
	h.line(`^├── web \(\+2\) +running`)
	h.noLine(`api`)
	h.keys("left") // on a collapsed supervisor: go to its parent
	if p, _ := h.m.Selected(); p != "" {
		t.Errorf("selected %q, want the root", p)
	}
	h.selectPath("web")
	h.keys("right")
	h.line(`^│   ├── api`)
	h.selectPath("web/front")
	h.keys("left")
	if p, _ := h.m.Selected(); p != "web" {
		t.Errorf("left on a worker selected %q, want its supervisor", p)
	}
}

func TestActions(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectPath("web/api")
	if a := mustEffect[Act](t, h.withKeys("s")); a != (Act{Action: ActStart, Path: "web/api"}) {
		t.Errorf("s: %+v", a)
	}
	if a := mustEffect[Act](t, h.withKeys("x")); a != (Act{Action: ActStop, Path: "web/api"}) {
		t.Errorf("x: %+v", a)
	}
	if a := mustEffect[Act](t, h.withKeys("r")); a != (Act{Action: ActRestart, Path: "web/api"}) {
		t.Errorf("r: %+v", a)
	}
	if a := mustEffect[Act](t, h.withKeys("X", "1", "0", "m", "enter")); a != (Act{Action: ActStop, Path: "web/api", Hold: 10 * time.Minute}) {
		t.Errorf("X 10m: %+v", a)
	}
	h.keys("X", "1", "0", "enter")
	if msg, isErr := h.m.Status(); !isErr || !strings.Contains(msg, `"10" is not a duration`) {
		t.Errorf("X 10: status %q", msg)
	}
	if a := mustEffect[Act](t, h.withKeys("K", "right", "g", "enter")); a != (Act{Action: ActSignal, Path: "web/api", Signal: "KILL", Group: true}) {
		t.Errorf("K → g enter: %+v", a)
	}
	if a := mustEffect[Act](t, h.withKeys("K", "u", "enter")); a.Signal != "USR1" || a.Group {
		t.Errorf("K u enter: %+v", a)
	}
	h.keys("K", "esc")
	if _, ok := effect[Act](h); ok {
		t.Error("esc sent the signal")
	}
	h.keys("S")
	if msg, isErr := h.m.Status(); !isErr || msg != "scale: web/api is not a replica set" {
		t.Errorf("S on a worker: %q", msg)
	}

	// A subtree asks first.
	h.selectPath("web")
	h.keys("x")
	if _, ok := effect[Act](h); ok {
		t.Fatal("stopped a subtree without asking")
	}
	h.line(`^stop web and the 2 nodes below it\? \[y/N\]$`)
	h.keys("n")
	if msg, _ := h.m.Status(); msg != "stop web: cancelled" {
		t.Errorf("n: status %q", msg)
	}
	if a := mustEffect[Act](t, h.withKeys("r", "y")); a != (Act{Action: ActRestart, Path: "web"}) {
		t.Errorf("r y: %+v", a)
	}
	if a := mustEffect[Act](t, h.withKeys("s")); a != (Act{Action: ActStart, Path: "web"}) {
		t.Errorf("s on a subtree asks nothing: %+v", a)
	}
	h.keys("K")
	if msg, _ := h.m.Status(); msg != "signal: web is a supervisor; select a worker" {
		t.Errorf("K on a supervisor: %q", msg)
	}

	// Scale is offered on a replica set, from its count.
	h.selectPath("pool")
	h.keys("S")
	h.line(`^scale pool to instances: 2▏$`)
	if a := mustEffect[Act](t, h.withKeys("backspace", "5", "enter")); a != (Act{Action: ActScale, Path: "pool", Replicas: 5}) {
		t.Errorf("S 5: %+v", a)
	}
	h.keys("S", "backspace", "-", "1", "enter")
	if msg, isErr := h.m.Status(); !isErr || !strings.Contains(msg, `"-1" is not a number`) {
		t.Errorf("S -1: %q", msg)
	}
}

// withKeys presses keys and returns the harness for its effects.
func (h *harness) withKeys(keys ...string) *harness {
	h.keys(keys...)
	return h
}

func TestActionAnswers(t *testing.T) {
	h := newHarness(t, fixture())
	stop := Act{Action: ActStop, Path: "db"}
	h.do(ActDoneMsg{Act: stop, Err: errors.New(`stop "db": supervisor "" is stopping: conflict`)})
	h.line(`^stop db: stop "db": supervisor "" is stopping: conflict$`)
	if _, isErr := h.m.Status(); !isErr {
		t.Error("a refusal is not an error")
	}
	held := *find("db")
	held.State, held.PID, held.StartedAt, held.Held = api.StateStopped, 0, nil, true
	h.do(ActDoneMsg{Act: stop, Node: held})
	h.line(`^stop db: stopped; held until started$`)
	h.line(`^├── db +stopped +- +- +0 - +held until started$`)
}

func TestWorkerOutputIsEscaped(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectPath("web/api")
	h.do(mustLater(t, h))
	f := mustEffect[FollowLogs](t, h)
	if f.Path != "web/api" {
		t.Fatalf("follows %q", f.Path)
	}
	evil := "\x1b[2J\x1b]0;pwned\x07 done\r"
	h.do(LogsMsg{Gen: f.Gen, Lines: []api.LogLine{{Time: t0, Path: "web/api", Stream: "stdout", Text: evil}}})
	n := *find("web/api")
	n.Status = "ok\x1b[5m"
	h.do(NodesMsg{Gen: 1, Nodes: []api.Node{n}})
	view := h.m.View()
	if strings.Contains(view, "\x1b[2J") || strings.Contains(view, "\x1b]") || strings.Contains(view, "\a") || strings.Contains(view, "\r") ||
		strings.Contains(view, "\x1b[5m") {
		t.Errorf("worker's control characters reached the view: %q", view)
	}
	h.line(`^12:00:00 \^\[\[2J\^\[\]0;pwned\^G done\^M$`)
	h.line(`ok\^\[\[5m$`)
}

// mustLater returns the message of the effects' Later.
func mustLater(t *testing.T, h *harness) Msg {
	t.Helper()
	return mustEffect[Later](t, h).Msg
}

func TestLogsFollowTheSelection(t *testing.T) {
	h := newHarness(t, fixture())
	first := mustEffect[FollowLogs](t, h)
	h.keys("down")
	later := mustEffect[Later](t, h)
	mustEffect[StopLogs](t, h)
	h.keys("down") // moved on before the first follow started
	h.do(later.Msg)
	if len(h.fx) != 0 {
		t.Errorf("a follow for a node passed by: %v", h.fx)
	}
	h.do(mustLater(t, h.withKeys("up")))
	f := mustEffect[FollowLogs](t, h)
	if f.Path != "db" || f.Gen <= first.Gen {
		t.Errorf("follows %+v, want db", f)
	}
	h.do(LogsMsg{Gen: first.Gen, Lines: []api.LogLine{{Time: t0, Path: "db", Text: "stale"}}})
	h.noLine(`stale`)
	h.do(LogsMsg{Gen: f.Gen, Lines: []api.LogLine{{Time: t0, Path: "db", Text: "fresh"}}})
	h.line(`^── logs of db ─+$`)
	h.line(`^12:00:00 fresh$`)
	// The events pane stops the logs.
	h.keys("e")
	mustEffect[StopLogs](t, h)
	h.keys("tab")
	mustEffect[FollowLogs](t, h)
}

func TestFailedWorkerShowsItsLastLines(t *testing.T) {
	h := newHarness(t, fixture())
	h.do(EventsMsg{Gen: 1, Events: []api.Event{{Seq: 3, Time: t0, Kind: api.EventState, Path: "db", Old: api.StateRunning, New: api.StateFailed,
		Exit: &api.Exit{Signal: "SEGV", Core: true, Reason: api.ReasonSignal, Time: t0},
		Tail: []string{"opening table", "segmentation fault"}}}})
	h.selectPath("db")
	h.line(`^last exit \(signal SEGV \(core dumped\), signal, 0s ago\), its last lines:$`)
	h.line(`^  \| segmentation fault$`)
	h.line(`^db · worker · failed · 0 restarts · last exit: signal SEGV \(core dumped\), signal, 0s ago$`)
}

func TestNoColourUsesNoColour(t *testing.T) {
	for _, colour := range []bool{false, true} {
		m := New(Options{Color: colour}, t0)
		m.Init()
		m.Update(ConnectedMsg{Gen: 1, Tree: fixture()})
		m.Update(EventsMsg{Gen: 1, Events: []api.Event{{Seq: 1, Time: t0, Kind: api.EventState, Path: "db", Old: api.StateRunning, New: api.StateFailed}}})
		sgr := regexp.MustCompile(`\x1b\[[0-9;]*[34][0-9]`)
		got := sgr.MatchString(m.View())
		if got != colour {
			t.Errorf("Color %v: colour codes in the view: %v", colour, got)
		}
	}
}

// A thousand nodes: every frame is the terminal's size and the selection
// stays in sight while scrolling.
func TestThousandNodes(t *testing.T) {
	var kids []api.Node
	for i := range 1000 {
		kids = append(kids, api.Node{Path: fmt.Sprintf("pool/w%d", i), Name: fmt.Sprintf("w%d", i), Kind: api.KindWorker, State: api.StateRunning, PID: 1000 + i})
	}
	tr := api.Tree{Root: api.Node{Kind: api.KindSupervisor, State: api.StateRunning, Children: []api.Node{
		{Path: "pool", Name: "pool", Kind: api.KindSupervisor, State: api.StateRunning, Children: kids},
	}}}
	h := newHarness(t, tr)
	for _, size := range [][2]int{{80, 24}, {200, 60}, {40, 10}} {
		h.do(ResizeMsg{Width: size[0], Height: size[1]})
		for _, k := range []string{"end", "pgup", "up", "home", "pgdown"} {
			h.keys(k)
			lines := strings.Split(h.screen(), "\n")
			if len(lines) != size[1] {
				t.Fatalf("%v after %s: %d lines", size, k, len(lines))
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Fatalf("%v: line %q is %d wide", size, l, w)
				}
			}
			sel, _ := h.m.Selected()
			name := sel[strings.LastIndexByte(sel, '/')+1:]
			if size[0] >= 80 && !strings.Contains(h.m.View(), "── "+name) {
				t.Fatalf("%v after %s: selected %q is not drawn", size, k, sel)
			}
		}
	}
	h.do(ResizeMsg{Width: 100, Height: 30})
	h.keys("end")
	if p, _ := h.m.Selected(); p != "pool/w999" {
		t.Errorf("end selected %q", p)
	}
	h.keys("/", "w", "9", "9", "8", "enter")
	h.line(`── w998 `)
	h.noLine(`w999 `)
}

func TestQuit(t *testing.T) {
	for _, keys := range [][]string{{"q"}, {"ctrl+c"}, {"/", "ctrl+c"}, {"K", "ctrl+c"}, {"?", "ctrl+c"}} {
		h := newHarness(t, fixture())
		h.selectPath("db")
		h.keys(keys...)
		if _, ok := effect[Quit](h); !ok {
			t.Errorf("%v: no Quit in %v", keys, h.fx)
		}
	}
	h := newHarness(t, fixture())
	h.keys("/", "q")
	if _, ok := effect[Quit](h); ok {
		t.Error("q typed into the filter quit")
	}
}

// find is a copy of the fixture's node at path.
func find(path string) *api.Node {
	tr := fixture()
	n := *tr.Root.Find(path)
	return &n
}
