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

	"supd/internal/safefs"
)

// DefaultSocketMode is the control socket's mode when none is configured.
const DefaultSocketMode os.FileMode = 0o660

// Listen creates the control socket at path and listens on it. It makes
// the socket's folder if missing (0700, or 0750 and of group gid when gid
// >= 0, so that the control group can reach the socket; its parents 0755),
// and refuses a folder that supd may not trust: a symlink, one of a user
// other than supd's own and root, or one in which others may add or
// replace entries unless it is sticky (SPEC §1). It refuses to take over a
// socket that something still answers on, replaces a stale socket file,
// and gives the socket mode (0 means DefaultSocketMode) from its birth (the
// umask around bind, not a chmod of its path afterwards) and, when gid >=
// 0, that group.
//
// Two supds started at once cannot both take over a stale socket: the
// socket is only touched while holding an exclusive lock on PATH.lock,
// which the returned listener keeps until it is closed. Closing the
// listener removes the socket file.
func Listen(path string, mode os.FileMode, gid int) (net.Listener, error) {
	if mode == 0 {
		mode = DefaultSocketMode
	}
	if err := socketFolder(filepath.Dir(path), gid); err != nil {
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

// socketFolder makes dir if missing and checks that supd may trust it.
func socketFolder(dir string, gid int) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	made := false
	switch err := os.Mkdir(dir, 0o700); {
	case err == nil:
		made = true
	case !errors.Is(err, fs.ErrExist):
		return err
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		fi, lerr := os.Lstat(dir)
		if lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("socket folder %s: a symlink; give the folder it leads to", dir)
		}
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	f := os.NewFile(uintptr(fd), dir)
	defer f.Close()
	if made && gid >= 0 {
		// Through the descriptor: the folder is the one just made.
		if err := f.Chown(-1, gid); err != nil {
			return fmt.Errorf("socket folder %s: setting group %d: %w", dir, gid, err)
		}
		if err := f.Chmod(0o750); err != nil {
			return fmt.Errorf("socket folder %s: %w", dir, err)
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := safefs.Folder(dir, fi, os.Geteuid()); err != nil {
		return fmt.Errorf("socket folder %w", err)
	}
	return nil
}

// CheckSocketFolder judges, making nothing, the folder of the socket at
// path as Listen would (`supd check`): nil when it does not exist yet.
func CheckSocketFolder(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("socket folder %s: a symlink; give the folder it leads to", dir)
	}
	if err := safefs.Folder(dir, fi, os.Geteuid()); err != nil {
		return fmt.Errorf("socket folder %w", err)
	}
	return nil
}

// lockSocket takes PATH.lock, never through a symlink, and only when it is
// supd's own regular file.
func lockSocket(path string) (*os.File, error) {
	name := path + ".lock"
	fd, err := unix.Open(name, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o600)
	switch {
	case errors.Is(err, unix.ELOOP):
		return nil, fmt.Errorf("listen on control socket: %s: a symlink", name)
	case err != nil:
		return nil, fmt.Errorf("listen on control socket: %w", &fs.PathError{Op: "open", Path: name, Err: err})
	}
	f := os.NewFile(uintptr(fd), name)
	fi, err := f.Stat()
	if err == nil {
		err = safefs.File(name, fi, os.Geteuid())
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("listen on control socket: another supd is listening on %s (%s is locked)", path, name)
		}
		return nil, fmt.Errorf("listen on control socket: locking %s: %w", name, err)
	}
	return f, nil
}

// umaskMu serialises this package's changes of the process's umask.
var umaskMu sync.Mutex

func listenLocked(path string, mode os.FileMode, gid int) (*net.UnixListener, error) {
	if err := removeStale(path); err != nil {
		return nil, err
	}
	// The socket is born with mode: connecting needs write permission, and
	// a chmod of the path afterwards would act on whatever is there then.
	// supd calls this at start, before anything else makes files.
	umaskMu.Lock()
	old := unix.Umask(int(0o777 &^ mode.Perm()))
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	unix.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	if gid >= 0 {
		// In a folder nobody else may change, the path is still the socket.
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
