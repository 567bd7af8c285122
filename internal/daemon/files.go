package daemon

import (
	"errors"
	"fmt"
	"os"

	"supd/config"
	"supd/control"
	"supd/control/api"
	"supd/internal/logcap"
	"supd/internal/safefs"
)

// checkLogs fails when a worker's log file cannot be created or written,
// or is not one supd may trust (SPEC §1: an error at start, before any
// worker starts).
func checkLogs(cfg *config.Config) error {
	var errs []error
	for path, w := range cfg.Workers() {
		if w.Logs.File != "" {
			if err := checkLog(path, w.Logs.File); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func checkLog(path, file string) error {
	if err := logcap.CheckWritable(file); err != nil {
		return fmt.Errorf("%q: %w", path, err)
	}
	return nil
}

// checkExistingLogs is checkLogs for `supd check`, which makes nothing: it
// judges the log folders and files that exist.
func checkExistingLogs(cfg *config.Config) error {
	var errs []error
	for path, w := range cfg.Workers() {
		if w.Logs.File != "" {
			if err := logcap.CheckExisting(w.Logs.File); err != nil {
				errs = append(errs, fmt.Errorf("%q: %w", path, err))
			}
		}
	}
	return errors.Join(errs...)
}

// checkSocketFolder judges the control socket's folder as supd would at
// start (for `supd check`, making nothing): the socket of the config, else
// the default for the user who runs the check.
func checkSocketFolder(cfg *config.Config) error {
	sock := cfg.Control.Socket
	if sock == "" {
		sock = api.DefaultSocket()
	}
	return control.CheckSocketFolder(sock)
}

// trustConfig fails when a user other than supd's own and root could change
// what the config path leads to: the file, or a folder on the way to it
// (through symlinks). The file watch then does not reload, lest that user
// choose what supd runs (as root, often).
func trustConfig(file string) error {
	if err := safefs.Path(file, os.Geteuid()); err != nil {
		return fmt.Errorf("another user could change the config, so the file watch will not reload it: %w", err)
	}
	return nil
}
