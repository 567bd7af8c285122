package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/control/api"
)

// Hot reload (SPEC §2.8) with real processes: what each trigger changes,
// and what it leaves alone.

// threeWorkers is a tree of a, b and c; b's V is version, so that changing
// it restarts b alone.
func threeWorkers(version string) string {
	w := func(name, env string) string {
		return fmt.Sprintf("    - name: %s\n      command: [\"{{TESTPROC}}\", \"-sleep\", \"-pidfile\", \"{{DIR}}/%s.pid\"]\n      stop_timeout: 2s\n%s",
			name, name, env)
	}
	return "version: 1\nroot:\n  strategy: one_for_all\n  children:\n" +
		w("a", "") + w("b", "      env: {V: \""+version+"\"}\n") + w("c", "")
}

// expand fills in a config as writeConfig does, for files a test writes
// itself.
func (d *daemon) expand(yaml string) []byte {
	return []byte(strings.NewReplacer("{{TESTPROC}}", bin.testproc, "{{DIR}}", d.dir, "{{SOCKET}}", d.socket).Replace(yaml))
}

func (d *daemon) pidsOf(names ...string) map[string]int {
	d.t.Helper()
	out := map[string]int{}
	for _, n := range names {
		out[n] = firstPid(d.t, filepath.Join(d.dir, n+".pid"))
		killAll(d.t, out[n])
	}
	return out
}

// wantOnlyBReplaced checks that b runs a new process and a and c their old.
func (d *daemon) wantOnlyBReplaced(before map[string]int) {
	d.t.Helper()
	waitFor(d.t, "b replaced", 10*time.Second, func() bool {
		p := pids(d.t, filepath.Join(d.dir, "b.pid"))
		return len(p) > 0 && p[0] != before["b"] && alive(p[0])
	})
	killAll(d.t, pids(d.t, filepath.Join(d.dir, "b.pid"))...)
	for _, n := range []string{"a", "c"} {
		if p := pids(d.t, filepath.Join(d.dir, n+".pid")); p[0] != before[n] || !alive(before[n]) {
			d.t.Errorf("%s was touched: pid %d → %d", n, before[n], p[0])
		}
	}
	if alive(before["b"]) {
		d.t.Errorf("b's old pid %d still runs", before["b"])
	}
}

