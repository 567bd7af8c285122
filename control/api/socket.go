package api

import (
	"os"
	"path/filepath"
	"strconv"
)

// SocketEnv names the environment variable that overrides the default
// control socket path, for supd and supctl alike.
const SocketEnv = "SUPD_SOCKET"

// DefaultSocket is the control socket path when none is given on the
// command line (or, for supd, in the config): $SUPD_SOCKET, else
// /run/supd/supd.sock for root, else $XDG_RUNTIME_DIR/supd.sock, else
// /tmp/supd-$UID/supd.sock (SPEC §1).
func DefaultSocket() string { return SocketFor(os.Getuid(), os.Getenv) }

// SocketFor is DefaultSocket for the given uid and environment.
func SocketFor(uid int, getenv func(string) string) string {
	if p := getenv(SocketEnv); p != "" {
		return p
	}
	if uid == 0 {
		return "/run/supd/supd.sock"
	}
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "supd.sock")
	}
	// Not os.TempDir: $TMPDIR may differ between supd and supctl.
	return filepath.Join("/tmp", "supd-"+strconv.Itoa(uid), "supd.sock")
}
