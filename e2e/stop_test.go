package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"supd/control/api"
)

// stop_timeout: 0s is OTP's brutal_kill: the worker gets SIGKILL with no
// stop_signal before it (SPEC §1). The kernel's own record of the signals
// generated for the worker says so, and so does the worker, which logs
// every signal it receives.
func TestStopTimeoutZeroSendsOnlyKill(t *testing.T) {
	trace := startSignalTrace(t)
	d := startSupd(t, `version: 1
root:
  children:
    - name: w
      command: ["{{TESTPROC}}", "-sleep", "-signal-log", "{{DIR}}/signals", "-pidfile", "{{DIR}}/w.pid"]
      stop_timeout: 0s
`)
	pid := firstPid(t, filepath.Join(d.dir, "w.pid"))
	killAll(t, pid)
	d.mustCtl("stop", "w")
	waitFor(t, "the worker gone", 5*time.Second, func() bool { return !alive(pid) })

	sigs := trace.sentTo(t, pid)
	if len(sigs) == 0 {
		t.Fatalf("the kernel recorded no signal for pid %d", pid)
	}
	for _, s := range sigs {
		// SIGURG is the Go runtime's own: testproc preempts its threads.
		if s != syscall.SIGKILL && s != syscall.SIGURG {
			t.Errorf("pid %d was sent %v before it died; want only SIGKILL (signals: %v)", pid, s, sigs)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(d.dir, "signals")); len(b) > 0 {
		t.Errorf("the worker received %q before SIGKILL", b)
	}
	n, _ := d.node("w")
	if n.LastExit == nil || n.LastExit.Signal != "KILL" {
		t.Errorf("last exit %+v, want signal KILL", n.LastExit)
	}
}

// signalTrace records the kernel's signal_generate events in a tracing
// instance of the test's own, so that a test sees every signal sent to a
// process, even one that arrived a moment before a SIGKILL.
type signalTrace struct{ dir string }

func startSignalTrace(t *testing.T) *signalTrace {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the kernel's signal trace needs root")
	}
	const tracefs = "/sys/kernel/tracing"
	if _, err := os.Stat(filepath.Join(tracefs, "instances")); err != nil {
		if err := syscall.Mount("tracefs", tracefs, "tracefs", 0, ""); err != nil {
			t.Skipf("no tracefs at %s (mount: %v)", tracefs, err)
		}
	}
	dir := filepath.Join(tracefs, "instances", "supd-e2e-"+strconv.Itoa(os.Getpid())+"-"+strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("a tracing instance: %v", err)
	}
	t.Cleanup(func() {
		_ = os.WriteFile(filepath.Join(dir, "events/signal/signal_generate/enable"), []byte("0"), 0)
		_ = syscall.Rmdir(dir)
	})
	if err := os.WriteFile(filepath.Join(dir, "events/signal/signal_generate/enable"), []byte("1"), 0); err != nil {
		t.Skipf("enabling signal_generate: %v", err)
	}
	return &signalTrace{dir}
}

var generated = regexp.MustCompile(`signal_generate: sig=(\d+) errno=-?\d+ code=(-?\d+) .* pid=(\d+) `)

// siTkill is the code of a signal sent by tgkill(2) or tkill(2), which supd
// never uses: a Go program's runtime preempts its own threads so (SIGURG).
const siTkill = -6

// sentTo returns the signals generated for pid so far, in order, but those
// sent to one of its threads (siTkill).
func (tr *signalTrace) sentTo(t *testing.T, pid int) []syscall.Signal {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tr.dir, "trace"))
	if err != nil {
		t.Fatal(err)
	}
	var out []syscall.Signal
	for _, m := range generated.FindAllStringSubmatch(string(b), -1) {
		if p, _ := strconv.Atoi(m[3]); p == pid && m[2] != strconv.Itoa(siTkill) {
			s, _ := strconv.Atoi(m[1])
			out = append(out, syscall.Signal(s))
		}
	}
	return out
}

// stop: sequential stops children in reverse order, each stop complete
// before the next; stop: parallel gives them all their stop at once. Seen
// with real processes that take 300 ms to go, through the event stream.
func TestStopModes(t *testing.T) {
	for _, mode := range []string{"sequential", "parallel"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			yaml := "version: 1\nroot:\n  children:\n    - name: s\n      stop: " + mode + "\n      children:\n"
			for _, n := range []string{"a", "b", "c"} {
				yaml += "        - {name: " + n + `, command: ["{{TESTPROC}}", "-sleep", "-ignore-term"], stop_timeout: 300ms}` + "\n"
			}
			d := startSupd(t, yaml)
			ev := d.follow()
			d.running("s/c")
			m := ev.mark()
			d.mustCtl("stop", "s")
			ev.wait(m, "s stopped", 10*time.Second, into("s", api.StateStopped))
			var got []string
			for _, e := range ev.since(m) {
				// Only the stop's changes: the start's may still be arriving.
				if e.Kind == api.EventState && strings.HasPrefix(e.Path, "s/") && (e.New == api.StateStopping || e.New == api.StateStopped) {
					got = append(got, e.Path[2:]+":"+string(e.New))
				}
			}
			want := map[string]string{
				"sequential": "c:stopping c:stopped b:stopping b:stopped a:stopping a:stopped",
				"parallel":   "stopping stopping stopping stopped stopped stopped",
			}[mode]
			s := strings.Join(got, " ")
			if mode == "parallel" {
				s = strings.Join(strings.Fields(strings.NewReplacer("a:", "", "b:", "", "c:", "").Replace(s)), " ")
			}
			if s != want {
				t.Fatalf("stop: %s: %v, want %s", mode, got, want)
			}
		})
	}
}
