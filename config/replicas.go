package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The variables each instance of a replica set gets (SPEC §2.10).
const (
	InstanceVar = "SUPD_INSTANCE" // the instance's number, 0 … N-1
	ReplicasVar = "SUPD_REPLICAS" // N, the set's count when the instance was made
)

// MaxReplicas bounds `replicas:`; a whole file is bounded further by the
// decoder's node budget, which every instance takes from.
const MaxReplicas = 100_000

// instanceMark stands for ${SUPD_INSTANCE} in a replica set's template
// until an instance is made. No value can hold it otherwise: a scalar with
// a NUL byte is refused.
const instanceMark = "\x00" + InstanceVar + "\x00"

// ReplicaSet is what the supervisor made of a worker with `replicas:`
// keeps, so that an instance of any count can be made later (a scale). The
// supervisor's Children are instances 0 … Count-1.
type ReplicaSet struct {
	Count int // `replicas:` as written

	template *Worker // the worker, ${SUPD_INSTANCE} marked, its log named for path/${SUPD_INSTANCE}
	file     string  // the config as given, for messages
	node     string  // the worker's place in the YAML, for messages
	path     string
	checks   []addressCheck
}

// addressCheck is a probe address that holds ${SUPD_INSTANCE}, so that it
// can only be checked once expanded.
type addressCheck struct {
	field   string // "ready.tcp"
	at      pos
	get     func(*Worker) string
	problem func(string) string
}

// Instance returns instance i of a set of n: the worker with
// ${SUPD_INSTANCE} expanded to i in its command, env, dir, logs and probe
// targets, named "i", with SUPD_INSTANCE=i and SUPD_REPLICAS=n in its
// environment. Its log file under a log dir is that of its own path
// (web/api/2 → web_api_2.log). An error is an ErrorList naming where each
// probe address that does not work for instance i was written.
func (r *ReplicaSet) Instance(i, n int) (*Worker, error) {
	if i < 0 || i >= n || n > MaxReplicas {
		return nil, fmt.Errorf("instance %d of %d: %w", i, n, errors.ErrUnsupported)
	}
	num := strconv.Itoa(i)
	sub := func(s string) string { return strings.ReplaceAll(s, instanceMark, num) }
	w := *r.template
	w.Name = num
	w.Command.Argv = subAll(w.Command.Argv, sub)
	w.Dir = sub(w.Dir)
	w.Env = make(map[string]string, len(w.Env)+2)
	for k, v := range r.template.Env {
		w.Env[k] = sub(v)
	}
	w.Env[InstanceVar] = num
	w.Env[ReplicasVar] = strconv.Itoa(n)
	w.Logs.File = sub(w.Logs.File)
	if p := w.Ready.Probe; p != nil {
		w.Ready.Probe = subProbe(*p, sub)
	}
	if h := w.Health; h != nil {
		hh := *h
		hh.Probe = *subProbe(h.Probe, sub)
		w.Health = &hh
	}
	var errs ErrorList
	for _, c := range r.checks {
		if msg := c.problem(c.get(&w)); msg != "" {
			errs = append(errs, &Error{File: r.file, Line: c.at.line, Col: c.at.col,
				Path: loc{nodeLoc(r.node, JoinPath(r.path, num)), c.field}.String(), Msg: msg})
		}
	}
	if errs != nil {
		return nil, errs
	}
	return &w, nil
}

func subProbe(p Probe, sub func(string) string) *Probe {
	p.Exec = subAll(p.Exec, sub)
	p.HTTP, p.TCP = sub(p.HTTP), sub(p.TCP)
	return &p
}

// subAll expands every string of ss; ss itself when none holds a mark.
func subAll(ss []string, sub func(string) string) []string {
	if !slices.ContainsFunc(ss, func(s string) bool { return strings.Contains(s, instanceMark) }) {
		return ss
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = sub(s)
	}
	return out
}

// instMode is what ${SUPD_INSTANCE} does in the worker being decoded.
type instMode int

