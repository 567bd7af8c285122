package tree

import (
	"sync"
	"sync/atomic"
)

// launchBatch starts the workers of batch, whose generations beginStart
// opened, with up to Options.Launches launches at once, and then records
// them in order: first every process that started, then every failure, so
// that a failure which stops its siblings (a strategy, a give-up) finds
// each started one recorded and stops it too. Only Launch runs off the
// owner's goroutine; every record is written here, after the launches.
func (s *supervisor) launchBatch(batch []*child, specs []LaunchSpec) {
	procs := make([]Process, len(batch))
	errs := make([]error, len(batch))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(s.t.launches, len(batch)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(batch) {
					return
				}
				procs[i], errs[i] = s.t.launcher.Launch(specs[i])
			}
		})
	}
	wg.Wait()
	for i, c := range batch {
		if errs[i] == nil {
			s.launched(c, procs[i])
		}
	}
	for i, c := range batch {
		if errs[i] != nil {
			s.startFailed(c, errs[i])
		}
	}
}
