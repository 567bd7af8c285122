package tree_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"supd/config"
	"supd/tree"
	"supd/tree/treetest"
)

// pingTree is root → {a, mid → {b, leaf → {c}}}: three owners in a line,
// and c waits for READY.
func pingTree() *config.Supervisor {
	w := func(name string, ready config.ReadyKind) config.Node {
		w := &config.Worker{Name: name}
		w.Command = config.Command{Argv: []string{"/bin/true"}}
		w.Restart, w.SuccessCodes, w.Autostart = config.Permanent, config.SuccessCodes{Codes: []int{0}}, true
		w.Backoff = config.Backoff{Factor: 2, Max: time.Second}
		w.Ready, w.ReadyTimeout = config.Ready{Kind: ready}, time.Minute
		w.StopSignal, w.StopTimeout = syscall.SIGTERM, time.Second
		return config.Node{Worker: w}
	}
	s := func(name string, children ...config.Node) *config.Supervisor {
		return &config.Supervisor{Name: name, Strategy: config.OneForOne, MaxRestarts: 3, Period: 5 * time.Second,
			Start: config.Sequential, Restart: config.Permanent, AutoShutdown: config.Never, Children: children}
	}
	leaf := s("leaf", w("c", config.ReadyNotify))
	mid := s("mid", w("b", config.ReadyStarted), config.Node{Supervisor: leaf})
	return s("", w("a", config.ReadyStarted), config.Node{Supervisor: mid})
}

// inPingTree runs fn with the tree started, and shuts it down after.
func inPingTree(t *testing.T, fn func(t *testing.T, tr *tree.Tree, l *treetest.Launcher)) {
	synctest.Test(t, func(t *testing.T) {
		l := &treetest.Launcher{}
		tr := tree.New(pingTree(), tree.Options{Launcher: l, Rand: func() float64 { return 0.5 }})
		tr.Start()
		synctest.Wait()
		fn(t, tr, l)
		tr.Shutdown()
		<-tr.Done()
	})
}

func pingWithin(tr *tree.Tree, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return tr.Ping(ctx)
}

func TestPingAnswersWhenEveryOwnerIsResponsive(t *testing.T) {
	inPingTree(t, func(t *testing.T, tr *tree.Tree, l *treetest.Launcher) {
		start := time.Now()
		if err := pingWithin(tr, time.Second); err != nil {
			t.Fatalf("ping: %v", err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("ping took %v of fake time, want none", d)
		}
	})
}

func TestPingStopsWhileAnyOwnerIsBlocked(t *testing.T) {
	for _, path := range []string{"", "mid", "mid/leaf"} {
		t.Run("/"+path, func(t *testing.T) {
			inPingTree(t, func(t *testing.T, tr *tree.Tree, l *treetest.Launcher) {
				release, err := tr.BlockForTest(path)
				if err != nil {
					t.Fatal(err)
				}
				err = pingWithin(tr, 5*time.Second)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("ping with %q blocked: %v, want a deadline error", path, err)
				}
				release()
				if err := pingWithin(tr, time.Second); err != nil {
					t.Fatalf("ping after release: %v", err)
				}
			})
		})
	}
}

func TestBlockForTestNamesAMissingSupervisor(t *testing.T) {
	inPingTree(t, func(t *testing.T, tr *tree.Tree, l *treetest.Launcher) {
		for _, path := range []string{"nope", "mid/b", "mid/leaf/x"} {
			if release, err := tr.BlockForTest(path); err == nil {
				release()
				t.Errorf("BlockForTest(%q) succeeded", path)
			}
		}
	})
}

// After Ping returns, the snapshot shows what the owners did with the
// messages posted before it, without waiting for the bubble to settle: here
// c's READY and the ping reach the last owner in one step.
func TestPingAnswersAfterPublishing(t *testing.T) {
	inPingTree(t, func(t *testing.T, tr *tree.Tree, l *treetest.Launcher) {
		c := l.Last("mid/leaf/c")
		if c == nil {
			t.Fatal("mid/leaf/c was not started")
		}
		if got := tr.Snapshot().Find("mid/leaf/c").State; got != tree.Starting {
			t.Fatalf("mid/leaf/c is %s before READY", got)
		}
		release, err := tr.BlockForTest("mid/leaf")
		if err != nil {
			t.Fatal(err)
		}
		c.Ready()
		pinged := make(chan error, 1)
		go func() { pinged <- pingWithin(tr, time.Second) }()
		synctest.Wait() // the ping is queued behind a's READY
		release()
		if err := <-pinged; err != nil {
			t.Fatal(err)
		}
		if got := tr.Snapshot().Find("mid/leaf/c").State; got != tree.Running {
			t.Errorf("mid/leaf/c is %s right after Ping, want running", got)
		}
	})
}

func TestPingFailsOnceTheTreeHasEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := tree.New(pingTree(), tree.Options{Launcher: &treetest.Launcher{}})
		tr.Start()
		synctest.Wait()
		tr.Shutdown()
		<-tr.Done()
		if err := pingWithin(tr, time.Second); err == nil {
			t.Fatal("ping of an ended tree succeeded")
		}
		if _, err := tr.BlockForTest(""); err == nil {
			t.Fatal("BlockForTest of an ended tree succeeded")
		}
	})
}
