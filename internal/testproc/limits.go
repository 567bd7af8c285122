package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"supd/internal/testproc/testprocbuild"
)

// openFDs opens n more file descriptors (close-on-exec duplicates of
// /dev/null, so grandchildren do not inherit them), first raising
// RLIMIT_NOFILE, the hard limit too, when it is below what they need:
// raising the hard limit needs CAP_SYS_RESOURCE.
func openFDs(n int) error {
	if n == 0 {
		return nil
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("-open-fds: %w", err)
	}
	if want := uint64(n) + 256; lim.Cur < want {
		lim.Cur = want
		lim.Max = max(lim.Max, want)
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("-open-fds %d: raising RLIMIT_NOFILE to %d: %w", n, want, err)
		}
	}
	null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("-open-fds: %w", err)
	}
	for i := 1; i < n; i++ {
		if _, err := unix.FcntlInt(uintptr(null), unix.F_DUPFD_CLOEXEC, 0); err != nil {
			return fmt.Errorf("-open-fds: fd %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

// writeBlob writes n bytes of testprocbuild.BlobByte to stdout, with no
// newline.
func writeBlob(n int64) error {
	if n == 0 {
		return nil
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	for i := range n {
		w.WriteByte(testprocbuild.BlobByte(i))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("-blob: %w", err)
	}
	return nil
}

// printEvery prints line i of stdout every d, from 1 on, for ever.
func printEvery(d time.Duration, length int) {
	t := time.NewTicker(d)
	defer t.Stop()
	for i := 1; ; i++ {
		fmt.Println(line("out", i, length))
		<-t.C
	}
}
