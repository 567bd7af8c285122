package notify

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Defaults for Options.
const (
	// DefaultHold covers the moment between a worker's exec and the
	// launcher's Register call, during which a fast worker may already
	// have sent READY=1.
	DefaultHold = 2 * time.Second

	maxDatagram = 8192 // systemd accepts at most 4096 bytes
	maxPending  = 256  // parked datagrams; beyond this the oldest goes
	maxLogged   = 4096 // remembered strangers; beyond this the memory starts over
)

// Options configures a Receiver.
type Options struct {
	Log *slog.Logger // nil: slog.Default()
	// Hold is how long a datagram whose sender belongs to no registered
	// worker is parked before it is dropped: a worker may notify before
	// the launcher, which learns its pid only when Start returns, had a
	// chance to Register it. 0 means DefaultHold.
	Hold time.Duration
}

// Receiver is supd's one sd_notify socket. Workers find it through
// NOTIFY_SOCKET; each datagram is attributed, by the sender's pid from
// SCM_CREDENTIALS, to the registered worker whose process group or cgroup
// holds the sender, and delivered to that worker's Handler.
//
// The socket is abstract (Linux's socket namespace, no file): a worker
// running as another user can reach it without supd opening a directory to
// everyone, nothing is left on disk when supd is SIGKILLed, and who may
// speak is decided by peer credentials, as for systemd's own world-writable
// /run/systemd/notify. Squatting on the name is prevented by a random part,
// and a name already taken makes Listen try another.
type Receiver struct {
	conn *net.UnixConn
	addr string
	log  *slog.Logger
	hold time.Duration
	done chan struct{}
	// mounts are the host's cgroup2 mounts, to read a cgroup given as a
	// directory in /proc's terms.
	mounts []cgroupMount

	// testHookParked, when set, is called (locked) after a datagram is parked.
	testHookParked func()

	mu       sync.Mutex
	byPgid   map[int]*registration
	byCgroup map[string]*registration
	pending  []parked         // senders of no worker, oldest first
	replay   []parked         // parked datagrams that a Register has since claimed
	deadline time.Time        // the read deadline currently set on conn
	logged   map[int]struct{} // strangers already logged, by pid
}

type registration struct {
	pgid   int
	cgroup string
	h      Handler
	live   bool
}

// parked is a datagram waiting for its worker's registration.
type parked struct {
	at     time.Time
	pid    int
	pgid   int
	cgroup string
	msg    message
	reg    *registration // set once claimed
}

// Listen opens the socket and starts its goroutine.
func Listen(o Options) (*Receiver, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Hold <= 0 {
		o.Hold = DefaultHold
	}
	var (
		conn *net.UnixConn
		addr string
		err  error
	)
	for range 3 {
		var b [6]byte
		rand.Read(b[:])
		addr = fmt.Sprintf("@supd-notify-%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
		conn, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("listening for sd_notify: %w", err)
	}
	if err := setPassCred(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("listening for sd_notify: %w", err)
	}
	r := &Receiver{
		conn:     conn,
		addr:     addr,
		log:      o.Log,
		mounts:   cgroup2Mounts(),
		hold:     o.Hold,
		done:     make(chan struct{}),
		byPgid:   make(map[int]*registration),
		byCgroup: make(map[string]*registration),
		logged:   make(map[int]struct{}),
	}
	go r.run()
	return r, nil
}

func setPassCred(c *net.UnixConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("setting SO_PASSCRED: %w", serr)
	}
	return nil
}

// Addr is the value for a worker's NOTIFY_SOCKET, e.g.
// "@supd-notify-812-1f2e3d4c5b6a" ('@' stands for the abstract namespace's
// leading NUL, as libsystemd and go-systemd read it).
func (r *Receiver) Addr() string { return r.addr }

// Env is "NOTIFY_SOCKET=" + Addr(), ready to append to a worker's environment.
func (r *Receiver) Env() string { return "NOTIFY_SOCKET=" + r.addr }

