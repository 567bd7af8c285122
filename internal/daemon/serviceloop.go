package daemon

import (
	"context"
	"time"

	"supd/tree"
)

// statusEvery is the least time between two STATUS= updates.
const statusEvery = time.Second

// refreshTimeout bounds the ping before each look at the tree; a tree that
// does not answer within it is looked at again after statusEvery.
const refreshTimeout = 5 * time.Second

// watchService keeps systemd informed until ctx ends (SPEC §2.9). After
// each change of the tree it pings every owner, so that the snapshot it
// then reads includes the change, and sends READY=1 once the initial start
// has finished; it sends STATUS= summaries at most every statusEvery; and
// with systemd's watchdog on, it sends WATCHDOG=1 at half its interval, each
// time only after a ping through every owner's loop was answered, so a
// wedged tree stops the pings and systemd restarts supd.
func (d *daemon) watchService(ctx context.Context) {
	var beat <-chan time.Time
	wd := d.service.WatchdogInterval()
	if wd > 0 {
		t := time.NewTicker(wd / 2)
		defer t.Stop()
		beat = t.C
	}
	later := time.NewTimer(time.Hour)
	later.Stop()
	defer later.Stop()
	var (
		sentAt    time.Time
		sent      string
		laterOn   bool
		treeReady = d.tree.Ready()
	)
	refresh := func() {
		if d.started.Load() {
			// After READY=1 only STATUS= is left to send, at most every
			// statusEvery: a burst of changes (a stop of 1000 workers)
			// costs one look at its end, not a ping of every owner and
			// a walk of the tree per change.
			if laterOn {
				return
			}
			if wait := statusEvery - time.Since(sentAt); wait > 0 {
				later.Reset(wait)
				laterOn = true
				return
			}
		}
		pctx, cancel := context.WithTimeout(ctx, refreshTimeout)
		err := d.tree.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && !laterOn {
				later.Reset(statusEvery)
				laterOn = true
			}
			return
		}
		snap := d.tree.Snapshot()
		line := statusLine(snap)
		if !d.started.Load() && snap.State != tree.Stopping && initialStartDone(snap) {
			d.started.Store(true)
			d.log.Info("initial start finished", "status", line)
			d.service.Started(line)
			sent, sentAt = line, time.Now()
			return
		}
		if line == sent {
			return
		}
		if wait := statusEvery - time.Since(sentAt); wait > 0 {
			if !laterOn {
				later.Reset(wait)
				laterOn = true
			}
			return
		}
		d.service.Status(line)
		sent, sentAt = line, time.Now()
	}
	refresh()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.changed:
			refresh()
		case <-treeReady:
			treeReady = nil
			refresh()
		case <-later.C:
			laterOn = false
			refresh()
		case <-beat:
			pctx, cancel := context.WithTimeout(ctx, wd/4)
			err := d.tree.Ping(pctx)
			cancel()
			if err == nil {
				d.service.Watchdog()
			} else if ctx.Err() == nil {
				d.log.Warn("liveness: the tree did not answer in time; withholding systemd's watchdog ping", "err", err)
			}
		}
	}
}
