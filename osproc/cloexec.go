package osproc

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// closeOnExecAbove2 marks every descriptor above 2 close-on-exec: those
// this process inherited without the flag (from a shell, a service
// manager, a careless parent) would otherwise reach every worker, and this
// process's own already carry it. A worker gets 0, 1, 2 and its Spec's
// ExtraFiles, which the spawn places afresh.
func closeOnExecAbove2() error {
	err := closeRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	// Kernels before 5.11 lack CLOSE_RANGE_CLOEXEC: one by one, as listed.
	ents, rerr := os.ReadDir("/proc/self/fd")
	if rerr != nil {
		return err
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}

// closeRange is unix.CloseRange, a seam for the fallback's test.
var closeRange = unix.CloseRange
