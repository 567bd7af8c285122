package config

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Probe defaults of SPEC §2.2 and §2.3.
const (
	DefaultReadyProbeInterval = time.Second
	DefaultReadyProbeTimeout  = time.Second
	DefaultHealthInterval     = 10 * time.Second
	DefaultHealthTimeout      = 2 * time.Second
	DefaultHealthFailures     = 3
)

// readyVal is a decoded `ready:` block with the positions of its fields,
// which travel with it when it is inherited from `defaults:`.
type readyVal struct {
	r  Ready
	at map[string]pos // "after", "fd", "interval"... → position
}

// healthVal is a decoded `health:` block, likewise.
type healthVal struct {
	h  *Health
	at map[string]pos
}

var (
	readyKinds  = []string{"started", "after", "notify", "fd", "exec", "http", "tcp"}
	probeKinds  = []string{"exec", "http", "tcp"}
	readyFields = append(slices.Clone(readyKinds), "interval", "timeout")
	healthField = append(slices.Clone(probeKinds), "interval", "timeout", "failures", "grace")
)

// oneKind returns the single entry among entries whose key is in kinds, or
// reports that there is none or more than one.
func (d *decoder) oneKind(n *yaml.Node, l loc, entries []entry, kinds []string) (entry, bool) {
	var found []entry
	for _, e := range entries {
		if slices.Contains(kinds, e.key) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		d.errorf(n, l, "needs one of %s", orList(kinds))
		return entry{}, false
	case 1:
		return found[0], true
	}
	for _, e := range found[1:] {
		d.errorf(e.k, l.dot(e.key), "only one of %s may be set, and %s already is", orList(kinds), found[0].key)
	}
	return entry{}, false
}

func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func (d *decoder) ready(n *yaml.Node, l loc) (readyVal, bool) {
	entries, ok := d.mapping(n, l)
	if !ok {
		return readyVal{}, false
	}
	if deref(n).Kind != yaml.MappingNode {
		d.errorf(n, l, "needs one of %s", orList(readyKinds))
		return readyVal{}, false
	}
	entries = d.check(entries, l, fieldSet{known: readyFields})
	rv := readyVal{at: map[string]pos{"": posOf(n)}}
	kind, ok := d.oneKind(n, l, entries, readyKinds)
	isProbe := ok && slices.Contains(probeKinds, kind.key)
	for _, e := range entries {
		if (e.key == "interval" || e.key == "timeout") && ok && !isProbe {
			d.errorf(e.k, l.dot(e.key), "only applies to an exec, http or tcp probe, not to %s", kind.key)
			ok = false
		}
	}
	if !ok {
		return readyVal{}, false
	}
	kl := l.dot(kind.key)
	rv.at[kind.key] = posOf(kind.v)
	switch kind.key {
	case "started", "notify":
		v, good := d.boolean(kind.v, kl)
		if !good {
			return readyVal{}, false
		}
		if !v {
			d.errorf(kind.v, kl, "can only be true (leave ready: out for the default, started: true)")
			return readyVal{}, false
		}
		rv.r.Kind = ReadyStarted
		if kind.key == "notify" {
			rv.r.Kind = ReadyNotify
		}
	case "after":
		v, good := d.duration(kind.v, kl, nonNegative)
		if !good {
			return readyVal{}, false
		}
		rv.r = Ready{Kind: ReadyAfter, After: v}
	case "fd":
		v, good := d.integer(kind.v, kl)
		if !good {
			return readyVal{}, false
		}
		if v < 3 || v > 1<<20 {
			d.errorf(kind.v, kl, "must be 3 or more (0, 1 and 2 are stdin, stdout and stderr), got %d", v)
			return readyVal{}, false
		}
		rv.r = Ready{Kind: ReadyFD, FD: int(v)}
	default:
		p := &Probe{Interval: DefaultReadyProbeInterval, Timeout: DefaultReadyProbeTimeout}
		good := d.probeTarget(kind, l, p)
		good = d.probeTiming(entries, l, p, rv.at) && good
		if !good {
			return readyVal{}, false
		}
		rv.r = Ready{Kind: ReadyProbe, Probe: p}
	}
	return rv, true
}

func (d *decoder) health(n *yaml.Node, l loc) (healthVal, bool) {
	entries, ok := d.mapping(n, l)
	if !ok {
		return healthVal{}, false
	}
	if deref(n).Kind != yaml.MappingNode {
		d.errorf(n, l, "needs one of %s", orList(probeKinds))
		return healthVal{}, false
	}
	entries = d.check(entries, l, fieldSet{known: healthField})
	hv := healthVal{at: map[string]pos{"": posOf(n)}}
	h := &Health{Probe: Probe{Interval: DefaultHealthInterval, Timeout: DefaultHealthTimeout}, Failures: DefaultHealthFailures}
	kind, ok := d.oneKind(n, l, entries, probeKinds)
	if ok {
		hv.at[kind.key] = posOf(kind.v)
		ok = d.probeTarget(kind, l, &h.Probe)
	}
	ok = d.probeTiming(entries, l, &h.Probe, hv.at) && ok
	for _, e := range entries {
		fl := l.dot(e.key)
		switch e.key {
		case "failures":
			v, good := d.count(e.v, fl, 1, 1<<20)
			h.Failures, ok = v, ok && good
		case "grace":
			v, good := d.duration(e.v, fl, nonNegative)
			h.Grace, ok = v, ok && good
		default:
			continue
		}
		hv.at[e.key] = posOf(e.v)
	}
	if !ok {
		return healthVal{}, false
	}
	hv.h = h
	return hv, true
}

// probeTarget decodes the exec, http or tcp entry of a probe.
func (d *decoder) probeTarget(e entry, l loc, p *Probe) bool {
	fl := l.dot(e.key)
	switch e.key {
	case "exec":
		argv, _, ok := d.argv(e.v, fl)
		p.Exec = argv
		return ok
	case "http":
		s, ok := d.nonEmpty(e.v, fl)
		if !ok {
			return false
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.errorf(e.v, fl, "%q is not an http:// or https:// URL with a host", s)
			return false
		}
		p.HTTP = s
	case "tcp":
		s, ok := d.nonEmpty(e.v, fl)
		if !ok {
			return false
		}
		if !validHostPort(s) {
			d.errorf(e.v, fl, "%q is not HOST:PORT (e.g. localhost:5432, [::1]:80)", s)
			return false
		}
		p.TCP = s
	}
	return true
}

// validHostPort accepts host:port with a numeric port 1-65535; the host may
// be empty (the local system, as net.Dial reads it).
func validHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// probeTiming decodes a probe's interval and timeout.
func (d *decoder) probeTiming(entries []entry, l loc, p *Probe, at map[string]pos) bool {
	ok := true
	for _, e := range entries {
		var dst *time.Duration
		switch e.key {
		case "interval":
			dst = &p.Interval
		case "timeout":
			dst = &p.Timeout
		default:
			continue
		}
		v, good := d.duration(e.v, l.dot(e.key), positive)
		if good {
			*dst = v
			at[e.key] = posOf(e.v)
		}
		ok = ok && good
	}
	return ok
}
