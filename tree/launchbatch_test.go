package tree_test

import (
	"errors"
	"fmt"
	"testing"

	"supd/config"
	"supd/tree"
	"supd/tree/treetest"
)

// TestConcurrentLaunches starts a parallel supervisor's workers with
// Options.Launches > 1: every worker runs but the one whose launch fails,
// which is recorded as a start failure, and the records are in child order.
func TestConcurrentLaunches(t *testing.T) {
	const n = 150 // more than one batch of 64
	root := supervisor("", config.OneForOne)
	root.Start, root.Stop = config.Parallel, config.Parallel
	root.MaxRestarts = 0 // any restart would give up: the failing worker is temporary
	for i := range n {
		w := worker(fmt.Sprintf("w%d", i))
		if i == 70 {
			w.Worker.Restart = config.Temporary
		}
		root.Children = append(root.Children, w)
	}
	l := &treetest.Launcher{ExecErr: map[string]error{"w70": errors.New("no such file")}}
	tr := tree.New(root, tree.Options{Launcher: l, Launches: 4})
	tr.Start()
	<-tr.Ready()
	snap := tr.Snapshot()
	if len(snap.Children) != n {
		t.Fatalf("%d children, want %d", len(snap.Children), n)
	}
	for i, c := range snap.Children {
		want := tree.Running
		if i == 70 {
			want = tree.Failed
		}
		if c.Name != fmt.Sprintf("w%d", i) || c.State != want {
			t.Errorf("child %d: %s %s, want w%d %s", i, c.Name, c.State, i, want)
		}
	}
	tr.Shutdown()
	<-tr.Done()
}
