// Package tui is the model of `supctl top`: the state of a live,
// keyboard-driven view of supd's tree (nodes, selection, filter, collapsed
// subtrees, the logs and events panes, prompts and the status line), how
// keys and the daemon's answers change it, and how it is drawn as text.
//
// The model does no I/O and runs no goroutines. Model.Update takes one
// message (a key, a resize, a tick with the current time, the tree, a batch
// of events or log lines, an action's answer) and returns the effects the
// caller must carry out (connect, fetch nodes, follow a node's logs, act on
// a node, wait, quit); their results come back as messages. Time is a
// parameter: it only advances with TickMsg. cmd/supctl runs the model with
// a terminal library and control/client at the edge; the tests here drive
// it with plain values.
//
// Events keep the tree live: each event sets its node's state, last exit,
// restart count and its supervisor's budget at once, and the node is then
// fetched alone (GET /v1/nodes/{path}) for what events do not carry (pid,
// hold, STATUS= text). The whole tree is fetched only on connecting, after
// a reload, after the follower lagged, for a path the tree does not have,
// or on request.
//
// Text that comes from workers (log lines, exit tails, STATUS=) is escaped
// by Escape before it is drawn: a control character never reaches the
// terminal.
package tui
