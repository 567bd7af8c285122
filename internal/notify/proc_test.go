package notify

import (
	"os"
	"reflect"
	"syscall"
	"testing"
)

func TestParseStatPgrp(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{in: "1234 (sh) S 1 1234 1234 0 -1 4194560 1 0", want: 1234},
		{in: "77 (a b) c) (d) R 2 99 77 0", want: 99},
		{in: "5 ()) Z 1 3", want: 3},
		{in: "5 (x) S 1", err: true},
		{in: "5 x S 1 2", err: true},
		{in: "5 (x) S 1 y", err: true},
	}
	for _, tc := range tests {
		got, err := parseStatPgrp([]byte(tc.in))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseStatPgrp(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestProcessGroupLive(t *testing.T) {
	got, err := processGroup(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if want := syscall.Getpgrp(); got != want {
		t.Fatalf("processGroup(self) = %d, want %d", got, want)
	}
	// pid_max is at most 2^22: this pid cannot exist.
	if _, err := processGroup(1 << 23); err == nil {
		t.Fatal("processGroup of a missing pid succeeded")
	}
}

func TestParseCgroup2(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{in: "0::/\n", want: "/"},
		{in: "0::/supd/web_api.7\n", want: "/supd/web_api.7"},
		{in: "9:name=systemd:/\n4:memory:/x\n0::/a/b\n", want: "/a/b"},
		{in: "0::/gone (deleted)\n", want: "/gone"},
		{in: "4:memory:/x\n", err: true},
		{in: "", err: true},
	}
	for _, tc := range tests {
		got, err := parseCgroup2([]byte(tc.in))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseCgroup2(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestCgroupAncestors(t *testing.T) {
	tests := []struct {
		in   string
		stop string
		want []string
	}{
		{in: "/a/b/c", want: []string{"/a/b/c", "/a/b", "/a"}},
		{in: "/a/b/c", stop: "/a/b", want: []string{"/a/b/c", "/a/b"}},
		{in: "/", want: nil},
		{in: "", want: nil},
	}
	for _, tc := range tests {
		var got []string
		cgroupAncestors(tc.in, func(c string) bool {
			got = append(got, c)
			return c == tc.stop
		})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("cgroupAncestors(%q) visited %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClaims(t *testing.T) {
	r := &Receiver{}
	tests := []struct {
		reg  registration
		pgid int
		cg   string
		want bool
	}{
		{registration{pgid: 10}, 10, "", true},
		{registration{pgid: 10}, 11, "/w", false},
		{registration{cgroup: "/w"}, 11, "/w", true},
		{registration{cgroup: "/w"}, 11, "/w/child", true},
		{registration{cgroup: "/w"}, 11, "/wx", false},
		{registration{cgroup: "/w/child"}, 11, "/w", false},
		{registration{cgroup: "/w"}, 11, "", false},
		{registration{}, 0, "", false},
	}
	for _, tc := range tests {
		if got := r.claims(&tc.reg, tc.pgid, tc.cg); got != tc.want {
			t.Errorf("claims(%+v, %d, %q) = %v, want %v", tc.reg, tc.pgid, tc.cg, got, tc.want)
		}
	}
}

func TestParseCgroup2Mounts(t *testing.T) {
	in := `25 30 0:23 / /sys rw,nosuid shared:7 - sysfs sysfs rw
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
42 31 0:38 /sub /mnt/cg\040two rw shared:1 master:2 - cgroup2 none rw,nsdelegate
43 31 0:39 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
`
	want := []cgroupMount{{dir: "/sys/fs/cgroup/unified", root: "/"}, {dir: "/mnt/cg two", root: "/sub"}}
	if got := parseCgroup2Mounts([]byte(in)); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestCgroupPath(t *testing.T) {
	mounts := []cgroupMount{{dir: "/sys/fs/cgroup", root: "/"}, {dir: "/mnt/cg", root: "/sub"}}
	tests := []struct{ in, want string }{
		{"/sys/fs/cgroup/supd/web.1", "/supd/web.1"},
		{"/sys/fs/cgroup", ""},
		{"/sys/fs/cgroupx/a", "/sys/fs/cgroupx/a"},
		{"/mnt/cg/w.2", "/sub/w.2"},
		{"/supd/web.1", "/supd/web.1"},
		{"/", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := cgroupPath(mounts, tc.in); got != tc.want {
			t.Errorf("cgroupPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
