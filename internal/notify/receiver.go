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

	"supd/osproc"
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

	// testHookParked, when set, is called (locked) after a datagram is parked.
	testHookParked func()

	// mu guards the registry and the parked datagrams. It is never held
	// while a Handler runs (see registration.mu), nor while /proc is read.
	mu       sync.Mutex
	byPgid   map[int]*registration
	byCgroup map[string]*registration
	pending  []parked         // senders of no worker, oldest first
	replay   []parked         // parked datagrams that a Register has since claimed
	deadline time.Time        // the read deadline currently set on conn
	logged   map[int]struct{} // strangers already logged, by pid
}

// registration is one Register call: immutable but for live.
type registration struct {
	pgid   int
	cgroup string
	h      Handler

	// mu is held while h runs and while unregister ends the registration,
	// so that once unregister has returned no callback is running and none
	// will run. It is taken without Receiver.mu held.
	mu   sync.Mutex
	live bool
}

// call hands msg to the handler, unless the registration has ended.
func (reg *registration) call(msg message) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if reg.live {
		msg.deliver(reg.h)
	}
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
// or below it. cgroup is the cgroup's path as /proc/<pid>/cgroup shows it
// (osproc's Proc.CgroupPath, e.g. "/supd.812.4711/web_api.7"); the root
// "/", which holds every process, names no worker. A sender that left the
// worker's process group (setsid) is recognised only by its cgroup.
//
// Datagrams the worker sent before Register (it may have been quick) are
// delivered too, on the Receiver's goroutine. Register never waits for a
// Handler. After unregister returns, h is never called again; unregister
// waits for a callback of h that is running. Registering a pgid or cgroup
// again replaces the older registration for it.
func (r *Receiver) Register(pgid int, cgroup string, h Handler) (unregister func()) {
	if cgroup == "/" {
		cgroup = ""
	}
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
		if reg.claims(p.pgid, p.cgroup) {
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
		if r.byPgid[pgid] == reg {
			delete(r.byPgid, pgid)
		}
		if cgroup != "" && r.byCgroup[cgroup] == reg {
			delete(r.byCgroup, cgroup)
		}
		r.mu.Unlock()
		reg.mu.Lock()
		reg.live = false
		reg.mu.Unlock()
	}
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
		replay := r.tidy(time.Now())
		r.mu.Unlock()
		r.deliverAll(replay)

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

// tidy takes the claimed datagrams for delivery, drops expired ones and
// sets the read deadline to the next expiry. Called locked, on the
// goroutine.
func (r *Receiver) tidy(now time.Time) []parked {
	replay := r.takeReplay()
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
	return replay
}

// takeReplay empties the queue of claimed datagrams. Called locked.
func (r *Receiver) takeReplay() []parked {
	replay := r.replay
	r.replay = nil
	return replay
}

// deliverAll hands claimed datagrams to their handlers, in the order they
// arrived. Called unlocked, on the goroutine.
func (r *Receiver) deliverAll(replay []parked) {
	for _, p := range replay {
		r.deliver(p.reg, p.msg)
	}
}

func (r *Receiver) setDeadline(t time.Time) {
	if t.Equal(r.deadline) {
		return
	}
	r.deadline = t
	// Only fails on a closed socket, which the next read reports.
	_ = r.conn.SetReadDeadline(t)
}

// receive handles one datagram: who sent it, what it says, whose worker it
// is; then it is delivered, or parked until its worker registers.
func (r *Receiver) receive(b, oob []byte, flags int) {
	pid, ok := r.sender(oob, flags)
	if !ok {
		return
	}
	msg := parseMessage(b)
	if msg.empty() {
		return
	}
	if msg.mainPID != 0 {
		// A process that does not exist belongs to nobody.
		msg.mainPgid, _ = osproc.ProcessGroup(msg.mainPID)
		msg.mainCgroup, _ = osproc.CgroupOf(msg.mainPID)
	}
	pgid, err := osproc.ProcessGroup(pid)
	if err != nil {
		// The sender exited (its pid is gone or reused): nothing can be
		// said about whose it was.
		r.log.Debug("dropping sd_notify datagram from an exited process", "pid", pid)
		return
	}
	p := parked{at: time.Now(), pid: pid, pgid: pgid, cgroup: r.cgroupUnlessGrouped(pid, pgid), msg: msg}
	replay, reg := r.route(p)
	// Datagrams claimed by a Register since the last tidy were sent
	// earlier than this one: keep the worker's order.
	r.deliverAll(replay)
	if reg != nil {
		r.deliver(reg, msg)
	}
}

// sender reads the sender's pid from a datagram's control messages,
// closing any descriptors that came along; false drops the datagram.
func (r *Receiver) sender(oob []byte, flags int) (int, bool) {
	var cred *unix.Ucred
	cmsgs, err := unix.ParseSocketControlMessage(oob)
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
	case err != nil || cred == nil:
		r.log.Debug("dropping sd_notify datagram without credentials", "err", err)
		return 0, false
	case flags&unix.MSG_TRUNC != 0:
		r.log.Warn("dropping oversized sd_notify datagram", "pid", cred.Pid)
		return 0, false
	case cred.Pid <= 0:
		// The sender exited before the datagram was read.
		return 0, false
	}
	return int(cred.Pid), true
}

// cgroupUnlessGrouped reads the sender's cgroup only when it is needed: to
// match by cgroup, or to park. It is read outside the lock; a failure
// leaves only the process group to go by.
func (r *Receiver) cgroupUnlessGrouped(pid, pgid int) string {
	r.mu.Lock()
	grouped := r.byPgid[pgid] != nil
	r.mu.Unlock()
	if grouped {
		return ""
	}
	cg, _ := osproc.CgroupOf(pid)
	return cg
}

// route finds the registration of p's sender, or parks p. It also takes the
// claimed datagrams, which go first.
func (r *Receiver) route(p parked) (replay []parked, reg *registration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	replay = r.takeReplay()
	if reg = r.lookup(p.pgid, p.cgroup); reg != nil {
		return replay, reg
	}
	if len(r.pending) >= maxPending {
		r.dropStranger(r.pending[0])
		r.pending = append(r.pending[:0], r.pending[1:]...)
	}
	r.pending = append(r.pending, p)
	if len(r.pending) == 1 {
		r.setDeadline(p.at.Add(r.hold))
	}
	if r.testHookParked != nil {
		r.testHookParked()
	}
	return replay, nil
}

// deliver hands msg to reg's handler. A MAINPID= that names no process of
// reg's worker is left out: supd signals the main pid, and a worker must not
// point supd at a process of another worker, or of nobody's (systemd, too,
// takes a MAINPID= outside the service's cgroup only from root). Called
// unlocked, on the goroutine.
func (r *Receiver) deliver(reg *registration, msg message) {
	if msg.mainPID != 0 && (msg.mainPgid <= 0 || !reg.claims(msg.mainPgid, msg.mainCgroup)) {
		r.log.Warn("ignoring sd_notify MAINPID= of a process that is not the worker's",
			"mainpid", msg.mainPID, "worker_pgid", reg.pgid, "worker_cgroup", reg.cgroup)
		msg.mainPID = 0
	}
	reg.call(msg)
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
