package notify

import (
	"reflect"
	"testing"
)

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
	tests := []struct {
		reg  *registration
		pgid int
		cg   string
		want bool
	}{
		{&registration{pgid: 10}, 10, "", true},
		{&registration{pgid: 10}, 11, "/w", false},
		{&registration{cgroup: "/w"}, 11, "/w", true},
		{&registration{cgroup: "/w"}, 11, "/w/child", true},
		{&registration{cgroup: "/w"}, 11, "/wx", false},
		{&registration{cgroup: "/w/child"}, 11, "/w", false},
		{&registration{cgroup: "/w"}, 11, "", false},
		{&registration{}, 0, "", false},
	}
	for _, tc := range tests {
		if got := tc.reg.claims(tc.pgid, tc.cg); got != tc.want {
			t.Errorf("claims(pgid %d cgroup %q, %d, %q) = %v, want %v", tc.reg.pgid, tc.reg.cgroup, tc.pgid, tc.cg, got, tc.want)
		}
	}
}
