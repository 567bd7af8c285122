package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// logSignals records the name of every signal the process receives in
// file, one a line, and otherwise ignores them: a test reads it to see
// which signals a stop sent. SIGURG (the Go runtime's preemption) and
// SIGCHLD (its own children) are left out.
func logSignals(file string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	c := make(chan os.Signal, 64)
	for s := syscall.Signal(1); s < 32; s++ {
		switch s {
		case syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGURG, syscall.SIGCHLD:
			continue
		}
		signal.Notify(c, s)
	}
	go func() {
		for s := range c {
			_, _ = f.WriteString(unix.SignalName(s.(syscall.Signal)) + "\n")
		}
	}()
	return nil
}
