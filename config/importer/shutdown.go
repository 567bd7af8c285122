package importer

import (
	"fmt"
	"time"
)

// boundShutdown sets shutdown_timeout when the stops of a whole shutdown
// may take longer than supd's default allows: none of the sources bounds a
// whole shutdown, and supd SIGKILLs what is left after shutdown_timeout.
func boundShutdown(f *File) {
	def := supdDefaults().worker.StopTimeout
	if f.Defaults != nil && f.Defaults.StopTimeout != nil {
		def = *f.Defaults.StopTimeout
	}
	if f.Root == nil || def == Infinity {
		return
	}
	if t := stopTime(f.Root, def) + 10*time.Second; t > supdDefaults().shutdown {
		f.ShutdownTimeout = t
		f.Notes.add("shutdown_timeout", fmt.Sprintf("How long the stops of a shutdown can take (each worker's stop_timeout, "+
			"one after another where stop is sequential), and 10s more: %s.", fmtDuration(t)))
	}
}

// stopTime is the longest a supervisor's stop can take: its children's
// stops one after another, or the longest of them under stop: parallel. A
// worker that waits forever counts for nothing, as lint warns about it.
func stopTime(s *Supervisor, def time.Duration) time.Duration {
	var total time.Duration
	for _, c := range s.Children {
		var t time.Duration
		switch {
		case c.Supervisor != nil:
			t = stopTime(c.Supervisor, def)
		case c.Worker.StopTimeout == nil:
			t = def
		case *c.Worker.StopTimeout != Infinity:
			t = *c.Worker.StopTimeout
		}
		if s.Stop == "parallel" {
			total = max(total, t)
		} else {
			total += t
		}
	}
	return total
}
