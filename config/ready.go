package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
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

func (v readyVal) positions() map[string]pos  { return v.at }
func (v healthVal) positions() map[string]pos { return v.at }

// readyKinds are the ways of `ready:` other than a probe.
var readyKinds = []field[Ready]{
	{fieldDoc{"started", "true", "", "", "ready as soon as exec succeeded (the default)"}, readyTrue(ReadyStarted)},
	{fieldDoc{"after", "duration", "", "", "ready once it has stayed up that long (supervisord's startsecs)"},
		into(durationOf(nonNegative), func(r *Ready, v time.Duration) { *r = Ready{Kind: ReadyAfter, After: v} })},
	{fieldDoc{"notify", "true", "", "", "ready when it sends `READY=1` over the sd_notify protocol (supd sets `NOTIFY_SOCKET` for it)"}, readyTrue(ReadyNotify)},
	{fieldDoc{"fd", "integer, 3 or more", "", "", "ready when it writes a newline to this file descriptor (s6's notification-fd)"},
		into(readyFD, func(r *Ready, v int) { *r = Ready{Kind: ReadyFD, FD: v} })},
}

// probeFields are the targets of a probe, in `ready:` and `health:` alike;
// a probe has exactly one.
var probeFields = []field[Probe]{
	{fieldDoc{"exec", "list or string", "", "", "run a command, as `command` runs (a list is the argv, a string runs under `/bin/sh -c`); exit 0 is success"},
		into(func(d *decoder, n *yaml.Node, l loc) ([]string, bool) {
			argv, _, ok := d.argv(n, l)
			return argv, ok
		}, func(p *Probe, v []string) { p.Exec = v })},
	{fieldDoc{"http", "URL", "", "", "GET an `http://` or `https://` URL; 2xx or 3xx is success, redirects are not followed"},
		into(probeAddress(httpProblem), func(p *Probe, v string) { p.HTTP = v })},
	{fieldDoc{"tcp", "HOST:PORT", "", "", "connect to `HOST:PORT`; a connection is success"},
		into(probeAddress(tcpProblem), func(p *Probe, v string) { p.TCP = v })},
}

// readyTiming is the timing of a readiness probe.
var readyTiming = []field[Probe]{
	{fieldDoc{"interval", "duration", "1s", "", "a probe only: how often it runs until its first success"},
		into(durationOf(positive), func(p *Probe, v time.Duration) { p.Interval = v })},
	{fieldDoc{"timeout", "duration", "1s", "", "a probe only: how long one run may take"},
		into(durationOf(positive), func(p *Probe, v time.Duration) { p.Timeout = v })},
}

// healthFields are the fields of `health:` besides its probe.
var healthFields = []field[Health]{
	{fieldDoc{"interval", "duration", "10s", "", "how often the probe runs"},
		into(durationOf(positive), func(h *Health, v time.Duration) { h.Interval = v })},
	{fieldDoc{"timeout", "duration", "2s", "", "how long one run may take"},
		into(durationOf(positive), func(h *Health, v time.Duration) { h.Timeout = v })},
	{fieldDoc{"failures", "integer", "3", "", "this many consecutive failures make the worker unhealthy"},
		into(countOf(1, 1<<20), func(h *Health, v int) { h.Failures = v })},
	{fieldDoc{"grace", "duration", "0s", "", "after the worker is ready, the wait before the first probe"},
		into(durationOf(nonNegative), func(h *Health, v time.Duration) { h.Grace = v })},
}

var (
	readyProbeDefaults = sync.OnceValue(func() Probe { return defaultsOf(readyTiming, Probe{}) })
	healthDefaults     = sync.OnceValue(func() Health { return defaultsOf(healthFields, Health{}) })

	probeKinds      = names(probeFields)
	readyKindNames  = slices.Concat(names(readyKinds), probeKinds)
	readyFieldNames = slices.Concat(readyKindNames, names(readyTiming))
	healthFieldName = slices.Concat(probeKinds, names(healthFields))
)

