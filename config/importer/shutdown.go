package importer

import (
	"fmt"
	"time"

	"supd/config"
)

// boundShutdown sets shutdown_timeout when the workers' stop timeouts add
// up past supd's default: none of the sources bounds a whole shutdown, and
// supd stops its workers one after another (a replica set's at once).
func boundShutdown(f *File) {
	def := config.DefaultStopTimeout
	if f.Defaults != nil && f.Defaults.StopTimeout != nil {
		def = *f.Defaults.StopTimeout
	}
	var total time.Duration
	var walk func(s *Supervisor)
	walk = func(s *Supervisor) {
		for _, c := range s.Children {
			switch {
			case c.Supervisor != nil:
				walk(c.Supervisor)
			case c.Worker.StopTimeout == nil:
				total += def
			case *c.Worker.StopTimeout != Infinity:
				total += *c.Worker.StopTimeout
			}
		}
	}
	if f.Root == nil || def == Infinity {
		return
	}
	walk(f.Root)
	if t := total + 10*time.Second; t > config.DefaultShutdownTimeout {
		f.ShutdownTimeout = t.Round(time.Second)
		f.Notes.add("shutdown_timeout", fmt.Sprintf("supd stops its workers one after another and SIGKILLs what is left "+
			"after shutdown_timeout: here the sum of their stop timeouts and 10s more, %s.", fmtDuration(t)))
	}
}
