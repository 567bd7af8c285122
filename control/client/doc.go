// Package client is the typed client of supd's control API over its unix
// socket: one method per endpoint, returning the api types.
//
// A failed request is an *api.StatusError (errors.Is matches the api
// sentinels: api.ErrNotFound for a 404, api.ErrForbidden for a 403, ...);
// failing to connect at all is an *UnreachableError naming the socket and
// the likely cause.
//
// The package runs no goroutines of its own beyond net/http's transport;
// a Stream is read by its caller and must be closed.
package client
