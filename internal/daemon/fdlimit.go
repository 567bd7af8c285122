package daemon

import (
	"log/slog"

	"golang.org/x/sys/unix"

	"supd/config"
)

// fdHeadroom is what supd holds open besides its workers' descriptors: its
// config watch, control socket, notify socket, guardian pipe, cgroup locks,
// the descriptors of starts under way, and a margin for API clients.
const fdHeadroom = 256

// fdsNeeded is how many open files supd needs to run every worker of cfg
// (each instance of a replica set counted): the read ends of each worker's
// stdout and stderr pipes, its log file when it has one, the readiness pipe
// of `ready: fd`, plus fdHeadroom.
func fdsNeeded(cfg *config.Config) (workers, need int) {
	need = fdHeadroom
	for _, w := range cfg.Workers() {
		workers++
		need += 2
		if w.Logs.File != "" {
			need++
		}
		if w.Ready.Kind == config.ReadyFD {
			need++
		}
	}
	return workers, need
}

// checkFDLimit logs supd's open-file limit and warns when cfg's workers
// would not fit in it. supd raises no limit itself: the Go runtime has
// already raised the soft RLIMIT_NOFILE to the hard one at start (and
// gives workers the original soft limit back), and the hard limit is the
// administrator's (systemd's LimitNOFILE=, ulimit -Hn).
func checkFDLimit(log *slog.Logger, cfg *config.Config) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("reading the open-file limit", "err", err)
		return
	}
	reportFDLimit(log, cfg, lim)
}

func reportFDLimit(log *slog.Logger, cfg *config.Config, lim unix.Rlimit) {
	workers, need := fdsNeeded(cfg)
	attrs := []any{"limit", lim.Cur, "hard", lim.Max, "workers", workers, "needed", need}
	if uint64(need) <= lim.Cur {
		log.Info("open files", attrs...)
		return
	}
	log.Warn("open files: the config's workers need more than supd may open; starts will fail with EMFILE once it is reached",
		append(attrs, "fix", "raise the hard limit to at least the number needed: LimitNOFILE= in supd's systemd unit, or ulimit -Hn before supd starts")...)
}
