package daemon

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"supd/config"
	"supd/control/api"
)

// reloader carries out reloads (SPEC §2.8), one at a time: SIGHUP, POST
// /v1/reload and a change of the config file all come here. A reload that
// arrives while another is applying waits for it, then reads the file
// afresh (so a burst of requests ends with the newest file applied and the
// later ones find nothing to do). During a shutdown a reload is refused.
type reloader struct {
	d  *daemon
	mu sync.Mutex // one reload at a time; guards seen

	cfg  atomic.Pointer[config.Config] // the config the tree runs
	seen [sha256.Size]byte             // the content last loaded, for the file watch
}

// current is the config the tree runs now.
func (r *reloader) current() *config.Config { return r.cfg.Load() }

// reload reloads the config file and applies the plan, or with dryRun only
// returns it. trigger says what asked for it, for the log. An invalid
// config changes nothing and fails with every error, wrapping
// api.ErrInvalid.
func (r *reloader) reload(ctx context.Context, trigger string, dryRun bool) (api.Plan, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reloadLocked(ctx, trigger, dryRun, false)
}

// errUnsettled is a file watch's first look at a file that reads as
// invalid: nothing was reported, and the watch looks again.
var errUnsettled = errors.New("the config file reads as invalid; looking again")

// reloadWatched is the file watch's reload: it does nothing when the
// content is what the last reload read; with tentative, an invalid file is
// not reported but answered errUnsettled, as an editor may be midway
// through writing it.
func (r *reloader) reloadWatched(tentative bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if contentHash(r.current().File) == r.seen {
		return nil
	}
	_, err := r.reloadLocked(context.Background(), "config file changed", false, tentative)
	return err
}

func (r *reloader) reloadLocked(ctx context.Context, trigger string, dryRun, tentative bool) (api.Plan, error) {
	d, old := r.d, r.current()
	if d.stopping.Load() {
		err := categorised{errors.New("supd is shutting down"), api.ErrConflict}
		if !dryRun {
			r.failed(trigger, err)
		}
		return api.Plan{}, err
	}
	seen := contentHash(old.File)
	next, warns, err := config.Load(old.File)
	if err != nil && tentative {
		return api.Plan{}, errUnsettled
	}
	if !dryRun {
		// systemd hears RELOADING=1 and then READY=1 around every reload,
		// one that fails or changes nothing too (SPEC §2.9).
		d.service.Reloading()
		defer d.service.Ready()
		r.seen = seen
		d.publish(api.Event{Kind: api.EventReloading, Message: trigger})
		d.log.Info("reloading", "trigger", trigger, "config", old.File)
	}
	if err == nil {
		err = checkChangedLogs(old, next)
	}
	if err != nil {
		err = invalid(err)
		if !dryRun {
			r.failed(trigger, err)
		}
		return api.Plan{}, err
	}
	for _, w := range warns {
		d.log.Warn("config", "warning", w.String())
	}
	plan := config.Diff(old, next)
	out := apiPlan(plan, notes(old, next))
	if dryRun {
		return out, nil
	}
	if err := d.tree.Apply(ctx, next.Root, plan); err != nil {
		err = apiErr(err)
		r.failed(trigger, err)
		return api.Plan{}, err
	}
	r.cfg.Store(next)
	checkFDLimit(d.log, next)
	summary := planSummary(plan)
	for _, n := range out.Notes {
		d.log.Warn("reload", "note", n)
	}
	d.log.Info("reloaded", "trigger", trigger, "plan", summary)
	d.publish(api.Event{Kind: api.EventReload, Message: summary})
	return out, nil
}

// failed reports a reload that changed nothing: every error to supd's log
// and in the reload_failed event.
func (r *reloader) failed(trigger string, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		r.d.log.Error("reload failed", "trigger", trigger, "err", line)
	}
	r.d.publish(api.Event{Kind: api.EventReloadFailed, Message: err.Error()})
}

// contentHash is the hash of the file's content through any symlinks, or
// zero when it cannot be read.
func contentHash(file string) [sha256.Size]byte {
	b, err := os.ReadFile(file)
	if err != nil {
		return [sha256.Size]byte{}
	}
	return sha256.Sum256(b)
}

// invalid marks a config's errors as the client's (400, exit 1) and keeps
// every one of them, a line each.
func invalid(err error) error {
	var list config.ErrorList
	if errors.As(err, &list) {
		lines := make([]string, len(list))
		for i, e := range list {
			lines[i] = e.Error()
		}
		return categorised{errors.New(strings.Join(lines, "\n")), api.ErrInvalid}
	}
	return categorised{err, api.ErrInvalid}
}

// checkChangedLogs fails when a log file that the reload adds or changes
// cannot be created or written, before anything changes (SPEC §1).
func checkChangedLogs(old, next *config.Config) error {
	var errs []error
	for path, w := range next.Workers() {
		if w.Logs.File == "" {
			continue
		}
		if n, ok := old.Lookup(path); ok && n.Worker != nil && n.Worker.Logs.File == w.Logs.File {
			continue
		}
		if err := checkLog(path, w.Logs.File); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// notes lists what a reload leaves for supd's next start.
func notes(old, next *config.Config) []string {
	var out []string
	if old.Control != next.Control {
		out = append(out, "control: the socket's and control.http's settings take effect when supd next starts")
	}
	return out
}

// planSummary counts a plan's actions: "1 restart, 2 add, 10 keep".
func planSummary(p config.Plan) string {
	counts := map[config.Action]int{}
	for _, c := range p.Changes {
		counts[c.Action]++
	}
	var parts []string
	for _, a := range []config.Action{config.ActionRestart, config.ActionUpdate, config.ActionAdd, config.ActionRemove, config.ActionKeep} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	return strings.Join(parts, ", ")
}
