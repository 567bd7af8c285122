package osproc

import (
	"os"
	"slices"
	"syscall"
	"testing"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want procStat
		bad  bool
	}{
		{
			name: "plain",
			in:   "812 (sleep) S 700 812 700 0 -1 4194304 90 0 0 0 0 0 0 0 20 0 1 0 4711 2252800 128 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0",
			want: procStat{pid: 812, ppid: 700, pgid: 812, sid: 700, state: 'S', start: 4711},
		},
		{
			name: "command with spaces and parentheses",
			in:   "9 (a (b) c) Z 1 5 4 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 123456789 0 0",
			want: procStat{pid: 9, ppid: 1, pgid: 5, sid: 4, state: 'Z', start: 123456789},
		},
		{
			name: "command of parentheses",
			in:   "5 ()) Z 1 3 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0 0",
			want: procStat{pid: 5, ppid: 1, pgid: 3, sid: 3, state: 'Z', start: 77},
		},
		{name: "no command", in: "9 S 1 5 5", bad: true},
		{name: "bad pgrp", in: "9 (x) S 1 y 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0", bad: true},
		{name: "bad session", in: "9 (x) S 1 5 z 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0", bad: true},
		{name: "short", in: "9 (x) S 1 5 5 0", bad: true},
		{name: "bad pid", in: "x (x) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0", bad: true},
		{name: "bad start", in: "9 (x) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -1 0 0", bad: true},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.in))
		if tt.bad {
			if err == nil {
				t.Errorf("%s: parsed %+v, want an error", tt.name, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: parseStat = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestProcessGroup(t *testing.T) {
	got, err := ProcessGroup(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if want := syscall.Getpgrp(); got != want {
		t.Fatalf("ProcessGroup(self) = %d, want %d", got, want)
	}
	// pid_max is at most 2^22: this pid cannot exist.
	if _, err := ProcessGroup(1 << 23); err == nil {
		t.Fatal("ProcessGroup of a missing pid succeeded")
	}
}

func TestReadOwnStat(t *testing.T) {
	st, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.pid != os.Getpid() || st.ppid != os.Getppid() || st.start == 0 {
		t.Errorf("own stat = %+v", st)
	}
	if !alive(st.pid, st.start) || alive(st.pid, st.start+1) {
		t.Error("alive does not tell our own start time from another")
	}
}

func TestDescendants(t *testing.T) {
	all := []procStat{
		{pid: 1, ppid: 0}, {pid: 10, ppid: 1}, {pid: 11, ppid: 10}, {pid: 12, ppid: 11},
		{pid: 13, ppid: 10}, {pid: 20, ppid: 1}, {pid: 21, ppid: 20},
	}
	tests := []struct {
		root int
		want []int
	}{
		{10, []int{11, 12, 13}},
		{20, []int{21}},
		{12, nil},
		{99, nil},
	}
	for _, tt := range tests {
		got := pidsOf(descendants(all, tt.root))
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("descendants of %d = %v, want %v", tt.root, got, tt.want)
		}
	}
}

// The walk down the children links finds what a scan of every process
// finds: grandchildren in the group and those that left it by setsid.
func TestDescendantsOfMatchesScan(t *testing.T) {
	if !childrenFiles() {
		t.Skip("no /proc/PID/task/TID/children on this kernel")
	}
	for _, args := range [][]string{{"-sleep"}, {"-sleep", "-children", "3"}, {"-sleep", "-children", "2", "-setsid"}} {
		p := startReady(t, Spec{}, args...)
		walked := descendantsOf(p.Pid())
		all, err := scanProcs()
		if err != nil {
			t.Fatal(err)
		}
		scanned := descendants(all, p.Pid())
		pids := func(ps []procStat) []int {
			var out []int
			for _, st := range ps {
				out = append(out, st.pid)
			}
			slices.Sort(out)
			return out
		}
		if !slices.Equal(pids(walked), pids(scanned)) {
			t.Errorf("%q: walked %v, scanned %v", args, pids(walked), pids(scanned))
		}
		if want := map[int]int{1: 0, 3: 3, 4: 2}[len(args)]; len(walked) != want {
			t.Errorf("%q: %d descendants, want %d", args, len(walked), want)
		}
	}
}