const (
	instNowhere       instMode = iota // not in a worker: an error
	instNeedsReplicas                 // a worker without replicas: an error
	instExpands                       // a worker with replicas, or defaults: (checked where inherited)
)

// instanceValue is what ${SUPD_INSTANCE} expands to in the scalar at n: a
// mark that each instance replaces by its number.
func (d *decoder) instanceValue(n *yaml.Node) (string, error) {
	switch {
	case !d.instField || d.inst == instNowhere:
		return "", errors.New("${SUPD_INSTANCE} expands only in a worker's command, env, dir, logs.dir, logs.file and probe exec, http or tcp")
	case d.inst == instNeedsReplicas:
		return "", errors.New("${SUPD_INSTANCE} expands only in a worker with replicas")
	}
	if d.markAt == (pos{}) {
		d.markAt = posOf(n)
	}
	return instanceMark, nil
}

func noInstance() (string, error) { return "", errors.New("no instance here") }

// unexpanded reports each ${SUPD_INSTANCE} that a worker without replicas
// inherited from defaults:.
func (d *decoder) unexpanded(s spec, l loc) {
	var keys []string
	for k, v := range s {
		if v.mark != (pos{}) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		d.errorAt(s[k].mark, l.dot(k), "${SUPD_INSTANCE} from defaults expands only in a worker with replicas")
	}
}

// replicaSet decodes a worker with replicas into the supervisor of its
// instances (SPEC §2.10); its parent gives it its intensity.
func (d *decoder) replicaSet(s spec, n *yaml.Node, l loc, yamlPath, name, path string, named bool, t *tree) *Supervisor {
	tmpl := d.worker(name, JoinPath(path, instanceMark), s, l)
	set := &Supervisor{Name: name, Strategy: OneForOne, Start: Parallel, Stop: Parallel,
		Restart: Permanent, AutoShutdown: Never, Significant: tmpl.Significant, Children: []Node{}}
	tmpl.Significant = false
	r := &ReplicaSet{Count: get[int](s, "replicas"), template: tmpl, file: d.file, node: yamlPath, path: path, checks: addressChecks(s)}
	set.Replicas = r
	for _, v := range []string{InstanceVar, ReplicasVar} {
		if st, ok := s["env."+v]; ok {
			d.errorAt(st.at, l.dot("env."+v), "supd sets %s in each instance's environment", v)
		}
	}
	if !d.spend(n, r.Count) {
		return set
	}
	// With no instance yet, instance 0 is still checked: a scale would
	// make it.
	for i := range max(r.Count, 1) {
		w, err := r.Instance(i, max(r.Count, 1))
		if err != nil {
			for _, e := range err.(ErrorList) {
				d.add(e)
			}
			break
		}
		if i < r.Count {
			if named {
				d.claimLog(w.Logs.File, JoinPath(path, w.Name), path, n, l, t)
			}
			set.Children = append(set.Children, Node{Worker: w})
		}
	}
	return set
}

// addressChecks lists the probe addresses of s that hold ${SUPD_INSTANCE}.
func addressChecks(s spec) []addressCheck {
	var out []addressCheck
	if rv, ok := s["ready"].v.(readyVal); ok && rv.r.Probe != nil {
		out = appendChecks(out, "ready", *rv.r.Probe, rv.at, func(w *Worker) *Probe { return w.Ready.Probe })
	}
	if hv, ok := s["health"].v.(healthVal); ok && hv.h != nil {
		out = appendChecks(out, "health", hv.h.Probe, hv.at, func(w *Worker) *Probe { return &w.Health.Probe })
	}
	return out
}

func appendChecks(out []addressCheck, block string, p Probe, at map[string]pos, probe func(*Worker) *Probe) []addressCheck {
	if strings.Contains(p.HTTP, instanceMark) {
		out = append(out, addressCheck{block + ".http", at["http"], func(w *Worker) string { return probe(w).HTTP }, httpProblem})
	}
	if strings.Contains(p.TCP, instanceMark) {
		out = append(out, addressCheck{block + ".tcp", at["tcp"], func(w *Worker) string { return probe(w).TCP }, tcpProblem})
	}
	return out
}
