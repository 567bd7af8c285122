package client

import (
	"errors"
	"fmt"
	"os/user"
	"strconv"
	"syscall"
)

// UnreachableError says the client could not connect to supd's socket.
type UnreachableError struct {
	Socket string
	Cause  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach supd at %s: %s", e.Socket, e.Likely())
}

// Unwrap returns the cause, e.g. a *net.OpError wrapping ENOENT.
func (e *UnreachableError) Unwrap() error { return e.Cause }

// UntrustedError says the socket is served by a user the client does not
// trust (see Client): neither root, nor the client's own user, nor one given
// to TrustUID.
type UntrustedError struct {
	UID int
}

func (e *UntrustedError) Error() string {
	who := "uid " + strconv.Itoa(e.UID)
	if u, err := user.LookupId(strconv.Itoa(e.UID)); err == nil {
		who += " (" + u.Username + ")"
	}
	return "the socket is served by " + who + ", who is neither root nor you: another user's supd, or a process put in supd's place"
}

// Likely says what the cause most likely means for the user.
func (e *UnreachableError) Likely() string {
	var untrusted *UntrustedError
	switch {
	case errors.As(e.Cause, &untrusted):
		return untrusted.Error()
	case errors.Is(e.Cause, syscall.ENOENT):
		return "supd is not running or the socket path is wrong (no such file)"
	case errors.Is(e.Cause, syscall.ECONNREFUSED):
		return "supd is not running (stale socket: connection refused)"
	case errors.Is(e.Cause, syscall.EACCES), errors.Is(e.Cause, syscall.EPERM):
		return "permission denied: you are not root, supd's user or in control.group"
	case errors.Is(e.Cause, syscall.ENOTSOCK):
		return "the path is not a socket; the socket path is wrong"
	case errors.Is(e.Cause, syscall.EAGAIN):
		return "supd is not accepting connections (its listen queue is full)"
	}
	return e.Cause.Error()
}
