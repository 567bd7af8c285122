package launch

import (
	"reflect"

	"supd/config"
)

// Tune applies a reload's live changes to the running worker (tree.Process):
// its log settings, and its health check, which starts again with the new
// probe when that changed. It runs on the owner's goroutine, as Running
// does.
func (r *run) Tune(w *config.Worker) {
	if err := r.log.Update(w.Logs); err != nil {
		r.l.o.Log.Warn("reload: log settings", "path", r.path, "err", err)
	}
	// r.w is read and written on the owner's goroutine only (Launch,
	// Running, Tune); only live fields change, so nothing that started
	// with the process reads a different spec.
	changed := !reflect.DeepEqual(r.w.Health, w.Health)
	r.w = w
	if !changed || !r.running || r.isEnded() {
		return
	}
	if w.Health == nil {
		r.setHealth(nil)
		return
	}
	r.setHealth(r.startHealth())
}

// Retire closes the log of a worker that a reload removed (tree.Launcher),
// once its last run has ended: its file is flushed and closed, its ring
// and followers go.
func (l *Launcher) Retire(path string) {
	if lg := l.o.Hub.Remove(path); lg != nil {
		lg.Close()
	}
}
