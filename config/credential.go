package config

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
)

// accounts resolves user and group names. Load uses the system's (os/user);
// tests use a fixed table.
type accounts interface {
	// user resolves a name or number. A number with no passwd entry is
	// allowed (it is common in containers) and comes back with known false.
	user(s string) (account, error)
	// group resolves a name or number; a number needs no entry.
	group(s string) (uint32, error)
	// self is supd's own uid, taken when only `group` is given.
	self() uint32
}

// account is a resolved user.
type account struct {
	uid, gid uint32
	groups   []uint32 // supplementary groups, with the primary one
	known    bool
}

type systemAccounts struct{}

func (systemAccounts) user(s string) (account, error) {
	var u *user.User
	var err error
	if id, perr := strconv.ParseUint(s, 10, 32); perr == nil {
		u, err = user.LookupId(s)
		var unknown user.UnknownUserIdError
		if errors.As(err, &unknown) {
			return account{uid: uint32(id)}, nil
		}
	} else {
		u, err = user.Lookup(s)
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return account{}, fmt.Errorf("unknown user %q", s)
		}
	}
	if err != nil {
		return account{}, fmt.Errorf("looking up user %q: %w", s, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return account{}, fmt.Errorf("user %q has a non-numeric uid or gid", s)
	}
	a := account{uid: uint32(uid), gid: uint32(gid), groups: []uint32{uint32(gid)}, known: true}
	// Without the group database only the primary group is known; the
	// process then runs with that one, which is the safe side.
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				a.groups = append(a.groups, uint32(g))
			}
		}
	}
	slices.Sort(a.groups)
	a.groups = slices.Compact(a.groups)
	return a, nil
}

func (systemAccounts) group(s string) (uint32, error) {
	if id, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(id), nil
	}
	g, err := user.LookupGroup(s)
	var unknown user.UnknownGroupError
	if errors.As(err, &unknown) {
		return 0, fmt.Errorf("unknown group %q", s)
	}
	if err != nil {
		return 0, fmt.Errorf("looking up group %q: %w", s, err)
	}
	id, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("group %q has a non-numeric gid %q", s, g.Gid)
	}
	return uint32(id), nil
}

func (systemAccounts) self() uint32 { return uint32(os.Getuid()) }

// userRef and groupRef are `user:` and `group:` as written and resolved.
type userRef struct {
	name string
	acct account
}

type groupRef struct {
	name string
	gid  uint32
}

// credential combines a worker's user and group (either may be unset) the
// way initgroups does: `user` alone runs with that user's primary and
// supplementary groups; `group` replaces the primary group, also among the
// supplementary ones; `group` alone keeps supd's uid and drops supd's
// supplementary groups, so the process has exactly the group it was given.
func credential(u opt[userRef], g opt[groupRef], self uint32) (*Credential, error) {
	switch {
	case !u.set && !g.set:
		return nil, nil
	case !u.set:
		return &Credential{Group: g.v.name, UID: self, GID: g.v.gid}, nil
	case !g.set && !u.v.acct.known:
		return nil, fmt.Errorf("user %s has no passwd entry, so its group is unknown: set group too", u.v.name)
	case !g.set:
		a := u.v.acct
		return &Credential{User: u.v.name, UID: a.uid, GID: a.gid, Groups: slices.Clone(a.groups)}, nil
	}
	a := u.v.acct
	var groups []uint32
	for _, id := range a.groups {
		if id != a.gid || !a.known {
			groups = append(groups, id)
		}
	}
	groups = append(groups, g.v.gid)
	slices.Sort(groups)
	return &Credential{User: u.v.name, Group: g.v.name, UID: a.uid, GID: g.v.gid, Groups: slices.Compact(groups)}, nil
}
