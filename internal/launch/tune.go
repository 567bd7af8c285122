package launch

import (
	"reflect"

	"supd/config"
)

// Tune applies a reload's live changes to the running worker (tree.Process):
// its log settings, and its health check, which starts again with the new
// probe when that changed.
func (r *run) Tune(w *config.Worker) {
	if err := r.log.Update(w.Logs); err != nil {
		r.l.o.Log.Warn("reload: log settings", "path", r.path, "err", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := !reflect.DeepEqual(r.w.Health, w.Health)
	r.w = w
	if r.ended || !changed {
		return
	}
	if r.health != nil {
		r.health.Stop()
		r.health = nil
	}
	if r.running && w.Health != nil {
		r.health = r.startHealth()
	}
}

// Retire closes the log of a worker that a reload removed (tree.Launcher),
// once its last run has ended: its file is flushed and closed, its ring
// and followers go.
func (l *Launcher) Retire(path string) {
	if lg := l.o.Hub.Remove(path); lg != nil {
		lg.Close()
	}
}
