package importer

import (
	"testing"
	"time"
)

func TestBoundShutdown(t *testing.T) {
	w := func(d time.Duration) Node { return Node{Worker: &Worker{StopTimeout: ptr(d)}} }
	group := &Supervisor{Stop: "parallel", Children: []Node{w(40 * time.Second), w(30 * time.Second), w(Infinity)}}
	for _, tc := range []struct {
		root *Supervisor
		want time.Duration
	}{
		// 40s for the parallel group, 20s and the default 10s after it.
		{&Supervisor{Children: []Node{{Supervisor: group}, w(20 * time.Second), {Worker: &Worker{}}}}, 80 * time.Second},
		{&Supervisor{Stop: "parallel", Children: []Node{{Supervisor: group}, w(20 * time.Second)}}, 0},
		{&Supervisor{Children: []Node{w(30 * time.Second), w(20 * time.Second)}}, 0}, // 60s: supd's default suffices
	} {
		f := &File{Root: tc.root}
		boundShutdown(f)
		if f.ShutdownTimeout != tc.want {
			t.Errorf("shutdown_timeout %v, want %v", f.ShutdownTimeout, tc.want)
		}
	}
}
