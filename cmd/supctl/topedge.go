package main

import (
	"context"
	"errors"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"

	"supd/control/api"
	"supd/control/client"
	"supd/internal/tui"
)

// topModel is the edge of supctl top: it turns bubbletea's messages into
// the model's, and carries out the model's effects with the client. Its
// fields are used only on bubbletea's event loop; the goroutines it starts
// answer through send.
type topModel struct {
	m    *tui.Model
	c    *client.Client
	ctx  context.Context
	send func(tea.Msg)

	stopConn, stopLogs context.CancelFunc
}

type tickMsg time.Time

// Uptimes and "3s ago" move once a second; supd is not asked anything.
func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (t *topModel) Init() tea.Cmd { return tea.Batch(t.run(t.m.Init()), tick()) }

func (t *topModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return t, t.run(t.m.Update(tui.KeyMsg{Key: msg.String(), Text: msg.Text}))
	case tea.WindowSizeMsg:
		return t, t.run(t.m.Update(tui.ResizeMsg{Width: msg.Width, Height: msg.Height}))
	case tickMsg:
		return t, tea.Batch(t.run(t.m.Update(tui.TickMsg{Now: time.Time(msg)})), tick())
	case tui.Msg:
		return t, t.run(t.m.Update(msg))
	}
	return t, nil
}

func (t *topModel) View() tea.View {
	v := tea.NewView(t.m.View())
	v.AltScreen = true
	v.WindowTitle = "supd top"
	return v
}

// stop ends every stream.
func (t *topModel) stop() {
	if t.stopConn != nil {
		t.stopConn()
	}
	if t.stopLogs != nil {
		t.stopLogs()
	}
}

// run carries out effects: requests run on goroutines of their own.
func (t *topModel) run(fx []tui.Effect) tea.Cmd {
	var cmds []tea.Cmd
	for _, e := range fx {
		switch e := e.(type) {
		case tui.Quit:
			cmds = append(cmds, tea.Quit)
		case tui.Later:
			msg := e.Msg
			cmds = append(cmds, tea.Tick(e.After, func(time.Time) tea.Msg { return msg }))
		case tui.Connect:
			go t.connect(t.replace(&t.stopConn), e)
		case tui.FetchNodes:
			go t.fetch(e)
		case tui.FollowLogs:
			go t.followLogs(t.replace(&t.stopLogs), e)
		case tui.StopLogs:
			if t.stopLogs != nil {
				t.stopLogs()
				t.stopLogs = nil
			}
		case tui.Act:
			go t.act(e)
		}
	}
	return tea.Batch(cmds...)
}

// replace ends the streams of *stop and returns the context of the next.
func (t *topModel) replace(stop *context.CancelFunc) context.Context {
	if *stop != nil {
		(*stop)()
	}
	ctx, cancel := context.WithCancel(t.ctx)
	*stop = cancel
	return ctx
}

// historyN is how many past events the events pane starts with.
const historyN = 200

// connect opens the events stream first, so that nothing that changes
// while the tree is read is missed, then reads the tree and the history.
func (t *topModel) connect(ctx context.Context, e tui.Connect) {
	if e.After > 0 {
		select {
		case <-time.After(e.After):
		case <-ctx.Done():
			return
		}
	}
	failed := func(err error) {
		if ctx.Err() == nil {
			t.send(tui.ConnectFailedMsg{Gen: e.Gen, Err: err})
		}
	}
	s, err := t.c.FollowEvents(ctx, 0)
	if err != nil {
		failed(err)
		return
	}
	defer s.Close()
	tree, err := t.c.Tree(ctx)
	if err != nil {
		failed(err)
		return
	}
	hist, err := t.c.Events(ctx, historyN)
	if err != nil {
		failed(err)
		return
	}
	t.send(tui.ConnectedMsg{Gen: e.Gen, Tree: tree, History: hist})
	pump(ctx, s,
		func(evs []api.Event) { t.send(tui.EventsMsg{Gen: e.Gen, Events: evs}) },
		func(err error) { t.send(tui.StreamEndedMsg{Gen: e.Gen, Err: err}) })
}

func (t *topModel) fetch(e tui.FetchNodes) {
	msg := tui.NodesMsg{Gen: e.Gen}
	for _, p := range e.Paths {
		n, err := t.c.Node(t.ctx, p)
		if err != nil {
			msg.Err = err
			break
		}
		msg.Nodes = append(msg.Nodes, n)
	}
	t.send(msg)
}

func (t *topModel) followLogs(ctx context.Context, e tui.FollowLogs) {
	s, err := t.c.FollowLogs(ctx, e.Path, e.N)
	if err != nil {
		if ctx.Err() == nil {
			t.send(tui.LogsEndedMsg{Gen: e.Gen, Err: err})
		}
		return
	}
	defer s.Close()
	pump(ctx, s,
		func(lines []api.LogLine) { t.send(tui.LogsMsg{Gen: e.Gen, Lines: lines}) },
		func(err error) { t.send(tui.LogsEndedMsg{Gen: e.Gen, Err: err}) })
}

// act runs an action through the client call of its supctl command.
func (t *topModel) act(a tui.Act) {
	var n api.Node
	var err error
	switch a.Action {
	case tui.ActStart:
		n, err = t.c.Start(t.ctx, a.Path)
	case tui.ActStop:
		n, err = t.c.Stop(t.ctx, a.Path, a.Hold)
	case tui.ActRestart:
		n, err = t.c.Restart(t.ctx, a.Path)
	case tui.ActSignal:
		n, err = t.c.Signal(t.ctx, a.Path, a.Signal, a.Group)
	case tui.ActScale:
		n, err = t.c.Scale(t.ctx, a.Path, a.Replicas)
	}
	if t.ctx.Err() == nil {
		t.send(tui.ActDoneMsg{Act: a, Node: n, Err: err})
	}
}

// maxBatch bounds the values of a stream handed to the model at once.
const maxBatch = 512

// pump reads s until it ends, handing what has arrived to batch in one
// piece (a burst of 1000 events is a few updates of the screen, not 1000),
// then reports the end: nil when supd ended the stream. Nothing is
// reported once ctx has ended.
func pump[T any](ctx context.Context, s *client.Stream[T], batch func([]T), end func(error)) {
	ch := make(chan T, maxBatch)
	var endErr error
	go func() {
		defer close(ch)
		for {
			v, err := s.Next()
			if err != nil {
				endErr = err
				return
			}
			select {
			case ch <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	for v := range ch {
		b := []T{v}
	more:
		for len(b) < maxBatch {
			select {
			case v, ok := <-ch:
				if !ok {
					break more
				}
				b = append(b, v)
			default:
				break more
			}
		}
		if ctx.Err() == nil {
			batch(b)
		}
	}
	if ctx.Err() != nil {
		return
	}
	if errors.Is(endErr, io.EOF) {
		endErr = nil
	}
	end(endErr)
}
