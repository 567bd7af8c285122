package control

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"supd/control/api"
)

// bigTree is a root with 9 supervisors of 110 workers each: 1000 nodes
// with the root.
func bigTree() api.Tree {
	started := t0.Add(-time.Hour)
	root := api.Node{Kind: api.KindSupervisor, State: api.StateRunning, Since: t0, Strategy: "one_for_one",
		Start: "sequential", Budget: &api.Budget{Max: 3, Period: api.Duration(5 * time.Second)}}
	for s := range 9 {
		sup := api.Node{Path: fmt.Sprintf("s%d", s), Name: fmt.Sprintf("s%d", s), Kind: api.KindSupervisor,
			State: api.StateRunning, Since: t0, StartedAt: &started, Strategy: "one_for_all", Start: "parallel",
			Budget: &api.Budget{Used: 1, Max: 3, Period: api.Duration(5 * time.Second)}}
		for w := range 110 {
			name := fmt.Sprintf("w%d", w)
			sup.Children = append(sup.Children, api.Node{
				Path: sup.Path + "/" + name, Name: name, Kind: api.KindWorker, State: api.StateRunning,
				PID: 1000 + s*1000 + w, Since: t0, StartedAt: &started, Restarts: w % 4, Status: "serving",
				LastExit: &api.Exit{Code: api.IntPtr(1), Reason: api.ReasonExit, Time: t0},
			})
		}
		root.Children = append(root.Children, sup)
	}
	return api.Tree{Root: root}
}

// BenchmarkTree measures GET /v1/tree of 1000 nodes from 8 concurrent
// clients.
func BenchmarkTree(b *testing.B) {
	fb := newFakeBackend()
	fb.tree = bigTree()
	n := 0
	fb.tree.Root.Walk(func(*api.Node) { n++ })
	if n != 1000 {
		b.Fatalf("tree has %d nodes", n)
	}
	ts := startServer(b, fb, Options{})
	b.SetParallelism(max(1, 8/runtimeProcs()))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := ts.client.Get("http://supd/v1/tree")
			if err != nil {
				b.Error(err)
				return
			}
			nb, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			b.SetBytes(nb)
		}
	})
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