// readyTrue decodes `started: true` and `notify: true`: false is refused
// rather than read as some other kind.
func readyTrue(kind ReadyKind) func(*decoder, *yaml.Node, loc, *Ready) bool {
	return func(d *decoder, n *yaml.Node, l loc, r *Ready) bool {
		v, ok := d.boolean(n, l)
		if ok && !v {
			d.errorf(n, l, "can only be true (leave ready: out for the default, started: true)")
			return false
		}
		*r = Ready{Kind: kind}
		return ok
	}
}

func readyFD(d *decoder, n *yaml.Node, l loc) (int, bool) {
	v, ok := d.integer(n, l)
	if ok && (v < 3 || v > 1<<20) {
		d.errorf(n, l, "must be 3 or more (0, 1 and 2 are stdin, stdout and stderr), got %d", v)
		return 0, false
	}
	return int(v), ok
}

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
		d.errorf(n, l, "needs one of %s", orList(readyKindNames))
		return readyVal{}, false
	}
	entries = d.check(entries, l, fieldSet{known: readyFieldNames})
	rv := readyVal{at: map[string]pos{"": posOf(n)}}
	kind, ok := d.oneKind(n, l, entries, readyKindNames)
	isProbe := ok && slices.Contains(probeKinds, kind.key)
	for _, e := range entries {
		if fieldNamed(readyTiming, e.key) != nil && ok && !isProbe {
			d.errorf(e.k, l.dot(e.key), "only applies to an exec, http or tcp probe, not to %s", kind.key)
			ok = false
		}
	}
	if !ok {
		return readyVal{}, false
	}
	rv.at[kind.key] = posOf(kind.v)
	if !isProbe {
		if !fieldNamed(readyKinds, kind.key).decode(d, kind.v, l.dot(kind.key), &rv.r) {
			return readyVal{}, false
		}
		return rv, true
	}
	p := readyProbeDefaults()
	good := d.probeTarget(kind, l, &p)
	good = decodeFields(d, entries, l, readyTiming, &p, func(k string, at pos) { rv.at[k] = at }) && good
	if !good {
		return readyVal{}, false
	}
	rv.r = Ready{Kind: ReadyProbe, Probe: &p}
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
	entries = d.check(entries, l, fieldSet{known: healthFieldName})
	hv := healthVal{at: map[string]pos{"": posOf(n)}}
	h := healthDefaults()
	kind, ok := d.oneKind(n, l, entries, probeKinds)
	if ok {
		hv.at[kind.key] = posOf(kind.v)
		ok = d.probeTarget(kind, l, &h.Probe)
	}
	ok = decodeFields(d, entries, l, healthFields, &h, func(k string, at pos) { hv.at[k] = at }) && ok
	if !ok {
		return healthVal{}, false
	}
	hv.h = &h
	return hv, true
}

// probeTarget decodes the exec, http or tcp entry of a probe, in which
// ${SUPD_INSTANCE} may stand.
func (d *decoder) probeTarget(e entry, l loc, p *Probe) bool {
	outer := d.instField
	d.instField = true
	defer func() { d.instField = outer }()
	return fieldNamed(probeFields, e.key).decode(d, e.v, l.dot(e.key), p)
}

// probeAddress decodes an http or tcp target, checked by problem. One that
// holds ${SUPD_INSTANCE} is checked per instance instead (ReplicaSet).
func probeAddress(problem func(string) string) func(*decoder, *yaml.Node, loc) (string, bool) {
	return func(d *decoder, n *yaml.Node, l loc) (string, bool) {
		s, ok := d.nonEmpty(n, l)
		if !ok {
			return "", false
		}
		if msg := problem(s); msg != "" && !strings.Contains(s, instanceMark) {
			d.errorf(n, l, "%s", msg)
			return "", false
		}
		return s, true
	}
}

// httpProblem says what is wrong with a probe's URL, "" when nothing is.
func httpProblem(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an http:// or https:// URL with a host", s)
	}
	return ""
}

// tcpProblem says what is wrong with a probe's address, "" when nothing is.
func tcpProblem(s string) string {
	if !validHostPort(s) {
		return fmt.Sprintf("%q is not HOST:PORT (e.g. localhost:5432, [::1]:80)", s)
	}
	return ""
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
