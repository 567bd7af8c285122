package tui

import (
	"time"

	"supd/control/api"
)

// Msg is an input of the model. The caller sends keys, resizes and ticks,
// and the results of the effects it carried out.
type Msg interface{ isMsg() }

// KeyMsg is a key press: Key names it as "q", "ctrl+c", "up", "enter",
// "esc", "backspace", "tab", "pgdown"; Text is the printable text it
// typed, if any.
type KeyMsg struct{ Key, Text string }

// ResizeMsg is the terminal's size in cells.
type ResizeMsg struct{ Width, Height int }

// TickMsg carries the current time: uptimes, "3s ago" and budgets move
// with it.
type TickMsg struct{ Now time.Time }

// ConnectedMsg answers Connect: the events stream is open (from before the
// tree was read, so that no change is missed), then the tree and the last
// events supd kept were read.
type ConnectedMsg struct {
	Gen     int
	Tree    api.Tree
	History []api.Event
}

// ConnectFailedMsg answers Connect that could not connect.
type ConnectFailedMsg struct {
	Gen int
	Err error
}

// EventsMsg carries events of the stream of connection Gen, in order.
type EventsMsg struct {
	Gen    int
	Events []api.Event
}

// StreamEndedMsg says the events stream of connection Gen ended: supd went
// away or closed it (Err nil).
type StreamEndedMsg struct {
	Gen int
	Err error
}

// NodesMsg answers FetchNodes: the nodes that were read, and the first
// error, if any.
type NodesMsg struct {
	Gen   int
	Nodes []api.Node
	Err   error
}

// LogsMsg carries log lines of FollowLogs Gen, in order.
type LogsMsg struct {
	Gen   int
	Lines []api.LogLine
}

// LogsEndedMsg says the logs stream of FollowLogs Gen ended.
type LogsEndedMsg struct {
	Gen int
	Err error
}

// ActDoneMsg answers Act: the node afterwards, or why supd refused.
type ActDoneMsg struct {
	Act  Act
	Node api.Node
	Err  error
}

// followMsg comes back from a Later: follow the selection's logs if it is
// still selected.
type followMsg struct{ gen int }

func (KeyMsg) isMsg()           {}
func (ResizeMsg) isMsg()        {}
func (TickMsg) isMsg()          {}
func (ConnectedMsg) isMsg()     {}
func (ConnectFailedMsg) isMsg() {}
func (EventsMsg) isMsg()        {}
func (StreamEndedMsg) isMsg()   {}
func (NodesMsg) isMsg()         {}
func (LogsMsg) isMsg()          {}
func (LogsEndedMsg) isMsg()     {}
func (ActDoneMsg) isMsg()       {}
func (followMsg) isMsg()        {}

// Effect is work the model asks of its caller.
type Effect interface{ isEffect() }

// Connect asks, after After, to drop connection Gen-1's streams, open GET
// /v1/events?follow=1, then read GET /v1/tree and GET /v1/events (the
// history), and answer ConnectedMsg or ConnectFailedMsg; then to send the
// stream's events as EventsMsg and its end as StreamEndedMsg, all with Gen.
type Connect struct {
	Gen   int
	After time.Duration
}

// FetchNodes asks for GET /v1/nodes/{path} of each path, answered by one
// NodesMsg.
type FetchNodes struct {
	Gen   int
	Paths []string
}

// FollowLogs asks to end any logs stream and follow GET
// /v1/logs?path=Path&n=N&follow=1, sending LogsMsg and LogsEndedMsg with
// Gen.
type FollowLogs struct {
	Gen  int
	Path string
	N    int
}

// StopLogs asks to end the logs stream.
type StopLogs struct{}

// Action is what Act does to a node.
type Action string

const (
	ActStart   Action = "start"
	ActStop    Action = "stop"
	ActRestart Action = "restart"
	ActSignal  Action = "signal"
	ActScale   Action = "scale"
)

// Act asks for an action on a node through the client call of the supctl
// command of the same name, answered by ActDoneMsg.
type Act struct {
	Action   Action
	Path     string
	Hold     time.Duration // stop: 0 holds until started
	Signal   string        // signal
	Group    bool          // signal: the whole process group
	Replicas int           // scale
}

// Later asks to send Msg back after After.
type Later struct {
	After time.Duration
	Msg   Msg
}

// Quit asks to restore the terminal and exit.
type Quit struct{}

func (Connect) isEffect()    {}
func (FetchNodes) isEffect() {}
func (FollowLogs) isEffect() {}
func (StopLogs) isEffect()   {}
func (Act) isEffect()        {}
func (Later) isEffect()      {}
func (Quit) isEffect()       {}
