package osproc

import (
	"os"

	"golang.org/x/sys/unix"
)

// readSysFile reads a file of procfs or cgroupfs with plain system calls.
// os.ReadFile registers a pollable kernfs file with the netpoller and
// unregisters it again: eight system calls where three do, on paths every
// start, stop and exit takes (cgroup.procs, /proc/<pid>/stat).
func readSysFile(path string) ([]byte, error) {
	fd, err := openSys(path, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// writeSysFile writes data to an existing file of cgroupfs (cgroup.kill)
// with plain system calls, as readSysFile reads.
func writeSysFile(path string, data []byte) error {
	fd, err := openSys(path, unix.O_WRONLY)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for {
		_, err = unix.Write(fd, data)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return &os.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

func openSys(path string, mode int) (int, error) {
	for {
		fd, err := unix.Open(path, mode|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}
