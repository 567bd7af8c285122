package health

import (
	"context"
	"fmt"
	"net"
)

// TCP probes that a connection to HOST:PORT can be made.
type TCP struct {
	addr string
}

// NewTCP checks the address.
func NewTCP(addr string) (*TCP, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("tcp probe: %w", err)
	}
	return &TCP{addr: addr}, nil
}

var dialer net.Dialer

// Probe connects and closes the connection at once.
func (t *TCP) Probe(ctx context.Context) Result {
	c, err := dialer.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return failure(ctx, "connect "+t.addr, err)
	}
	c.Close()
	return Result{OK: true, Detail: "connected to " + t.addr}
}
