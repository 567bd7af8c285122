package health

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTCPProbe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	p, err := NewTCP(addr)
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Probe(context.Background()); !r.OK || r.Detail != "connected to "+addr {
		t.Fatalf("open listener: %+v", r)
	}
	ln.Close()
	if r := p.Probe(context.Background()); r.OK || !strings.Contains(r.Detail, "connection refused") {
		t.Fatalf("closed listener: %+v", r)
	}
}

// TestTCPProbeTimeout connects to a listener whose accept queue is full:
// the kernel drops the SYN and connect hangs until the probe's timeout.
func TestTCPProbeTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	p, _ := NewTCP(addr)
	// The first connection fills the queue (nobody accepts it).
	if r := p.Probe(context.Background()); !r.OK {
		t.Fatalf("first connection: %+v", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	r := p.Probe(ctx)
	if took := time.Since(began); took > 2*time.Second {
		t.Fatalf("probe took %v", took)
	}
	if r.OK || r.Detail != "connect "+addr+": timed out" {
		t.Fatalf("got %+v", r)
	}
}

func TestNewTCP(t *testing.T) {
	for _, a := range []string{"localhost", "", "1.2.3.4"} {
		if _, err := NewTCP(a); err == nil {
			t.Errorf("NewTCP(%q) succeeded", a)
		}
	}
}
