package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// orphanWorkers each leave one background process, as `sleep & exec sleep`
// does: the measurement.
const orphanWorkers = 200

// BenchmarkSIGKILL200 runs 200 workers of `sleep 3600 & exec sleep 3600`,
// SIGKILLs supd, and counts the 400 sleeps still alive 1 s later and how
// long until none is: with the guardian and cgroups, with the guardian and
// sessions alone (SUPD_CGROUPS=off), and with the guardian SIGKILLed first
// (as supd was before it had one, or when both die at once: only supd's
// next start would clean up). With cgroups it also measures the guardian:
// its RSS and its wakeups (context switches, all threads) over 10 idle
// seconds.
func BenchmarkSIGKILL200(b *testing.B) {
	modes := []struct {
		name         string
		env          []string
		killGuardian bool
	}{
		{"guardian-cgroups", nil, false},
		{"guardian-sessions", []string{"SUPD_CGROUPS=off"}, false},
		{"no-guardian", nil, true},
	}
	var yaml strings.Builder
	yaml.WriteString("version: 1\nroot:\n  start: parallel\n  children:\n")
	for i := range orphanWorkers {
		fmt.Fprintf(&yaml, "    - name: w%d\n      command: \"sleep 3600 & exec sleep 3600\"\n", i)
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			for range b.N {
				s := startSupd(b, yaml.String(), m.env...)
				line := s.waitLog(b, `msg="guardian started"`, 60*time.Second)
				s.waitLog(b, "path=/ state=running", 60*time.Second)
				guardian := logPid(b, line)
				sleeps := waitSleeps(b, s.cmd.Process.Pid, 2*orphanWorkers)
				b.Cleanup(func() { killSurvivors(sleeps) })
				if m.name == "guardian-cgroups" {
					time.Sleep(time.Second) // past the start
					u0 := readUsage(b, guardian)
					time.Sleep(idle)
					u1 := readUsage(b, guardian)
					b.ReportMetric(rssMiB(b, guardian), "guardian-rss-MiB")
					b.ReportMetric(statusMiB(b, guardian, "RssAnon:"), "guardian-anon-MiB")
					b.ReportMetric(float64(u1.switches-u0.switches), "guardian-idle-wakeups")
				}
				if m.killGuardian {
					_ = syscall.Kill(guardian, syscall.SIGKILL)
					s.waitLog(b, "the guardian died", 10*time.Second)
				}
				t0 := time.Now()
				_ = s.cmd.Process.Kill()
				var gone time.Duration
				left := len(sleeps)
				for time.Since(t0) < time.Second {
					if left = countAlive(sleeps); left == 0 {
						gone = time.Since(t0)
						break
					}
					time.Sleep(2 * time.Millisecond)
				}
				b.ReportMetric(float64(left), "survivors-after-1s")
				if left == 0 {
					b.ReportMetric(gone.Seconds()*1000, "all-gone-ms")
				}
			}
		})
	}
}

var guardianPid = regexp.MustCompile(`pid=(\d+)`)

// logPid reads the pid= of a log line.
func logPid(b *testing.B, line string) int {
	b.Helper()
	m := guardianPid.FindStringSubmatch(line)
	if m == nil {
		b.Fatalf("no pid in %q", line)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// proc names a process for good: a pid and its start time.
type proc struct {
	pid   int
	start string
}

// waitSleeps waits until n processes named sleep descend from supd, and
// returns them.
func waitSleeps(b *testing.B, supd, n int) []proc {
	b.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out []proc
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if st, ok := stat(pid); ok && st[1] == "(sleep)" && descendsFrom(pid, supd) {
				out = append(out, proc{pid, st[21]})
			}
		}
		if len(out) == n {
			return out
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d sleeps below supd, want %d", len(out), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stat reads the fields of /proc/PID/stat (a command without spaces).
func stat(pid int) ([]string, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, false
	}
	f := strings.Fields(string(b))
	return f, len(f) > 21
}

// descendsFrom reports whether pid is below anc by parent links.
func descendsFrom(pid, anc int) bool {
	for pid > 1 {
		st, ok := stat(pid)
		if !ok {
			return false
		}
		ppid, _ := strconv.Atoi(st[3])
		if ppid == anc {
			return true
		}
		pid = ppid
	}
	return false
}

// countAlive counts the processes of ps still running (a zombie is not).
func countAlive(ps []proc) int {
	n := 0
	for _, p := range ps {
		if st, ok := stat(p.pid); ok && st[21] == p.start && st[2] != "Z" {
			n++
		}
	}
	return n
}

// killSurvivors SIGKILLs what is left of ps.
func killSurvivors(ps []proc) {
	for _, p := range ps {
		if st, ok := stat(p.pid); ok && st[21] == p.start {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
}
