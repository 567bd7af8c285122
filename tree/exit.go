package tree

import (
	"slices"

	"supd/config"
	"supd/osproc"
)

// normal reports whether exit counts as a normal exit under codes.
func normal(codes config.SuccessCodes, e osproc.Exit) bool {
	if e.Signal != 0 {
		return slices.Contains(codes.Signals, e.Signal)
	}
	return slices.Contains(codes.Codes, e.Code)
}

// reasonOf names how a process ended by itself.
func reasonOf(e osproc.Exit) Reason {
	switch {
	case e.OOM:
		return ReasonOOM
	case e.Signal != 0:
		return ReasonSignal
	default:
		return ReasonExit
	}
}

// restartedAfter reports whether a worker of restart type r is restarted
// after an exit that was abnormal or not.
func restartedAfter(r config.Restart, abnormal bool) bool {
	switch r {
	case config.Permanent:
		return true
	case config.Transient:
		return abnormal
	default:
		return false
	}
}

// supervisorRestarted reports whether a nested supervisor of restart type r
// is restarted after it gave up: giving up is OTP's `shutdown` exit, after
// which only a permanent child is restarted.
func supervisorRestarted(r config.Restart) bool { return r == config.Permanent }
