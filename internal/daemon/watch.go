package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"supd/control/api"
)

// The watch's timing (SPEC §2.8: a burst of changes is one reload, started
// within a second of the last). It reloads once the file has been quiet for
// quiet, and at the latest burst after the first change of a burst that
// never ends. A file that reads as invalid is read again after settle
// before the reload is refused: an editor that writes in place may be
// between its truncate and its write.
const (
	quiet  = 30 * time.Millisecond
	burst  = time.Second
	settle = 250 * time.Millisecond
)

// watch reloads when the config file changes on disk, until the returned
// function is called. It watches through folders, not the file: the
// config's folder for any change in it (editors rename a new file over the
// old, Kubernetes swaps a ..data symlink beside it), and, for a change of
// the next name on the path, the folder above it (the folder renamed away
// and back) and the folder holding each symlinked folder on the path (one
// swapped with ln -sfn). After each change it sets its watches up again
// along the path as it is now, so the watch survives the file or a folder
// missing for a while, and it reloads only when the file's content really
// changed.
func (d *daemon) watch() (stop func()) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		d.log.Warn("config watch: off", "err", err)
		return func() {}
	}
	cw := &configWatch{d: d, w: w, file: d.cfg.File}
	cw.rewatch()
	done := make(chan struct{})
	go func() {
		defer close(done)
		cw.run()
	}()
	return func() {
		w.Close()
		<-done
	}
}

type configWatch struct {
	d       *daemon
	w       *fsnotify.Watcher
	file    string            // the config path as given: its folders are watched, not its target
	watched map[string]string // folder → the name below it on the way to the file
	missing bool              // the file was gone at the last look: logged once
	unsafe  bool              // another user could change the file: logged once
	first   time.Time         // the first change of the burst being waited out
	retried bool              // the file read as invalid once: the next look decides
}

func (cw *configWatch) run() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-cw.w.Events:
			if !ok {
				return
			}
			if cw.relevant(ev) {
				cw.wait(timer, quiet)
			}
		case err, ok := <-cw.w.Errors:
			if !ok {
				return
			}
			cw.d.log.Warn("config watch", "err", err)
			cw.wait(timer, quiet) // events may have been lost: look again
		case <-timer.C:
			cw.first = time.Time{}
			cw.rewatch()
			if cw.check() {
				cw.wait(timer, settle)
			}
		}
	}
}

// relevant reports whether ev may have changed what the config path
// leads to.
func (cw *configWatch) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	dir, name := filepath.Dir(ev.Name), filepath.Base(ev.Name)
	next, ok := cw.watched[dir]
	return ok && (dir == filepath.Dir(cw.file) || name == next)
}

// wait (re)arms the timer to fire after d, but no later than burst after
// the first change it waits out.
func (cw *configWatch) wait(timer *time.Timer, d time.Duration) {
	now := time.Now()
	if cw.first.IsZero() {
		cw.first = now
	}
	timer.Reset(min(d, cw.first.Add(burst).Sub(now)))
}

// check reloads when the file's content changed since the last reload. It
// reports true to be called again after settle, when the file read as
// invalid for the first time.
func (cw *configWatch) check() (again bool) {
	if _, err := os.Stat(cw.file); err != nil {
		if !cw.missing {
			cw.d.log.Warn("config watch: the config file is gone; the running config stays", "config", cw.file, "err", err)
		}
		cw.missing = true
		return false
	}
	cw.missing = false
	if err := trustConfig(cw.file); err != nil {
		cw.refuse(err)
		return false
	}
	cw.unsafe = false
	err := cw.d.reloader.reloadWatched(!cw.retried)
	cw.retried = errors.Is(err, errUnsettled)
	return cw.retried
}

// refuse reports a change that the watch does not reload because another
// user could have made it: an error once, until the file is safe again, and
// a reload_failed event for each change.
func (cw *configWatch) refuse(err error) {
	if !cw.unsafe {
		cw.d.log.Error("config watch: not reloading", "config", cw.file, "err", err)
	}
	cw.unsafe = true
	cw.d.publish(api.Event{Kind: api.EventReloadFailed, Message: err.Error()})
}

// rewatch sets the watches up along the path as it resolves now: the
// config's folder, the one above it, and the folder of every symlink
// among the folders on the path. Folders that do not exist are skipped;
// a change in the one above brings them back.
func (cw *configWatch) rewatch() {
	for dir := range cw.watched {
		_ = cw.w.Remove(dir)
	}
	cw.watched = map[string]string{}
	dir := filepath.Dir(cw.file)
	cw.add(dir, filepath.Base(cw.file))
	for depth := 0; dir != filepath.Dir(dir); depth++ {
		name := filepath.Base(dir)
		dir = filepath.Dir(dir)
		if fi, err := os.Lstat(filepath.Join(dir, name)); depth == 0 || err == nil && fi.Mode()&os.ModeSymlink != 0 {
			cw.add(dir, name)
		}
	}
}

func (cw *configWatch) add(dir, next string) {
	if err := cw.w.Add(dir); err == nil {
		cw.watched[dir] = next
	}
}
