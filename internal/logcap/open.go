package logcap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"supd/internal/safefs"
)

const (
	fileMode = 0o640
	dirMode  = 0o755
)

// folder is a log file's folder, held open while a file in it is opened,
// rotated or compressed. Every name is resolved relative to it, and none
// through a symlink, so that no name leads out of it; the folder itself was
// checked once open: no other user may add, remove or rename its entries
// (SPEC §1). A worker that could would plant a link at its log's name, or
// race one in between a rotation's rename and the open that follows.
type folder struct {
	path string
	dir  *os.File
	fd   int // dir's
}

// openFolder opens the folder of the log file at path, making it (and its
// parents) if missing, and returns it with the file's name in it.
func openFolder(path string) (*folder, string, error) {
	dir, name := filepath.Split(path)
	dir = filepath.Clean(dir)
	if name == "" || name == "." || name == ".." {
		return nil, "", fmt.Errorf("%s: not a file name", path)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, "", err
	}
	// The folder's own path may go through symlinks (/var/log may be one):
	// what counts is the folder it leads to, checked below.
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	d := &folder{path: dir, dir: os.NewFile(uintptr(fd), dir), fd: fd}
	fi, err := d.dir.Stat()
	if err == nil {
		err = safefs.Folder(dir, fi, os.Geteuid())
	}
	if err != nil {
		d.close()
		return nil, "", fmt.Errorf("log folder %w", err)
	}
	return d, name, nil
}

func (d *folder) close() { d.dir.Close() }

// open opens name in the folder without following a symlink, and checks
// that it is a regular file of supd's own with no other name (SPEC §1).
// excl says that name must not exist yet. O_NONBLOCK keeps a fifo planted
// at name from blocking the open; it is cleared again for the file.
func (d *folder) open(name string, flags int, excl bool) (*os.File, error) {
	flags |= unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY
	if flags&unix.O_CREAT != 0 && excl {
		flags |= unix.O_EXCL
	}
	full := filepath.Join(d.path, name)
	fd, err := unix.Openat(d.fd, name, flags, fileMode)
	switch {
	case errors.Is(err, unix.ELOOP):
		return nil, fmt.Errorf("%s: a symlink; supd never follows one to a log file", full)
	case errors.Is(err, unix.EEXIST):
		return nil, fmt.Errorf("%s: appeared while supd was making it; another user may be racing for it", full)
	case errors.Is(err, unix.ENXIO):
		return nil, fmt.Errorf("%s: a fifo, not a regular file", full)
	case err != nil:
		return nil, &fs.PathError{Op: "open", Path: full, Err: err}
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: full, Err: err}
	}
	f := os.NewFile(uintptr(fd), full)
	fi, err := f.Stat()
	if err == nil {
		err = safefs.File(full, fi, os.Geteuid())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openLog opens name for appending, making it if missing; with fresh it
// must not exist yet (the new file after a rotation).
func (d *folder) openLog(name string, fresh bool) (*os.File, error) {
	return d.open(name, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT, fresh)
}

// rename renames within the folder; a symlink at either name is the link
// itself, never its target.
func (d *folder) rename(from, to string) error {
	if err := unix.Renameat(d.fd, from, d.fd, to); err != nil {
		return &os.LinkError{Op: "rename", Old: filepath.Join(d.path, from), New: filepath.Join(d.path, to), Err: err}
	}
	return nil
}

// remove removes name from the folder (a link itself, not its target).
func (d *folder) remove(name string) error {
	if err := unix.Unlinkat(d.fd, name, 0); err != nil {
		return &fs.PathError{Op: "remove", Path: filepath.Join(d.path, name), Err: err}
	}
	return nil
}

// notExist reports a name that was not there.
func notExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
