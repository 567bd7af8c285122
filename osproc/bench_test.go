package osproc

import (
	"testing"
	"time"
)

// BenchmarkStartExit measures fork, exec and reap of `testproc -exit 0`.
func BenchmarkStartExit(b *testing.B) {
	benchStartExit(b, Spec{Argv: tp("-exit", "0")})
}

// BenchmarkStartExitCgroup adds a fresh cgroup per start and its removal.
func BenchmarkStartExitCgroup(b *testing.B) {
	if cgroupBase() == "" {
		b.Skip("no cgroup v2")
	}
	benchStartExit(b, Spec{Argv: tp("-exit", "0"), Cgroup: "bench"})
}

func benchStartExit(b *testing.B, spec Spec) {
	for b.Loop() {
		p, err := Start(spec)
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-p.Done():
		case <-time.After(10 * time.Second):
			b.Fatal("not reaped")
		}
	}
}

// BenchmarkStartExitTrue runs /bin/true, whose own run time is next to
// nothing, to show osproc's share.
func BenchmarkStartExitTrue(b *testing.B) {
	benchStartExit(b, Spec{Argv: []string{"/bin/true"}})
}
