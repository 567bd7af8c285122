// Package control serves supd's control API (SPEC §4): HTTP/1.1 with JSON
// bodies on a unix socket, behind the narrow Backend interface that the
// daemon implements.
//
// It owns the socket file (Listen: refuse a live socket, replace a stale
// one, mode and group), the peer-credential check of every connection
// (root, supd's own uid and members of the configured groups; everyone else
// gets 403 and an audit line), the routes, the request limits (header and
// body size, read timeouts, a connection limit, a write deadline on every
// response and on every line of a stream), the newline-delimited JSON
// streams of logs and events, and the Prometheus metrics at /metrics, built
// from Backend.Tree snapshots at each scrape. Bus is a ready-made event
// fan-out with history and lag handling for implementing
// Backend.FollowEvents.
//
// Goroutines: Serve runs net/http's accept loop in a goroutine of its own,
// and net/http one goroutine per connection, while Serve itself waits for
// its context and then stops them all; a streaming request's goroutine
// reads the backend's channel and writes each line with its own deadline,
// so a slow reader only ever delays itself. Bus runs no goroutine beyond a
// context.AfterFunc per follower.
package control