// writeAtomic writes a file as editors do: a new file renamed over the old.
func writeAtomic(t *testing.T, path string, b []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// symlinkAtomic points link at target as `ln -sfn` does, in one rename.
func symlinkAtomic(t *testing.T, target, link string) {
	t.Helper()
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

func TestReloadTriggers(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		setup func(d *daemon) string // makes the layout; returns the --config path
		fire  func(d *daemon, path string, next []byte)
	}{
		{"SIGHUP", []string{"--no-watch"}, nil, func(d *daemon, path string, next []byte) {
			writeAtomic(d.t, path, next)
			d.signal(syscall.SIGHUP)
		}},
		{"supctl reload", []string{"--no-watch"}, nil, func(d *daemon, path string, next []byte) {
			writeAtomic(d.t, path, next)
			out := d.mustCtl("reload")
			if !strings.Contains(out, "restart  b  env.V: 1 → 2") {
				d.t.Errorf("supctl reload printed:\n%s", out)
			}
		}},
		{"rename over", nil, nil, func(d *daemon, path string, next []byte) { writeAtomic(d.t, path, next) }},
		{"write in place", nil, nil, func(d *daemon, path string, next []byte) {
			if err := os.WriteFile(path, next, 0o644); err != nil {
				d.t.Fatal(err)
			}
		}},
		{"delete and recreate", nil, nil, func(d *daemon, path string, next []byte) {
			os.Remove(path)
			time.Sleep(2 * settleForTests)
			if err := os.WriteFile(path, next, 0o644); err != nil {
				d.t.Fatal(err)
			}
		}},
		{"symlink swap", nil, func(d *daemon) string {
			os.Rename(d.config, filepath.Join(d.dir, "v1.yaml"))
			os.Symlink("v1.yaml", d.config)
			return d.config
		}, func(d *daemon, path string, next []byte) {
			os.WriteFile(filepath.Join(d.dir, "v2.yaml"), next, 0o644)
			symlinkAtomic(d.t, "v2.yaml", path)
		}},
		{"ConfigMap ..data swap", nil, func(d *daemon) string {
			mount := filepath.Join(d.dir, "config")
			os.MkdirAll(filepath.Join(mount, "..v1"), 0o755)
			b, _ := os.ReadFile(d.config)
			os.WriteFile(filepath.Join(mount, "..v1", "supd.yaml"), b, 0o644)
			os.Symlink("..v1", filepath.Join(mount, "..data"))
			os.Symlink("..data/supd.yaml", filepath.Join(mount, "supd.yaml"))
			return filepath.Join(mount, "supd.yaml")
		}, func(d *daemon, path string, next []byte) {
			mount := filepath.Dir(path)
			os.MkdirAll(filepath.Join(mount, "..v2"), 0o755)
			os.WriteFile(filepath.Join(mount, "..v2", "supd.yaml"), next, 0o644)
			symlinkAtomic(d.t, "..v2", filepath.Join(mount, "..data"))
			os.RemoveAll(filepath.Join(mount, "..v1"))
		}},
		{"folder symlink swap", nil, func(d *daemon) string {
			os.MkdirAll(filepath.Join(d.dir, "releases", "v1"), 0o755)
			b, _ := os.ReadFile(d.config)
			os.WriteFile(filepath.Join(d.dir, "releases", "v1", "supd.yaml"), b, 0o644)
			os.Symlink("releases/v1", filepath.Join(d.dir, "current"))
			return filepath.Join(d.dir, "current", "supd.yaml")
		}, func(d *daemon, path string, next []byte) {
			os.MkdirAll(filepath.Join(d.dir, "releases", "v2"), 0o755)
			os.WriteFile(filepath.Join(d.dir, "releases", "v2", "supd.yaml"), next, 0o644)
			symlinkAtomic(d.t, "releases/v2", filepath.Join(d.dir, "current"))
		}},
		{"folder renamed away and back", nil, func(d *daemon) string {
			os.Mkdir(filepath.Join(d.dir, "etc"), 0o755)
			path := filepath.Join(d.dir, "etc", "supd.yaml")
			os.Rename(d.config, path)
			return path
		}, func(d *daemon, path string, next []byte) {
			etc := filepath.Dir(path)
			os.Rename(etc, etc+".away")
			time.Sleep(2 * settleForTests)
			os.WriteFile(filepath.Join(etc+".away", "supd.yaml"), next, 0o644)
			os.Rename(etc+".away", etc)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := startSupdLaid(t, threeWorkers("1"), tt.setup, tt.args...)
			ev := d.follow()
			before := d.pidsOf("a", "b", "c")
			d.running("b")
			m := ev.mark()
			tt.fire(d, d.config, d.expand(threeWorkers("2")))
			e := ev.wait(m, "the reload", 10*time.Second, func(e api.Event) bool {
				return e.Kind == api.EventReload || e.Kind == api.EventReloadFailed
			})
			if e.Kind != api.EventReload || e.Message != "1 restart, 3 keep" {
				t.Fatalf("event %s %q, want reload of 1 restart, 3 keep", e.Kind, e.Message)
			}
			d.wantOnlyBReplaced(before)
		})
	}
}

// settleForTests is longer than the watch waits (internal/daemon's quiet
// and settle), for tests that must let it look before their next step.
const settleForTests = 300 * time.Millisecond

// startSupdLaid starts supd on yaml after setup, which may move the config
// to another layout and returns the path to give supd.
func startSupdLaid(t *testing.T, yaml string, setup func(*daemon) string, args ...string) *daemon {
	t.Helper()
	if setup == nil {
		return startSupd(t, yaml, args...)
	}
	dir, path, socket := writeConfig(t, yaml)
	d := &daemon{t: t, dir: dir, config: path, socket: socket}
	d.config = setup(d)
	return startSupdAt(t, d, args...)
}

// A burst of writes (a tool writing the file piece by piece, as fast as it
// can) is one reload, started within a second of the last write.
func TestReloadBurstIsOneReload(t *testing.T) {
	d := startSupd(t, threeWorkers("1"))
	ev := d.follow()
	before := d.pidsOf("a", "b", "c")
	d.running("b")
	m := ev.mark()
	var last time.Time
	for i := 0; i < 20; i++ {
		v := "1"
		if i == 19 {
			v = "2"
		}
		yaml := threeWorkers(v) + fmt.Sprintf("# write %d\n", i)
		if err := os.WriteFile(d.config, d.expand(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		last = time.Now()
	}
	e := ev.wait(m, "the reload", 10*time.Second, kind(api.EventReload))
	if lag := e.Time.Sub(last); lag > time.Second {
		t.Errorf("the reload came %v after the last write, want within 1s", lag)
	}
	d.wantOnlyBReplaced(before)
	time.Sleep(3 * settleForTests)
	n := 0
	for _, e := range ev.since(m) {
		if e.Kind == api.EventReloading {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d reloads for a burst of 20 writes, want 1", n)
	}
}

// An invalid file changes nothing, says every error, and the watch goes
// on to take the next good file.
func TestReloadInvalidChangesNothing(t *testing.T) {
	d := startSupd(t, threeWorkers("1"))
	ev := d.follow()
	before := d.pidsOf("a", "b", "c")
	m := ev.mark()
	bad := strings.Replace(threeWorkers("2"), "stop_timeout: 2s", "stop_timeout: 2", 1)
	bad = strings.Replace(bad, "strategy: one_for_all", "strategy: one_for_every", 1)
	writeAtomic(t, d.config, d.expand(bad))
	e := ev.wait(m, "reload_failed", 10*time.Second, kind(api.EventReloadFailed))
	for _, want := range []string{`supd.yaml:3:13: root: strategy: must be one_for_one, one_for_all or rest_for_one, got "one_for_every"`, `supd.yaml:7:21: root.children[0] "a": stop_timeout: "2" needs a unit`} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("reload_failed says %q, lacking %q", e.Message, want)
		}
	}
	out, err := d.ctl("reload")
	if err == nil || !strings.Contains(err.Error(), "one_for_every") || !strings.Contains(err.Error(), "needs a unit") {
		t.Errorf("supctl reload of an invalid file: %v, %q; want exit 1 with every error", err, out)
	}
	for n, p := range d.pidsOf("a", "b", "c") {
		if p != before[n] || !alive(p) {
			t.Errorf("%s changed: %d → %d", n, before[n], p)
		}
	}
	m = ev.mark()
	writeAtomic(t, d.config, d.expand(threeWorkers("2")))
	ev.wait(m, "the reload of the fixed file", 10*time.Second, kind(api.EventReload))
	d.wantOnlyBReplaced(before)
}

// --no-watch really turns the watch off.
func TestReloadNoWatch(t *testing.T) {
	d := startSupd(t, threeWorkers("1"), "--no-watch")
	ev := d.follow()
	before := d.pidsOf("b")
	m := ev.mark()
	writeAtomic(t, d.config, d.expand(threeWorkers("2")))
	time.Sleep(1500 * time.Millisecond)
	for _, e := range ev.since(m) {
		if e.Kind != api.EventState {
			t.Fatalf("with --no-watch a change of the file caused %s", e.Kind)
		}
	}
	if p := d.pidsOf("b"); p["b"] != before["b"] {
		t.Fatal("b was restarted")
	}
}

// A node held by `supctl stop` stays stopped through a reload that changes
// it, and `supctl start` then runs its new spec.
func TestReloadKeepsHolds(t *testing.T) {
	d := startSupd(t, threeWorkers("1"), "--no-watch")
	d.pidsOf("a", "b", "c")
	d.mustCtl("stop", "b")
	writeAtomic(t, d.config, d.expand(strings.Replace(threeWorkers("2"), `"-sleep", "-pidfile", "{{DIR}}/b.pid"`, `"-sleep", "-pidfile", "{{DIR}}/b2.pid"`, 1)))
	d.mustCtl("reload")
	if n, _ := d.node("b"); n.State != api.StateStopped || !n.Held {
		t.Fatalf("b after the reload: %s held=%v", n.State, n.Held)
	}
	d.mustCtl("start", "b")
	killAll(t, firstPid(t, filepath.Join(d.dir, "b2.pid")))
}

// A removed subtree's processes are all gone, grandchildren too; an added
// subtree starts in order.
func TestReloadRemovesAndAddsSubtrees(t *testing.T) {
	yaml := func(sub string) string {
		return "version: 1\nroot:\n  children:\n    - {name: keep, command: [\"{{TESTPROC}}\", \"-sleep\", \"-pidfile\", \"{{DIR}}/keep.pid\"]}\n" + sub
	}
	old := yaml(`    - name: s
      children:
        - {name: w, command: ["{{TESTPROC}}", "-sleep", "-children", "2", "-double-fork", "-child-ignore-term", "-pidfile", "{{DIR}}/w.pid"], stop_timeout: 1s}
`)
	next := yaml(`    - name: t
      children:
        - {name: first, command: ["{{TESTPROC}}", "-sleep", "-notify-ready", "300ms"], ready: {notify: true}}
        - {name: second, command: ["{{TESTPROC}}", "-sleep"]}
`)
	d := startSupd(t, old, "--no-watch")
	ev := d.follow()
	keep := d.pidsOf("keep")["keep"]
	var tree []int
	waitFor(t, "w and its grandchildren", 10*time.Second, func() bool { tree = pids(t, filepath.Join(d.dir, "w.pid")); return len(tree) == 3 })
	killAll(t, tree...)
	m := ev.mark()
	writeAtomic(t, d.config, d.expand(next))
	out := strings.Join(strings.Fields(d.mustCtl("reload")), " ")
	for _, want := range []string{"add t add t/first add t/second remove s remove s/w"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	ev.wait(m, "second running", 10*time.Second, into("t/second", api.StateRunning))
	for _, p := range tree {
		waitFor(t, fmt.Sprintf("pid %d of the removed subtree gone", p), 5*time.Second, func() bool { return !alive(p) })
	}
	first := ev.wait(m, "first running", time.Second, into("t/first", api.StateRunning))
	second := ev.wait(m, "second starting", time.Second, into("t/second", api.StateStarting))
	if second.Seq < first.Seq {
		t.Errorf("second started (event %d) before first was ready (event %d)", second.Seq, first.Seq)
	}
	if _, err := d.node("s"); err == nil {
		t.Error("s is still in the tree")
	}
	if !alive(keep) || d.pidsOf("keep")["keep"] != keep {
		t.Error("keep was touched")
	}
}

// Reloads that overlap run one after another and all answer; one during a
// shutdown is refused, and the shutdown goes on.
func TestReloadOverlapsAndShutdown(t *testing.T) {
	yaml := threeWorkers("1") + `    - name: stubborn
      command: ["{{TESTPROC}}", "-sleep", "-ignore-term", "-pidfile", "{{DIR}}/stubborn.pid"]
      stop_timeout: 3s
`
	d := startSupd(t, yaml, "--no-watch")
	ev := d.follow()
	d.pidsOf("a", "b", "c", "stubborn")
	writeAtomic(t, d.config, d.expand(strings.Replace(yaml, `V: "1"`, `V: "2"`, 1)))
	errs := make(chan error, 5)
	for range 5 {
		go func() { _, err := d.ctl("reload"); errs <- err }()
	}
	for range 5 {
		if err := <-errs; err != nil {
			t.Fatalf("an overlapping reload: %v", err)
		}
	}
	restarts := 0
	for _, e := range ev.since(0) {
		if e.Kind == api.EventReload && strings.Contains(e.Message, "restart") {
			restarts++
		}
	}
	if restarts != 1 {
		t.Fatalf("%d of 5 overlapping reloads restarted b, want 1 (the others find nothing to do)", restarts)
	}
	m := ev.mark()
	d.signal(syscall.SIGTERM)
	ev.wait(m, "the shutdown", 5*time.Second, kind(api.EventShutdown))
	_, err := d.ctl("reload")
	if err == nil || !strings.Contains(err.Error(), "supd is shutting down") {
		t.Fatalf("a reload during the shutdown: %v, want refused", err)
	}
	if st := d.wait(10 * time.Second); st != 0 {
		t.Fatalf("supd exited %d after a refused reload, want 0", st)
	}
}
