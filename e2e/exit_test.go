package e2e

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// supd's exit status tells how the tree ended (SPEC §2.5, §2.6, §2.9).
func TestExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		signal []syscall.Signal // sent once the tree runs, in order
		want   int
		stderr string // a part of supd's log
	}{
		{
			name:   "SIGTERM stops and exits 0",
			yaml:   "root:\n  children:\n    - name: w\n      command: [\"{{TESTPROC}}\", \"-sleep\"]\n",
			signal: []syscall.Signal{syscall.SIGTERM},
			want:   0,
		},
		{
			name:   "SIGINT stops and exits 0",
			yaml:   "root:\n  children:\n    - name: w\n      command: [\"{{TESTPROC}}\", \"-sleep\"]\n",
			signal: []syscall.Signal{syscall.SIGINT},
			want:   0,
		},
		{
			name:   "the root giving up exits 3",
			yaml:   "root:\n  max_restarts: 2\n  children:\n    - name: w\n      command: [\"{{TESTPROC}}\", \"-exit\", \"1\"]\n      backoff: {initial: 0s}\n",
			want:   3,
			stderr: "gave_up=true",
		},
		{
			name: "auto_shutdown exits with the significant worker's code",
			yaml: "root:\n  auto_shutdown: any_significant\n  children:\n" +
				"    - name: db\n      command: [\"{{TESTPROC}}\", \"-sleep\"]\n" +
				"    - name: job\n      command: [\"{{TESTPROC}}\", \"-exit\", \"7\", \"-after\", \"200ms\"]\n      restart: temporary\n      significant: true\n",
			want: 7,
		},
		{
			name:   "a second signal during shutdown SIGKILLs and exits 1",
			yaml:   "root:\n  children:\n    - name: stubborn\n      command: [\"{{TESTPROC}}\", \"-sleep\", \"-ignore-term\", \"-pidfile\", \"{{DIR}}/ready.pid\"]\n      stop_timeout: infinity\n",
			signal: []syscall.Signal{syscall.SIGTERM, syscall.SIGTERM},
			want:   1,
			stderr: "killing every worker",
		},
		{
			name:   "shutdown_timeout passing exits 1",
			yaml:   "shutdown_timeout: 300ms\nroot:\n  children:\n    - name: stubborn\n      command: [\"{{TESTPROC}}\", \"-sleep\", \"-ignore-term\", \"-pidfile\", \"{{DIR}}/ready.pid\"]\n      stop_timeout: infinity\n",
			signal: []syscall.Signal{syscall.SIGTERM},
			want:   1,
			stderr: "shutdown_timeout passed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := startSupd(t, "version: 1\n"+tt.yaml)
			if len(tt.signal) > 0 {
				waitFor(t, "the tree to run", 10*time.Second, func() bool {
					return strings.Contains(d.Stderr(), "path=/ state=running")
				})
				if strings.Contains(tt.yaml, "ready.pid") {
					// testproc writes it once its signal handling is set.
					firstPid(t, filepath.Join(d.dir, "ready.pid"))
				}
				for i, sig := range tt.signal {
					if i > 0 {
						waitFor(t, "the shutdown to begin", 5*time.Second, func() bool {
							return strings.Contains(d.Stderr(), "path=/ state=stopping")
						})
					}
					d.signal(sig)
				}
			}
			if got := d.wait(15 * time.Second); got != tt.want {
				t.Fatalf("exit status %d, want %d", got, tt.want)
			}
			if !strings.Contains(d.Stderr(), tt.stderr) {
				t.Fatalf("log lacks %q", tt.stderr)
			}
		})
	}
}

// A bad config stops supd before anything starts, naming file:line:col.
func TestBadConfigExits1WithPositions(t *testing.T) {
	_, path, _ := writeConfig(t, `version: 1
root:
  children:
    - name: api
      command: ["{{TESTPROC}}"]
      stop_timeout: "10"
    - name: api
      command: x
      bogus: 1
`)
	for _, args := range [][]string{{"--config", path}, {"check", "--config", path}} {
		out, err := exec.Command(bin.supd, args...).CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 1 {
			t.Fatalf("supd %v: %v, want exit 1\n%s", args, err, out)
		}
		for _, want := range []string{"supd.yaml:6:21:", "needs a unit", "supd.yaml:7:13:", "duplicate", "supd.yaml:9:7:", "bogus"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("supd %v: output lacks %q:\n%s", args, want, out)
			}
		}
	}
}

func TestCheckAcceptsTheExamples(t *testing.T) {
	out, err := exec.Command(bin.supd, "check", "--config", "../examples/quickstart/supd.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "valid") {
		t.Fatalf("output: %s", out)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"nonsense"}, {"--log-format", "xml"}} {
		err := exec.Command(bin.supd, args...).Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Errorf("supd %v: %v, want exit 2", args, err)
		}
	}
}

// A reader of supd's stdout that goes away (`supd | head`) costs nothing:
// supd keeps running, and its workers do not inherit an ignored SIGPIPE.
func TestClosedStdoutIsNotFatal(t *testing.T) {
	_, path, socket := writeConfig(t, `version: 1
root:
  children:
    - name: chatter
      command: while true; do echo chatter; sleep 0.05; done
    - name: sigs
      command: grep SigIgn /proc/self/status; exec sleep 100
`)
	cmd := exec.Command(bin.supd, "--config", path, "--socket", socket)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	buf := make([]byte, 64)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	out.Close() // the reader goes away while chatter keeps printing
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("supd died when its stdout closed: %v", err)
	}
	logs, err := exec.Command(bin.supctl, "--socket", socket, "logs", "sigs").Output()
	if err != nil {
		t.Fatal(err)
	}
	_, mask, ok := strings.Cut(strings.TrimSpace(string(logs)), "SigIgn:")
	ign, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64)
	if !ok || err != nil {
		t.Fatalf("no SigIgn line in the worker's output: %q", logs)
	}
	if ign&(1<<(uint(syscall.SIGPIPE)-1)) != 0 {
		t.Fatalf("the worker inherited an ignored SIGPIPE: SigIgn %x", ign)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
}
