package osproc

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Descriptors opened without close-on-exec, as an inherited one is, are
// marked; so they are by the fallback for kernels without
// CLOSE_RANGE_CLOEXEC.
func TestCloseOnExecAbove2(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		if fallback {
			old := closeRange
			closeRange = func(uint, uint, uint) error { return unix.EINVAL }
			defer func() { closeRange = old }()
		}
		fd, err := unix.Open("/dev/null", unix.O_RDONLY, 0) // no O_CLOEXEC
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		if err := closeOnExecAbove2(); err != nil {
			t.Fatal(err)
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil {
			t.Fatal(err)
		}
		if flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("fallback %v: fd %d not marked close-on-exec", fallback, fd)
		}
		for _, std := range []int{0, 1, 2} {
			if f, _ := unix.FcntlInt(uintptr(std), unix.F_GETFD, 0); f&unix.FD_CLOEXEC != 0 {
				t.Errorf("fd %d marked close-on-exec", std)
			}
		}
	}
}
