package control

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"supd/internal/ratelog"
)

// A refused peer holds no connection slot. It gets its 403 once it has
// sent its request's header, as an HTTP client expects an answer only
// after its request (Go's drops one that comes before), but it has
// refuseWait for that, and at most maxRefusing refused connections wait at
// once: beyond that, or after the wait, the connection is closed with no
// answer.
const (
	refuseWait      = time.Second
	maxRefusing     = 64
	refuseReadLimit = 8 << 10
)

// refuser answers the peers that the access check refuses at accept.
type refuser struct {
	log      *slog.Logger
	audit    *ratelog.Limiter
	refusing atomic.Int32
}

func newRefuser(log *slog.Logger) *refuser {
	return &refuser{log: log, audit: ratelog.New(20, time.Second)}
}

// refuse logs an audit line (within the limit) and answers the request on
// c with 403 and why, on a goroutine of its own, then closes c.
func (r *refuser) refuse(c net.Conn, p peer, why error) {
	r.audit.Log(r.log, slog.LevelWarn, "control: access denied", "uid", p.UID, "gid", p.GID, "pid", p.PID, "err", why)
	if r.refusing.Add(1) > maxRefusing {
		r.refusing.Add(-1)
		c.Close()
		return
	}
	go func() {
		defer r.refusing.Add(-1)
		defer c.Close()
		deadline := time.Now().Add(refuseWait)
		_ = c.SetDeadline(deadline)
		if !headerSent(c) {
			return
		}
		body, _ := marshal(errorf("access denied: %v", why))
		fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			http.StatusForbidden, http.StatusText(http.StatusForbidden), len(body), body)
	}()
}

// headerSent reads from c up to the end of a request's header, within
// refuseReadLimit bytes and c's deadline.
func headerSent(c net.Conn) bool {
	br := bufio.NewReader(io.LimitReader(c, refuseReadLimit))
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return false
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return true
		}
	}
}
