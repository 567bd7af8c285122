package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"supd/control/api"
	"supd/control/client"
)

// tmux is a tmux server of the test's own, running a shell in one window
// of a fixed size, for driving a full-screen program as a person would.
type tmux struct {
	t    *testing.T
	bin  string
	sock string
}

func startTmux(t *testing.T, env ...string) *tmux {
	t.Helper()
	bin, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not on PATH (make testdeps installs it as root)")
	}
	tm := &tmux{t: t, bin: bin, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	cmd := exec.Command(bin, "-S", tm.sock, "-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", "sh")
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "ENV=")
	cmd.Env = append(cmd.Env, env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(bin, "-S", tm.sock, "kill-server").Run() })
	return tm
}

func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command(tm.bin, append([]string{"-S", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// keys types keys (tmux key names: Enter, Escape, Up, C-c, or text).
func (tm *tmux) keys(keys ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", "0"}, keys...)...)
}

// screen is the window's text; with escapes, its SGR sequences too.
func (tm *tmux) screen(escapes bool) string {
	tm.t.Helper()
	args := []string{"capture-pane", "-p", "-t", "0"}
	if escapes {
		args = append(args, "-e")
	}
	return tm.run(args...)
}

// screenPollEvery is how often waitScreen looks at the terminal again:
// tmux has no way to tell when the pane changed.
const screenPollEvery = 20 * time.Millisecond

// waitScreen waits until the screen matches re and returns it.
func (tm *tmux) waitScreen(re string) string {
	tm.t.Helper()
	rx := regexp.MustCompile("(?m)" + re)
	var s string
	deadline := time.Now().Add(scriptDeadline)
	for {
		s = tm.screen(false)
		if rx.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen did not match %s within %v:\n%s", re, scriptDeadline, s)
		}
		time.Sleep(screenPollEvery)
	}
}

const topConfig = `version: 1
root:
  children:
    - name: web
      strategy: rest_for_one
      children:
        - name: db
          command: ["{{TESTPROC}}", "-sleep", "-pidfile", "{{DIR}}/db.pid"]
          backoff: {initial: 2s}
        - name: api
          command: ["{{TESTPROC}}", "-sleep"]
    - name: solo
      command: ["{{TESTPROC}}", "-sleep"]
`

// TestTop runs supctl top in tmux against a real supd: a crash turns a
// node's state and restart count, a stop from the keyboard holds a
// worker, a supd that goes away is shown and reconnected to, and q leaves
// the terminal as it was.
func TestTop(t *testing.T) {
	t.Parallel()
	d := startSupd(t, topConfig)
	c := client.New(d.socket)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tm := startTmux(t, "SUPD_SOCKET="+d.socket, "PATH="+bin.dir+":"+os.Getenv("PATH"))
	tm.waitScreen(`^[#$]`)
	before := tm.run("display-message", "-p", "-t", "0", "#{pane_pid}")
	tm.keys("stty -g > "+filepath.Join(d.dir, "stty.before")+"; supctl top", "Enter")
	tm.waitScreen(`^supd top · .* 3 workers: 3 running +live$`)
	tm.waitScreen(`^│   ├── db +running +\d+ `)

	// A crash: db is killed; its state and restart count turn, with the
	// cause, and rest_for_one's budget shows it.
	db := firstPid(t, filepath.Join(d.dir, "db.pid"))
	killAll(t, db)
	if err := syscall.Kill(db, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	tm.waitScreen(`^│   ├── db +backoff +- +- +1 signal KILL, signal, \d+s ago`)
	tm.waitScreen(`^├── web +running .*rest_for_one, budget 1/3 in 5s`)
	tm.waitScreen(`^│   ├── db +running +\d+ +\d+s +1 signal KILL, signal`)

	// A stop from the keyboard: the selection is found by the filter.
	tm.keys("/", "solo", "Enter")
	tm.waitScreen(`^└── solo +running`)
	tm.keys("x")
	tm.waitScreen(`^stop solo: stopped; held until started$`)
	tm.waitScreen(`^└── solo +stopped +- +- +0 signal TERM, signal, \d+s ago +held until started`)
	if n, err := c.Node(ctx, "solo"); err != nil || !n.Held || n.State != api.StateStopped {
		t.Errorf("solo after x: %+v, %v; want held stopped", n, err)
	}
	// (A key right after Escape would read as Alt+key: wait for the
	// filter to go.)
	tm.keys("Escape")
	tm.waitScreen(`^├── web +running`)

	// A subtree asks first.
	tm.keys("g", "j", "r")
	tm.waitScreen(`^restart web and the 2 nodes below it\? \[y/N\]$`)
	tm.keys("n")
	tm.waitScreen(`^restart web: cancelled$`)

	// supd goes away: shown, and top reconnects to the next supd.
	d.signal(syscall.SIGKILL)
	d.wait(10 * time.Second)
	tm.waitScreen(`DISCONNECTED, reconnecting: `)
	d2 := restartSupd(t, d)
	_ = d2
	tm.waitScreen(`^supd top · .* 3 workers: 3 running +live$`)
	tm.waitScreen(`^connected to supd again$`)

	// q restores the terminal: the shell is back, its settings unchanged.
	tm.keys("q")
	tm.waitScreen(`^[#$]$`)
	tm.keys("stty -g | cmp - "+filepath.Join(d.dir, "stty.before")+" && echo SANE", "Enter")
	tm.waitScreen(`^SANE$`)
	if after := tm.run("display-message", "-p", "-t", "0", "#{pane_pid}"); after != before {
		t.Errorf("the shell changed: %s → %s", before, after)
	}
}

// restartSupd starts supd again on d's config and socket.
func restartSupd(t *testing.T, d *daemon) *daemon {
	t.Helper()
	d2 := &daemon{t: t, dir: d.dir, config: d.config, socket: d.socket, done: make(chan struct{})}
	d2.cmd = exec.Command(bin.supd, "--config", d.config, "--socket", d.socket)
	d2.cmd.Stdout = lockedWriter{&d2.mu, &d2.stdout}
	d2.cmd.Stderr = lockedWriter{&d2.mu, &d2.stderr}
	d2.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d2.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = d2.cmd.Wait(); close(d2.done) }()
	t.Cleanup(func() {
		_ = d2.cmd.Process.Kill()
		<-d2.done
	})
	return d2
}

// TestTopNoColor: NO_COLOR leaves only bold, faint and reverse video; and
// without it, states have colours (so the check can fail).
func TestTopNoColor(t *testing.T) {
	t.Parallel()
	d := startSupd(t, topConfig)
	colour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|38|9[0-7])[;m]`)
	for _, noColor := range []bool{true, false} {
		env := []string{"SUPD_SOCKET=" + d.socket, "PATH=" + bin.dir + ":" + os.Getenv("PATH"), "TERM=xterm-256color"}
		if noColor {
			env = append(env, "NO_COLOR=yes")
		}
		tm := startTmux(t, env...)
		tm.waitScreen(`^[#$]`)
		tm.keys("supctl top", "Enter")
		tm.waitScreen(`^└── solo +running`)
		s := tm.screen(true)
		if got := colour.MatchString(s); got == noColor {
			t.Errorf("NO_COLOR %v: colour codes on the screen: %v\n%q", noColor, got, s)
		}
		tm.keys("q")
		tm.waitScreen(`^[#$]$`)
	}
}
