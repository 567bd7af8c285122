package notify

import "strings"

// claims reports whether reg is the worker of a sender in group pgid and
// cgroup cg.
func (reg *registration) claims(pgid int, cg string) bool {
	if reg.pgid > 0 && reg.pgid == pgid {
		return true
	}
	if reg.cgroup == "" || cg == "" {
		return false
	}
	found := false
	cgroupAncestors(cg, func(c string) bool {
		found = c == reg.cgroup
		return found
	})
	return found
}

// lookup finds the registration of a sender, by process group first and
// then by its cgroup or the nearest registered ancestor cgroup. Called
// locked.
func (r *Receiver) lookup(pgid int, cg string) *registration {
	if reg := r.byPgid[pgid]; reg != nil {
		return reg
	}
	var found *registration
	if len(r.byCgroup) > 0 {
		cgroupAncestors(cg, func(c string) bool {
			found = r.byCgroup[c]
			return found != nil
		})
	}
	return found
}

// cgroupAncestors calls f with cg and each of its ancestors, nearest first,
// stopping before the root "/" (which contains every process and so
// identifies no worker) or when f returns true.
func cgroupAncestors(cg string, f func(string) bool) {
	for cg != "" && cg != "/" {
		if f(cg) {
			return
		}
		i := strings.LastIndexByte(cg, '/')
		if i < 0 {
			return
		}
		cg = cg[:i]
	}
}
