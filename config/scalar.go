package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sys/unix"
)

// The scalar decoders below check a node's kind and YAML tag themselves, so
// that messages speak of the config ("must be an integer") and never of Go
// types, as yaml's own decoding would.

// expanded marks a value that was written as a string but came out of a
// ${VAR} expansion: it may stand for a number, a boolean or a duration.
const expanded = "expanded"

// scalar returns a scalar's text, expanded when it is a string, and its tag
// (or expanded). It rejects mappings, lists, nulls and foreign tags.
func (d *decoder) scalar(n *yaml.Node, l loc, want string) (string, string, bool) {
	n = deref(n)
	if n == nil {
		return "", "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, l, "must be %s, got %s", want, describe(n))
		return "", "", false
	}
	tag := n.ShortTag()
	switch tag {
	case "!!null":
		d.errorf(n, l, "needs a value (%s)", want)
		return "", "", false
	case "!!str":
		s, changed, err := expand(n.Value, d.env, func() (string, error) { return d.instanceValue(n) })
		if err != nil {
			d.errorf(n, l, "%v", err)
			return "", "", false
		}
		if strings.IndexByte(n.Value, 0) >= 0 || strings.IndexByte(strings.ReplaceAll(s, instanceMark, ""), 0) >= 0 {
			d.errorf(n, l, "must not contain a NUL byte")
			return "", "", false
		}
		if changed {
			tag = expanded
		}
		return s, tag, true
	case "!!int", "!!float", "!!bool", "!!timestamp":
		return n.Value, tag, true
	}
	d.errorf(n, l, "unsupported tag %s", n.Tag)
	return "", "", false
}

// str decodes any scalar as a string: numbers and booleans keep their text
// (so `user: 1000` and env values like `PORT: 8080` work).
func (d *decoder) str(n *yaml.Node, l loc) (string, bool) {
	s, _, ok := d.scalar(n, l, "a string")
	return s, ok
}

// nonEmpty is str for fields where "" means nothing sensible.
func (d *decoder) nonEmpty(n *yaml.Node, l loc) (string, bool) {
	s, ok := d.str(n, l)
	if ok && s == "" {
		d.errorf(n, l, "must not be empty")
		return "", false
	}
	return s, ok
}

func (d *decoder) boolean(n *yaml.Node, l loc) (bool, bool) {
	s, tag, ok := d.scalar(n, l, "true or false")
	if !ok {
		return false, false
	}
	switch {
	case tag == "!!bool", tag == expanded && (s == "true" || s == "false"):
		return strings.EqualFold(s, "true"), true
	}
	d.errorf(n, l, "must be true or false, got %s", quoteAs(s, tag))
	return false, false
}

func quoteAs(s, tag string) string {
	if tag == "!!str" || tag == expanded {
		return strconv.Quote(s)
	}
	return s
}

func (d *decoder) integer(n *yaml.Node, l loc) (int64, bool) {
	s, tag, ok := d.scalar(n, l, "an integer")
	if !ok {
		return 0, false
	}
	var v int64
	var err error
	switch tag {
	case "!!int":
		v, err = strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
	case expanded:
		v, err = strconv.ParseInt(s, 10, 64)
	default:
		err = strconv.ErrSyntax
	}
	if err != nil {
		d.errorf(n, l, "must be an integer, got %s", quoteAs(s, tag))
		return 0, false
	}
	return v, true
}

// count is an integer in [lo, hi].
func (d *decoder) count(n *yaml.Node, l loc, lo, hi int64) (int, bool) {
	v, ok := d.integer(n, l)
	if !ok {
		return 0, false
	}
	switch {
	case v < lo && lo == 0:
		d.errorf(n, l, "must not be negative, got %d", v)
	case v < lo:
		d.errorf(n, l, "must be at least %d, got %d", lo, v)
	case v > hi:
		d.errorf(n, l, "must be at most %d, got %d", hi, v)
	default:
		return int(v), true
	}
	return 0, false
}

