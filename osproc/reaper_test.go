package osproc

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestConcurrentStarts starts 200 processes from 20 goroutines; each is
// reaped exactly once and reports its own exit code.
func TestConcurrentStarts(t *testing.T) {
	const goroutines, each = 20, 10
	type run struct {
		p     *Proc
		code  int
		exits []Exit // from OnExit
	}
	var (
		mu   sync.Mutex
		runs []*run
		wg   sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				// OnExit may run before Start returns: it gets its own
				// record, not Start's result.
				r := &run{code: (g*each + i) % 256}
				p, err := Start(Spec{Argv: tp("-exit", fmt.Sprint(r.code)), OnExit: func(e Exit) {
					r.exits = append(r.exits, e)
				}})
				if err != nil {
					t.Error(err)
					return
				}
				r.p = p
				mu.Lock()
				runs = append(runs, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	pids := map[int]bool{}
	for _, r := range runs {
		wait(t, r.p, 20*time.Second)
		pids[r.p.Pid()] = true
	}
	if len(runs) != goroutines*each {
		t.Fatalf("started %d processes, want %d", len(runs), goroutines*each)
	}
	if len(pids) != len(runs) {
		t.Errorf("%d distinct pids among %d live processes", len(pids), len(runs))
	}
	for _, r := range runs {
		want := Exit{Code: r.code}
		if len(r.exits) != 1 || r.exits[0] != want || r.p.Exit() != want {
			t.Errorf("pid %d: OnExit %+v, Exit() %+v, want one %+v", r.p.Pid(), r.exits, r.p.Exit(), want)
		}
	}
}

// TestNoZombies runs many short-lived workers that each leave two
// grandchildren behind: the workers' ends kill the grandchildren, and every
// one of them is reaped.
func TestNoZombies(t *testing.T) {
	const workers = 30
	dir := t.TempDir()
	since := reapedOrphans.now()
	var ps []*Proc
	var grandchildren []int
	for i := range workers {
		pidfile := filepath.Join(dir, fmt.Sprint(i))
		ps = append(ps, startReady(t, Spec{}, "-children", "2", "-after", "10ms", "-pidfile", pidfile))
		pids := readPidfile(t, pidfile)
		grandchildren = append(grandchildren, pidsOf(pids[1:])...)
	}
	for _, p := range ps {
		if e := wait(t, p, 10*time.Second); e != (Exit{}) {
			t.Errorf("pid %d: %v", p.Pid(), e)
		}
	}
	// Each grandchild, reparented to us, is reaped as an orphan.
	reapedOrphans.waitSince(t, since, grandchildren, 10*time.Second)
	all, err := scanProcs()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if st.ppid == os.Getpid() && st.state == 'Z' {
			t.Errorf("zombie child %d", st.pid)
		}
	}
}

func TestSiginfoPid(t *testing.T) {
	p := startReady(t, Spec{}, "-sleep")
	// Not exited: no pid. Reading it must not disturb the reaper.
	regMu.Lock()
	pid, err := peekExited()
	regMu.Unlock()
	if err != nil || pid != 0 {
		t.Errorf("peekExited = %d, %v with no exited child", pid, err)
	}
	p.Kill()
	wait(t, p, 10*time.Second)
}
