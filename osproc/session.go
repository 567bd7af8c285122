package osproc

import "os"

// A worker leads a session of its own (sysAttr), so its session id is its
// pid, and every process it starts keeps that session id unless it calls
// setsid(2) itself: whatever process group it moves to, even after its
// parent died. Without cgroups the session is how supd, and its guardian,
// find what a worker left behind. While any process is in session S, the
// kernel keeps pid S from being reused, so a session id cannot be
// mistaken for another process's.

// strandedOf returns the processes of session sid that were reparented to
// this process, and everything below them: members of a worker's session
// whose parent died. supd is a child subreaper, so every descendant of a
// worker that lost its parent hangs below supd; those that stayed in the
// worker's session are found here, whatever process group they moved to,
// and so is whatever they started, even in a session of its own, while it
// is still linked to them by parent. Registered processes (the workers
// themselves) are skipped without a look, so regMu must be held; the cost
// is one read per thread of supd plus one per orphan.
func strandedOf(sid int) []procStat {
	self := os.Getpid()
	var orphans []procStat
	if childrenFiles() {
		for _, pid := range childPids(self) {
			if procs[pid] != nil {
				continue
			}
			if st, err := readStat(pid); err == nil && st.ppid == self {
				orphans = append(orphans, st)
			}
		}
	} else {
		all, _ := scanProcs()
		for _, st := range all {
			if st.ppid == self && procs[st.pid] == nil {
				orphans = append(orphans, st)
			}
		}
	}
	var out []procStat
	for _, st := range orphans {
		if st.sid == sid {
			out = append(out, st)
			out = append(out, descendantsOf(st.pid)...)
		}
	}
	return out
}

// procIndex indexes a scan of every process by parent and by session, so
// that the trees of many workers cost one pass.
type procIndex struct {
	byPid map[int]procStat
	kids  map[int][]procStat // by parent
	bySid map[int][]procStat // by session, the leader left out
}

func indexProcs(all []procStat) procIndex {
	ix := procIndex{byPid: make(map[int]procStat, len(all)), kids: map[int][]procStat{}, bySid: map[int][]procStat{}}
	for _, st := range all {
		ix.byPid[st.pid] = st
		ix.kids[st.ppid] = append(ix.kids[st.ppid], st)
		if st.sid != st.pid {
			ix.bySid[st.sid] = append(ix.bySid[st.sid], st)
		}
	}
	return ix
}

// below returns the processes below root in the parent links.
func (ix procIndex) below(root int) []procStat {
	var out []procStat
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, k := range ix.kids[pid] {
			out = append(out, k)
			queue = append(queue, k.pid)
		}
	}
	return out
}

// session returns the members of session sid but its leader, and
// everything below them in the parent links (some twice).
func (ix procIndex) session(sid int) []procStat {
	var out []procStat
	for _, st := range ix.bySid[sid] {
		out = append(out, st)
		out = append(out, ix.below(st.pid)...)
	}
	return out
}
