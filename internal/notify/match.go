package notify

import "strings"

// claims reports whether reg is the worker of a sender in group pgid and
// cgroup cg. A worker with a cgroup claims by its cgroup alone: a process
// group can be joined by any process of the session (setpgid), a cgroup
// only by who may write its cgroup.procs, which no worker may.
func (reg *registration) claims(pgid int, cg string) bool {
	if reg.cgroup == "" {
		return reg.pgid > 0 && reg.pgid == pgid
	}
	if cg == "" {
		return false
	}
	found := false
	cgroupAncestors(cg, func(c string) bool {
		found = c == reg.cgroup
		return found
	})
	return found
}

// lookup finds the registration of a sender: by its cgroup or the nearest
// registered ancestor cgroup, else by its process group among the workers
// registered without a cgroup. Called locked.
func (r *Receiver) lookup(pgid int, cg string) *registration {
	var found *registration
	if len(r.byCgroup) > 0 {
		cgroupAncestors(cg, func(c string) bool {
			found = r.byCgroup[c]
			return found != nil
		})
	}
	if found == nil {
		found = r.byPgid[pgid]
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
