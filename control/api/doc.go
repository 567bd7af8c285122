// Package api holds the wire types of supd's control API: the JSON bodies
// that the control server sends and receives over its unix socket, which are
// also exactly what `supctl -o json` prints. It also holds the sentinel
// errors that classify a failed request, their mapping to HTTP status codes
// and back, and the default socket path that supd and supctl share.
//
// Field names are snake_case and stable: a field may be added, never renamed
// or removed, within API version "v1". Times are RFC 3339 with nanoseconds;
// durations are Go duration strings such as "5s" or "1m30s".
//
// The package has no goroutines and no state.
package api