// Register routes datagrams from the processes of one worker to h: those in
// process group pgid (> 0), and, when cgroup is not "", those in that cgroup
// or below it. cgroup is either the cgroup's directory (as osproc's
// Proc.Cgroup gives it, e.g. "/sys/fs/cgroup/supd/web_api.7") or its path
// as /proc/<pid>/cgroup shows it ("/supd/web_api.7"). A sender that left the
// worker's process group (setsid) is recognised only by its cgroup.
//
// Datagrams the worker sent before Register (it may have been quick) are
// delivered too, on the Receiver's goroutine. After unregister returns, h is
// never called again. Registering a pgid or cgroup again replaces the older
// registration for it.
func (r *Receiver) Register(pgid int, cgroup string, h Handler) (unregister func()) {
	cgroup = cgroupPath(r.mounts, cgroup)
	reg := &registration{pgid: pgid, cgroup: cgroup, h: h, live: true}
	r.mu.Lock()
	defer r.mu.Unlock()
	if pgid > 0 {
		r.byPgid[pgid] = reg
	}
	if cgroup != "" {
		r.byCgroup[cgroup] = reg
	}
	kept := r.pending[:0]
	for _, p := range r.pending {
		if r.claims(reg, p.pgid, p.cgroup) {
			p.reg = reg
			r.replay = append(r.replay, p)
		} else {
			kept = append(kept, p)
		}
	}
	clear(r.pending[len(kept):])
	r.pending = kept
	if len(r.replay) > 0 {
		// Wake the goroutine: handlers run there, never on the caller's
		// goroutine, which may be the very one they post to.
		r.setDeadline(time.Unix(1, 0))
	}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		reg.live = false
		if r.byPgid[pgid] == reg {
			delete(r.byPgid, pgid)
		}
		if cgroup != "" && r.byCgroup[cgroup] == reg {
			delete(r.byCgroup, cgroup)
		}
	}
}

// claims reports whether reg is the worker of a sender in group pgid and
// cgroup cg.
func (r *Receiver) claims(reg *registration, pgid int, cg string) bool {
	if reg.pgid > 0 && reg.pgid == pgid {
		return true
	}
	if reg.cgroup == "" || cg == "" {
		return false
	}
	found := false
	cgroupAncestors(cg, func(c string) bool {
		found = c == reg.cgroup
		return found
	})
	return found
}

// lookup finds the registration of a sender, by process group first and
// then by its cgroup or the nearest registered ancestor cgroup.
func (r *Receiver) lookup(pgid int, cg string) *registration {
	if reg := r.byPgid[pgid]; reg != nil {
		return reg
	}
	var found *registration
	if len(r.byCgroup) > 0 {
		cgroupAncestors(cg, func(c string) bool {
			found = r.byCgroup[c]
			return found != nil
		})
	}
	return found
}

// Close stops the goroutine and closes the socket. No Handler is called
// after Close returns.
func (r *Receiver) Close() error {
	err := r.conn.Close()
	<-r.done
	return err
}

func (r *Receiver) run() {
	defer close(r.done)
	buf := make([]byte, maxDatagram)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred)+unix.CmsgSpace(4*253))
	for {
		r.mu.Lock()
		r.tidy(time.Now())
		r.mu.Unlock()

		n, oobn, flags, _, err := r.conn.ReadMsgUnix(buf, oob)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			continue // woken to replay or to expire parked datagrams
		case errors.Is(err, net.ErrClosed):
			return
		case err != nil:
			// Errors of a datagram read are per-datagram (e.g. ENOBUFS);
			// the next read may succeed.
			r.log.Warn("reading sd_notify socket", "err", err)
			continue
		}
		r.receive(buf[:n], oob[:oobn], flags)
	}
}

// tidy delivers claimed datagrams, drops expired ones and sets the read
// deadline to the next expiry. Called locked, on the goroutine.
func (r *Receiver) tidy(now time.Time) {
	r.deliverReplay()
	i := 0
	for ; i < len(r.pending) && now.Sub(r.pending[i].at) >= r.hold; i++ {
		r.dropStranger(r.pending[i])
	}
	r.pending = append(r.pending[:0], r.pending[i:]...)

	var next time.Time
	if len(r.pending) > 0 {
		next = r.pending[0].at.Add(r.hold)
	}
	r.setDeadline(next)
}

// deliverReplay hands claimed datagrams to their handlers. Called locked,
// on the goroutine.
func (r *Receiver) deliverReplay() {
	for _, p := range r.replay {
		if p.reg.live {
			r.deliver(p.reg, p.msg)
		}
	}
	clear(r.replay)
	r.replay = r.replay[:0]
}

