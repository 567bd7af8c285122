package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestCredential(t *testing.T) {
	alice := opt[userRef]{set: true, v: userRef{"alice", fakeUsers["alice"]}}
	bare := opt[userRef]{set: true, v: userRef{"4242", fakeUsers["4242"]}}
	users := opt[groupRef]{set: true, v: groupRef{"users", 100}}
	supd := opt[groupRef]{set: true, v: groupRef{"supd", 990}}
	tests := []struct {
		name  string
		user  opt[userRef]
		group opt[groupRef]
		want  *Credential
		err   string
	}{
		{name: "neither"},
		{name: "user alone takes its groups", user: alice,
			want: &Credential{User: "alice", UID: 1000, GID: 1000, Groups: []uint32{27, 100, 1000}}},
		{name: "group replaces the primary group", user: alice, group: supd,
			want: &Credential{User: "alice", Group: "supd", UID: 1000, GID: 990, Groups: []uint32{27, 100, 990}}},
		{name: "group already supplementary", user: alice, group: users,
			want: &Credential{User: "alice", Group: "users", UID: 1000, GID: 100, Groups: []uint32{27, 100}}},
		{name: "group alone keeps supd's uid", group: supd,
			want: &Credential{Group: "supd", UID: 500, GID: 990}},
		{name: "unknown uid with group", user: bare, group: supd,
			want: &Credential{User: "4242", Group: "supd", UID: 4242, GID: 990, Groups: []uint32{990}}},
		{name: "unknown uid alone", user: bare, err: "has no passwd entry"},
	}
	for _, tt := range tests {
		got, err := credential(tt.user, tt.group, 500)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

// TestSystemAccounts resolves through os/user: root exists everywhere.
func TestSystemAccounts(t *testing.T) {
	var a systemAccounts
	for _, name := range []string{"root", "0"} {
		u, err := a.user(name)
		if err != nil || u.uid != 0 || u.gid != 0 || !u.known {
			t.Errorf("user(%q) = %+v, %v", name, u, err)
		}
	}
	if u, err := a.user("4294967"); err != nil || u.known || u.uid != 4294967 {
		t.Errorf("user of an unknown uid = %+v, %v; want it accepted as not known", u, err)
	}
	if _, err := a.user("no-such-user-xyz"); err == nil || !strings.Contains(err.Error(), `unknown user "no-such-user-xyz"`) {
		t.Errorf("unknown user: err = %v", err)
	}
	if g, err := a.group("root"); err != nil || g != 0 {
		t.Errorf("group(root) = %d, %v", g, err)
	}
	if g, err := a.group("31337"); err != nil || g != 31337 {
		t.Errorf("group(31337) = %d, %v", g, err)
	}
	if _, err := a.group("no-such-group-xyz"); err == nil || !strings.Contains(err.Error(), `unknown group "no-such-group-xyz"`) {
		t.Errorf("unknown group: err = %v", err)
	}
	if a.self() != uint32(os.Getuid()) {
		t.Error("self is not the process's uid")
	}
}
