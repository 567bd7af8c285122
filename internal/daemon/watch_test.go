package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"supd/control/api"
	"supd/internal/testuser"
)

const watchedYAML = `version: 1
root:
  children:
    - name: a
      command: ["{{TESTPROC}}", "-sleep"]
`

// rewrite writes the config file in place with n more workers, and
// returns the event of the reload the file watch made of it. It writes
// again (with a comment more) while no reload comes: the watch may not be
// set up yet when the test begins.
func rewrite(t *testing.T, r *runningDaemon, events <-chan api.Event, n int) api.Event {
	t.Helper()
	yaml := strings.ReplaceAll(watchedYAML, "{{TESTPROC}}", testprocPath)
	for i := range n {
		yaml += fmt.Sprintf("    - {name: w%d, command: [%q, -sleep]}\n", i, testprocPath)
	}
	deadline := time.After(10 * time.Second)
	for try := 0; ; try++ {
		if err := os.WriteFile(filepath.Join(r.dir, "supd.yaml"), fmt.Appendf([]byte(yaml), "# %d\n", try), 0o644); err != nil {
			t.Fatal(err)
		}
		again := time.After(time.Second)
	wait:
		for {
			select {
			case e := <-events:
				if e.Kind == api.EventReload || e.Kind == api.EventReloadFailed {
					return e
				}
			case <-again:
				break wait
			case <-deadline:
				t.Fatal("no reload within 10s")
			}
		}
	}
}

// The file watch does not reload a config that another user could have
// written: whoever may change it would choose what supd runs.
func TestWatchRefusesAConfigOthersMayChange(t *testing.T) {
	tests := []struct {
		name   string
		unsafe func(t *testing.T, r *runningDaemon) (undo func())
		want   string
	}{
		{"its folder is writable by every user", func(t *testing.T, r *runningDaemon) func() {
			os.Chmod(r.dir, 0o777)
			return func() { os.Chmod(r.dir, 0o700) }
		}, ": writable by every user and not sticky"},
		{"the file is writable by its group", func(t *testing.T, r *runningDaemon) func() {
			file := filepath.Join(r.dir, "supd.yaml")
			os.Chmod(file, 0o664)
			return func() { os.Chmod(file, 0o644) }
		}, "supd.yaml: writable by group"},
		{"the file belongs to another user", func(t *testing.T, r *runningDaemon) func() {
			u := testuser.New(t)
			file := filepath.Join(r.dir, "supd.yaml")
			u.Chown(t, file)
			return func() { os.Lchown(file, os.Geteuid(), os.Getegid()) }
		}, "supd.yaml: belongs to uid "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startDaemon(t, watchedYAML)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events, stop := r.d.bus.Follow(ctx, 0)
			defer stop()
			undo := tt.unsafe(t, r)
			if e := rewrite(t, r, events, 1); e.Kind != api.EventReloadFailed || !strings.Contains(e.Message, tt.want) {
				t.Fatalf("got %s %q, want reload_failed saying %q", e.Kind, e.Message, tt.want)
			}
			if _, ok := r.d.reloader.current().Lookup("w0"); ok {
				t.Fatal("the config was reloaded")
			}
			undo()
			if e := rewrite(t, r, events, 2); e.Kind != api.EventReload {
				t.Fatalf("once safe again: got %s %q, want a reload", e.Kind, e.Message)
			}
		})
	}
}