func (r *Receiver) setDeadline(t time.Time) {
	if t.Equal(r.deadline) {
		return
	}
	r.deadline = t
	// Only fails on a closed socket, which the next read reports.
	_ = r.conn.SetReadDeadline(t)
}

// receive handles one datagram.
func (r *Receiver) receive(b, oob []byte, flags int) {
	var (
		cred  *unix.Ucred
		perr  error
		cmsgs []unix.SocketControlMessage
	)
	cmsgs, perr = unix.ParseSocketControlMessage(oob)
	for _, c := range cmsgs {
		switch {
		case c.Header.Level == unix.SOL_SOCKET && c.Header.Type == unix.SCM_CREDENTIALS:
			if uc, err := unix.ParseUnixCredentials(&c); err == nil {
				cred = uc
			}
		case c.Header.Level == unix.SOL_SOCKET && c.Header.Type == unix.SCM_RIGHTS:
			// FDSTORE=1 and friends: supd keeps no descriptors for its
			// workers, and must not leak what it was handed.
			if fds, err := unix.ParseUnixRights(&c); err == nil {
				for _, fd := range fds {
					unix.Close(fd)
				}
			}
		}
	}
	switch {
	case perr != nil || cred == nil:
		r.log.Debug("dropping sd_notify datagram without credentials", "err", perr)
		return
	case flags&unix.MSG_TRUNC != 0:
		r.log.Warn("dropping oversized sd_notify datagram", "pid", cred.Pid)
		return
	case cred.Pid <= 0:
		// The sender exited before the datagram was read.
		return
	}
	msg := parseMessage(b)
	if msg.empty() {
		return
	}
	if msg.mainPID != 0 {
		// A process that does not exist belongs to nobody.
		msg.mainPgid, _ = processGroup(msg.mainPID)
		msg.mainCgroup, _ = cgroupOf(msg.mainPID)
	}
	pid := int(cred.Pid)
	pgid, err := processGroup(pid)
	if err != nil {
		// The sender exited (its pid is gone or reused): nothing can be
		// said about whose it was.
		r.log.Debug("dropping sd_notify datagram from an exited process", "pid", pid)
		return
	}

	r.mu.Lock()
	byPgid := r.byPgid[pgid] != nil
	r.mu.Unlock()
	cg := ""
	if !byPgid {
		// Read outside the lock, and only when needed (to match by
		// cgroup, or to park); a failure leaves only the pgid to go by.
		cg, _ = cgroupOf(pid)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	// Datagrams claimed by a Register since the last tidy were sent
	// earlier than this one: keep the worker's order.
	r.deliverReplay()
	if reg := r.lookup(pgid, cg); reg != nil {
		r.deliver(reg, msg)
		return
	}
	if len(r.pending) >= maxPending {
		r.dropStranger(r.pending[0])
		r.pending = append(r.pending[:0], r.pending[1:]...)
	}
	r.pending = append(r.pending, parked{at: time.Now(), pid: pid, pgid: pgid, cgroup: cg, msg: msg})
	if len(r.pending) == 1 {
		r.setDeadline(r.pending[0].at.Add(r.hold))
	}
	if r.testHookParked != nil {
		r.testHookParked()
	}
}

// deliver hands msg to reg's handler. A MAINPID= that names no process of
// reg's worker is left out: supd signals the main pid, and a worker must not
// point supd at a process of another worker, or of nobody's (systemd, too,
// takes a MAINPID= outside the service's cgroup only from root). Called
// locked, on the goroutine.
func (r *Receiver) deliver(reg *registration, msg message) {
	if msg.mainPID != 0 && (msg.mainPgid <= 0 || !r.claims(reg, msg.mainPgid, msg.mainCgroup)) {
		r.log.Warn("ignoring sd_notify MAINPID= of a process that is not the worker's",
			"mainpid", msg.mainPID, "worker_pgid", reg.pgid, "worker_cgroup", reg.cgroup)
		msg.mainPID = 0
	}
	msg.deliver(reg.h)
}

// dropStranger logs, once per sender, a datagram that no worker claimed.
func (r *Receiver) dropStranger(p parked) {
	if _, ok := r.logged[p.pid]; ok {
		return
	}
	if len(r.logged) >= maxLogged {
		clear(r.logged)
	}
	r.logged[p.pid] = struct{}{}
	r.log.Warn("dropping sd_notify message from a process of no worker",
		"pid", p.pid, "pgid", p.pgid, "cgroup", p.cgroup)
}
