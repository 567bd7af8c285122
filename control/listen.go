package control

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultSocketMode is the control socket's mode when none is configured.
const DefaultSocketMode os.FileMode = 0o660

// Listen creates the control socket at path and listens on it. It creates
// the parent folder (mode 0755, so that group members can reach the socket)
// if missing, refuses to take over a socket that something still answers on,
// replaces a stale socket file, and gives the socket mode (0 means
// DefaultSocketMode) and, when gid >= 0, that group.
//
// Two supds started at once cannot both take over a stale socket: the
// socket is only touched while holding an exclusive lock on PATH.lock,
// which the returned listener keeps until it is closed. Closing the
// listener removes the socket file.
func Listen(path string, mode os.FileMode, gid int) (net.Listener, error) {
	if mode == 0 {
		mode = DefaultSocketMode
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	lock, err := lockSocket(path)
	if err != nil {
		return nil, err
	}
	ln, err := listenLocked(path, mode, gid)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return &lockedListener{UnixListener: ln, lock: lock}, nil
}

func lockSocket(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("listen on control socket: another supd is listening on %s (%s is locked)", path, f.Name())
		}
		return nil, fmt.Errorf("listen on control socket: locking %s: %w", f.Name(), err)
	}
	return f, nil
}

func listenLocked(path string, mode os.FileMode, gid int) (*net.UnixListener, error) {
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	// Until the chmod the socket has the umask's mode; connecting needs
	// write permission, which the usual umasks do not give to others.
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	if gid >= 0 {
		if err := os.Lchown(path, -1, gid); err != nil {
			ln.Close()
			return nil, fmt.Errorf("listen on control socket: setting group %d: %w", gid, err)
		}
	}
	return ln, nil
}

// removeStale removes a socket file nobody answers on, and refuses to touch
// one somebody does, or a file that is not a socket.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listen on control socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("listen on control socket: %s exists and is not a socket", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("listen on control socket: another supd is listening on %s", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("listen on control socket: checking %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("listen on control socket: removing stale socket: %w", err)
	}
	return nil
}

// lockedListener releases the socket's lock once the socket file is gone.
type lockedListener struct {
	*net.UnixListener
	lock *os.File
	once sync.Once
	err  error
}

func (l *lockedListener) Close() error {
	l.once.Do(func() {
		l.err = l.UnixListener.Close() // unlinks the socket file
		l.lock.Close()
	})
	return l.err
}
