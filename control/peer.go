package control

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// peer is who is at the other end of a connection, as the kernel saw it
// when the peer connected (SO_PEERCRED).
type peer struct {
	PID int32
	UID uint32
	GID uint32
	Err error // the credentials could not be read: the peer is refused
}

type peerKey struct{}

func peerFrom(ctx context.Context) peer {
	p, ok := ctx.Value(peerKey{}).(peer)
	if !ok {
		return peer{Err: errors.New("no peer credentials")}
	}
	return p
}

func peerOf(c net.Conn) peer {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return peer{Err: fmt.Errorf("peer credentials: %T is not a unix socket", c)}
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return peer{Err: fmt.Errorf("peer credentials: %w", err)}
	}
	var cred *unix.Ucred
	cerr := raw.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if cerr != nil {
		err = cerr
	}
	if err != nil {
		return peer{Err: fmt.Errorf("peer credentials: %w", err)}
	}
	return peer{PID: cred.Pid, UID: cred.Uid, GID: cred.Gid}
}

// access decides who may use the socket: root, supd's own uid, and members
// (primary or supplementary) of the allowed groups.
type access struct {
	self   uint32
	groups []uint32
	// groupsOf returns the supplementary groups of the peer's process.
	groupsOf func(pid int32, uid uint32) ([]uint32, error)
}

// check returns nil if p may use the socket, else why not.
func (a access) check(p peer) error {
	if p.Err != nil {
		return p.Err
	}
	if p.UID == 0 || p.UID == a.self {
		return nil
	}
	if len(a.groups) == 0 {
		return fmt.Errorf("uid %d is neither root nor supd's uid %d, and no control group is configured", p.UID, a.self)
	}
	if slices.Contains(a.groups, p.GID) {
		return nil
	}
	supp, err := a.groupsOf(p.PID, p.UID)
	if err != nil {
		return fmt.Errorf("uid %d: reading its groups: %w", p.UID, err)
	}
	for _, g := range supp {
		if slices.Contains(a.groups, g) {
			return nil
		}
	}
	return fmt.Errorf("uid %d is not root, not supd's uid %d and not in the control group", p.UID, a.self)
}

// supplementaryGroups reads the groups of the peer's process from
// /proc/PID/status, which is what the kernel checks file access against.
// If the process is gone, or the pid now belongs to another user's process,
// it falls back to the user database.
func supplementaryGroups(pid int32, uid uint32) ([]uint32, error) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		if groups, ok := parseStatusGroups(b, uid); ok {
			return groups, nil
		}
	}
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return nil, err
	}
	ids, err := u.GroupIds()
	if err != nil {
		return nil, err
	}
	var groups []uint32
	for _, id := range ids {
		if g, err := strconv.ParseUint(id, 10, 32); err == nil {
			groups = append(groups, uint32(g))
		}
	}
	return groups, nil
}

// parseStatusGroups returns the Groups: line of a /proc/PID/status, if its
// real uid (the first of the Uid: line) is uid.
func parseStatusGroups(status []byte, uid uint32) ([]uint32, bool) {
	var groups []uint32
	uidOK, seenGroups := false, false
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		key, val, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		fields := bytes.Fields(val)
		switch string(key) {
		case "Uid":
			uidOK = len(fields) > 0 && string(fields[0]) == strconv.FormatUint(uint64(uid), 10)
		case "Groups":
			seenGroups = true
			for _, f := range fields {
				g, err := strconv.ParseUint(string(f), 10, 32)
				if err != nil {
					return nil, false
				}
				groups = append(groups, uint32(g))
			}
		}
	}
	if !uidOK || !seenGroups {
		return nil, false
	}
	return groups, true
}

// limitListener caps the number of open connections, so that a flood of
// connections cannot use up supd's file descriptors (which workers need);
// beyond the cap, connections wait in the kernel's backlog. A connection
// that becomes a stream (a follower) leaves that cap for a cap of its own,
// so that followers cannot keep other requests waiting. It reads each
// connection's peer credentials right after accepting it, and hands a peer
// that check refuses to refuse at once: an unauthorised peer never holds a
// slot, however slowly it sends. Without check (control.http), every peer
// is let in.
type limitListener struct {
	net.Listener
	sem       chan struct{} // connections served, streams aside
	streams   chan struct{} // connections that became streams
	done      chan struct{}
	closeOnce sync.Once
	check     func(peer) error
	refuse    func(net.Conn, peer, error)
}

func newLimitListener(ln net.Listener, conns, streams int, check func(peer) error, refuse func(net.Conn, peer, error)) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, conns), streams: make(chan struct{}, streams),
		done: make(chan struct{}), check: check, refuse: refuse}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		select {
		case l.sem <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
		c, err := l.Listener.Accept()
		if err != nil {
			<-l.sem
			return nil, err
		}
		p := peerOf(c)
		// control.http has no check: TCP peers have no credentials, and
		// nothing there writes.
		if l.check != nil {
			if err := l.check(p); err != nil {
				<-l.sem
				l.refuse(c, p, err)
				continue
			}
		}
		return &peerConn{Conn: c, peer: p, l: l}, nil
	}
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// peerConn is an accepted connection with its peer's credentials.
type peerConn struct {
	net.Conn
	peer peer
	l    *limitListener

	mu        sync.Mutex
	streaming bool // holds a stream slot instead of a connection slot
	released  bool
}

type connKey struct{}

// stream moves the connection from the cap of connections to the cap of
// streams, and reports false, leaving it where it was, if every stream
// slot is taken. The connection must be closed once the stream ends.
func (c *peerConn) stream() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streaming || c.released {
		return c.streaming
	}
	select {
	case c.l.streams <- struct{}{}:
	default:
		return false
	}
	c.streaming = true
	<-c.l.sem
	return true
}

func (c *peerConn) Close() error {
	err := c.Conn.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.released {
		c.released = true
		if c.streaming {
			<-c.l.streams
		} else {
			<-c.l.sem
		}
	}
	return err
}
