package config

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Lint returns what is valid in c but cannot work as written: a readiness
// that cannot be met before ready_timeout, a backoff so slow that a
// supervisor's intensity can never trip, a probe whose timeout exceeds its
// interval, and settings that have no effect where they are. Warnings carry
// the position of the field they are about when c came from Load.
func Lint(c *Config) []Warning {
	if c == nil || c.Root == nil {
		return nil
	}
	file := c.name
	if file == "" {
		file = c.File
	}
	l := &linter{c: c, file: file}
	l.supervisor(c.Root, "root", "")
	slices.SortStableFunc(l.warnings, func(a, b Warning) int {
		if (a.Line == 0) != (b.Line == 0) {
			return cmp.Compare(b.Line, a.Line) // positioned ones first
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return l.warnings
}

type linter struct {
	c        *Config
	file     string
	warnings []Warning
}

// warn adds a warning about fields[0] of node, placed at the first of
// fields that was written, else at the node.
func (l *linter) warn(node string, fields []string, format string, args ...any) {
	w := Warning{File: l.file, Path: loc{node, fields[0]}.String(), Msg: fmt.Sprintf(format, args...)}
	for _, key := range append(slices.Clone(fields), "") {
		if p, ok := l.c.pos[loc{node, key}.String()]; ok {
			w.Line, w.Col = p.line, p.col
			break
		}
	}
	l.warnings = append(l.warnings, w)
}

// written reports whether a field was given in the file.
func (l *linter) written(node, field string) bool {
	_, ok := l.c.pos[loc{node, field}.String()]
	return ok
}

func (l *linter) supervisor(s *Supervisor, yamlPath, path string) {
	node := nodeLoc(yamlPath, path)
	if path == "" {
		for _, f := range []string{"restart", "significant"} {
			if l.written(node, f) {
				l.warn(node, []string{f}, "has no effect on the root supervisor")
			}
		}
	}
	significant := 0
	for i, child := range s.Children {
		cy := fmt.Sprintf("%s.children[%d]", yamlPath, i)
		cp := JoinPath(path, child.Name())
		cl := nodeLoc(cy, cp)
		if child.IsSignificant() {
			significant++
			switch {
			case s.AutoShutdown == Never:
				l.warn(cl, []string{"significant"}, "has no effect: its supervisor's auto_shutdown is never")
			case child.RestartType() == Permanent:
				l.warn(cl, []string{"significant", "restart"}, "a permanent child is always restarted, so its exit never triggers auto_shutdown %s", s.AutoShutdown)
			}
		}
		switch {
		case child.Supervisor != nil && child.Supervisor.Replicas != nil:
			l.replicaSet(child.Supervisor, cl)
		case child.Supervisor != nil:
			l.supervisor(child.Supervisor, cy, cp)
		default:
			l.worker(child.Worker, cl)
		}
	}
	if s.AutoShutdown != Never && significant == 0 {
		l.warn(node, []string{"auto_shutdown"}, "%s never triggers: no child is significant", s.AutoShutdown)
	}
	l.intensity(s, node)
}

// intensity warns when the backoff of a supervisor's children keeps more
// than max_restarts restarts from ever falling within period, so that the
// supervisor can never give up.
//
// A restart counts when it is decided, on the child's exit; the next exit
// of the same worker comes at least its backoff delay later. So a worker's
// restarts fall, at their densest, at 0, d0, d0+d1, ... where dk is the
// k-th delay at its smallest (jitter taken off), and any window of length
// period holds at most as many as fall before period in that sequence.
// Restarts of different children add up. A nested supervisor has no
// backoff and can restart at any rate, so then nothing can be said.
func (l *linter) intensity(s *Supervisor, node string) {
	limit := s.MaxRestarts + 1
	total, restartable := 0, 0
	for _, child := range s.Children {
		if child.RestartType() == Temporary {
			continue
		}
		if child.Supervisor != nil {
			return
		}
		restartable++
		total += restartsWithin(child.Worker.Backoff, s.Period, limit)
		if total >= limit {
			return
		}
	}
	if restartable == 0 {
		return
	}
	if s.Replicas != nil {
		l.warn(node, []string{"backoff.initial", "backoff", "replicas"},
			"its backoff lets at most %s of its instances fall within period %s, so this replica set can never exceed max_restarts %d (its parent's) and never gives up",
			plural(total, "restart"), s.Period, s.MaxRestarts)
		return
	}
	l.warn(node, []string{"max_restarts", "period"},
		"can never be exceeded: the backoff of its children lets at most %s fall within period %s, so this supervisor never gives up",
		plural(total, "restart"), s.Period)
}

// restartsWithin counts the restarts of a worker that can fall within
// period, up to limit.
func restartsWithin(b Backoff, period time.Duration, limit int) int {
	p := period.Seconds()
	keep := 1 - b.Jitter // the smallest share of a delay jitter leaves
	delay, maxDelay := b.Initial.Seconds(), b.Max.Seconds()
	t := 0.0 // when the next restart can come, after the first
	for n := 0; n < limit; n++ {
		if t >= p {
			return n
		}
		d := math.Min(delay, maxDelay) * keep
		if d <= 0 {
			return limit
		}
		if delay >= maxDelay || b.Factor == 1 {
			// Every delay from here on is d: restarts come at t, t+d,
			// t+2d... while before p.
			return int(math.Min(float64(limit), float64(n)+math.Ceil((p-t)/d)))
		}
		t += d
		delay *= b.Factor
	}
	return limit
}

func (l *linter) worker(w *Worker, node string) {
	r := w.Ready
	switch r.Kind {
	case ReadyAfter:
		if r.After >= w.ReadyTimeout {
			l.warn(node, []string{"ready.after", "ready", "ready_timeout"},
				"the worker counts as ready only after %s, but ready_timeout %s fails its start first", r.After, w.ReadyTimeout)
		}
	case ReadyFD:
		if w.Command.Shell && r.FD > 9 {
			l.warn(node, []string{"ready.fd", "ready"},
				"/bin/sh can only redirect to descriptors 0-9, so the shell command cannot write to fd %d itself", r.FD)
		}
		if r.FD >= 1024 {
			l.warn(node, []string{"ready.fd", "ready"},
				"fd %d is above the usual limit of open files (1024); the worker may be unable to receive it", r.FD)
		}
	case ReadyProbe:
		p := r.Probe
		l.probe(node, "ready", *p)
		if p.Interval >= w.ReadyTimeout {
			l.warn(node, []string{"ready.interval", "ready", "ready_timeout"},
				"the probe runs every %s, but ready_timeout is %s: at most one probe runs before the start fails", p.Interval, w.ReadyTimeout)
		}
	}
	if w.Health != nil {
		l.probe(node, "health", w.Health.Probe)
	}
	if w.Backoff.Max < w.Backoff.Initial {
		l.warn(node, []string{"backoff.max", "backoff.initial"},
			"%s is less than backoff.initial %s, so every delay is %s", w.Backoff.Max, w.Backoff.Initial, w.Backoff.Max)
	}
	if st := w.StopTimeout; st == Infinity || st >= l.c.ShutdownTimeout {
		shown := st.String()
		if st == Infinity {
			shown = "infinity"
		}
		l.warn(node, []string{"stop_timeout"},
			"%s is not shorter than shutdown_timeout %s: a shutdown SIGKILLs this worker before its stop_timeout ends", shown, l.c.ShutdownTimeout)
	}
}

// replicaSet lints a worker with replicas: its fields once, as written,
// and what its instances would share.
func (l *linter) replicaSet(s *Supervisor, node string) {
	r := s.Replicas
	w := r.template
	l.worker(w, node)
	l.intensity(s, node)
	if r.Count < 2 {
		return
	}
	if f := w.Logs.File; f != "" && !strings.Contains(f, instanceMark) {
		l.warn(node, []string{"logs.file", "logs"},
			"all %d instances write %s: put ${SUPD_INSTANCE} in it to give each its own", r.Count, f)
	}
	for _, a := range addresses(w) {
		if !strings.Contains(a.addr, instanceMark) {
			l.warn(node, []string{a.field, a.block},
				"all %d instances are probed at %s: put ${SUPD_INSTANCE} in it (e.g. in the port) so that each instance's own address is checked", r.Count, a.addr)
		}
	}
}

type address struct{ block, field, addr string }

// addresses lists the http and tcp targets of a worker's probes.
func addresses(w *Worker) []address {
	var out []address
	add := func(block string, p *Probe) {
		if p.HTTP != "" {
			out = append(out, address{block, block + ".http", p.HTTP})
		}
		if p.TCP != "" {
			out = append(out, address{block, block + ".tcp", p.TCP})
		}
	}
	if w.Ready.Probe != nil {
		add("ready", w.Ready.Probe)
	}
	if w.Health != nil {
		add("health", &w.Health.Probe)
	}
	return out
}

func (l *linter) probe(node, block string, p Probe) {
	if p.Timeout > p.Interval {
		l.warn(node, []string{block + ".timeout", block},
			"probe timeout %s exceeds its interval %s", p.Timeout, p.Interval)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
