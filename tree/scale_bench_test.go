package tree_test

import (
	"fmt"
	"testing"

	"supd/config"
	"supd/tree"
	"supd/tree/treetest"
)

// BenchmarkTreeStartStop starts and stops n workers under one parallel
// supervisor (and under n/100 supervisors of 100) with the fake launcher:
// the tree's own cost, without processes, to see how it grows with n.
func BenchmarkTreeStartStop(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, shape := range []string{"flat", "100s"} {
			b.Run(fmt.Sprintf("%s-%d", shape, n), func(b *testing.B) {
				root := supervisor("", config.OneForOne)
				root.Start, root.Stop = config.Parallel, config.Parallel
				if shape == "flat" {
					for i := range n {
						root.Children = append(root.Children, worker(fmt.Sprintf("w%d", i)))
					}
				} else {
					for s := range n / 100 {
						sup := supervisor(fmt.Sprintf("s%d", s), config.OneForOne)
						sup.Start, sup.Stop = config.Parallel, config.Parallel
						for i := range 100 {
							sup.Children = append(sup.Children, worker(fmt.Sprintf("w%d", i)))
						}
						root.Children = append(root.Children, config.Node{Supervisor: sup})
					}
				}
				for range b.N {
					l := &treetest.Launcher{}
					tr := tree.New(root, tree.Options{Launcher: l})
					tr.Start()
					<-tr.Ready()
					tr.Shutdown()
					<-tr.Done()
				}
			})
		}
	}
}
