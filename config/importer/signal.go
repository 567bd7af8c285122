package importer

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// signalWord reads a signal given by name (with or without SIG, any case)
// or number and returns the name supd.yaml writes: "TERM", "USR1".
func signalWord(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if name := unix.SignalName(syscall.Signal(n)); name != "" {
			return strings.TrimPrefix(name, "SIG"), nil
		}
		return "", fmt.Errorf("%d is not a signal number", n)
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if unix.SignalNum(name) == 0 {
		return "", fmt.Errorf("%q is not a signal name", s)
	}
	return strings.TrimPrefix(name, "SIG"), nil
}