func (d *decoder) number(n *yaml.Node, l loc) (float64, bool) {
	s, tag, ok := d.scalar(n, l, "a number")
	if !ok {
		return 0, false
	}
	var v float64
	var err error
	switch tag {
	case "!!int":
		var i int64
		i, err = strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
		v = float64(i)
	case "!!float", expanded:
		v, err = strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	default:
		err = strconv.ErrSyntax
	}
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		d.errorf(n, l, "must be a number, got %s", quoteAs(s, tag))
		return 0, false
	}
	return v, true
}

// durRule says which durations a field accepts.
type durRule int

const (
	positive    durRule = iota // > 0: period, interval, timeout...
	nonNegative                // >= 0: backoff, grace, after...
	orInfinity                 // >= 0 or `infinity`: stop_timeout
)

func (d *decoder) duration(n *yaml.Node, l loc, rule durRule) (time.Duration, bool) {
	s, tag, ok := d.scalar(n, l, "a duration")
	if !ok {
		return 0, false
	}
	if rule == orInfinity && s == "infinity" && tag != "!!int" {
		return Infinity, true
	}
	v, err := time.ParseDuration(s)
	if err != nil || tag == "!!int" || tag == "!!float" {
		if numberRE.MatchString(s) {
			d.errorf(n, l, "%q needs a unit, e.g. %ss", s, s)
		} else {
			extra := ""
			if rule == orInfinity {
				extra = ", or infinity"
			}
			d.errorf(n, l, "%q is not a duration (write e.g. 250ms, 5s, 1m30s%s)", s, extra)
		}
		return 0, false
	}
	switch {
	case v < 0:
		d.errorf(n, l, "must not be negative, got %s", s)
		return 0, false
	case v == 0 && rule == positive:
		d.errorf(n, l, "must be longer than 0s")
		return 0, false
	}
	return v, true
}

var numberRE = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

var sizeRE = regexp.MustCompile(`^([0-9]+) ?([A-Za-z]*)$`)

var sizeUnits = map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}

// size decodes a byte count: a plain integer or one with KiB, MiB or GiB.
func (d *decoder) size(n *yaml.Node, l loc) (int64, bool) {
	s, tag, ok := d.scalar(n, l, "a size")
	if !ok {
		return 0, false
	}
	if tag == "!!int" {
		s = strings.ReplaceAll(s, "_", "")
	}
	m := sizeRE.FindStringSubmatch(s)
	if m == nil || tag == "!!float" || tag == "!!bool" {
		d.errorf(n, l, "%s is not a size (write bytes, or e.g. 512KiB, 10MiB, 1GiB)", quoteAs(s, tag))
		return 0, false
	}
	unit, known := sizeUnits[m[2]]
	if !known {
		d.errorf(n, l, "%q: unknown unit %q (use KiB, MiB or GiB)", s, m[2])
		return 0, false
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || v > math.MaxInt64/unit {
		d.errorf(n, l, "%q is too large", s)
		return 0, false
	}
	return v * unit, true
}

func (d *decoder) signal(n *yaml.Node, l loc) (syscall.Signal, bool) {
	s, _, ok := d.scalar(n, l, "a signal")
	if !ok {
		return 0, false
	}
	sig, err := parseSignal(s)
	if err != nil {
		d.errorf(n, l, "%v", err)
		return 0, false
	}
	return sig, true
}

// maxSignal is the highest signal number on Linux (SIGRTMAX).
const maxSignal = 64

// parseSignal accepts a signal's name with or without SIG, in any case, or
// its number.
func parseSignal(s string) (syscall.Signal, error) {
	if v, err := strconv.Atoi(s); err == nil {
		if v < 1 || v > maxSignal {
			return 0, fmt.Errorf("signal %d out of range 1-%d", v, maxSignal)
		}
		return syscall.Signal(v), nil
	}
	name := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q (write e.g. TERM, SIGINT or 15)", s)
}

// signalName renders a signal for messages and tests: "TERM", or its number.
func signalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return strings.TrimPrefix(name, "SIG")
	}
	return strconv.Itoa(int(sig))
}
