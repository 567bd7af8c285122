package importer

import (
	"fmt"
	"strings"
	"time"
)

// pcProbe is a probe of process-compose with its timing, defaults applied
// as its ValidateAndSetDefaults does.
type pcProbe struct {
	probe    Probe
	delay    int // initial_delay_seconds
	period   int
	timeout  int
	failures int
}

func (c *pcImport) probe(p *pcProc, e pcEntry) (pcProbe, bool) {
	pr := pcProbe{period: pcProbePeriod, timeout: pcProbeTimeout, failures: pcProbeFailures}
	what := fmt.Sprintf("processes.%s.%s", p.name, e.key)
	ok := true
	kinds := 0
	for _, x := range c.entries(e.v, what) {
		xw := what + "." + x.key
		switch x.key {
		case "exec":
			kinds++
			ok = c.execProbe(p, x, &pr.probe) && ok
		case "http_get":
			kinds++
			ok = c.httpProbe(p, x, &pr.probe) && ok
		case "initial_delay_seconds", "period_seconds", "timeout_seconds", "failure_threshold", "success_threshold":
			n, good := c.integer(x.v, xw)
			if !good {
				ok = false
				continue
			}
			switch x.key {
			case "initial_delay_seconds":
				pr.delay = max(n, 0)
			case "period_seconds":
				pr.period = positiveOr(n, pcProbePeriod)
			case "timeout_seconds":
				pr.timeout = max(n, 1)
			case "failure_threshold":
				pr.failures = positiveOr(n, pcProbeFailures)
			case "success_threshold":
				if n > 1 {
					p.w.Notes.add("", fmt.Sprintf("%s: process-compose does not use it either.", xw))
				}
			}
		default:
			c.warnf(x.k, "%s: not a process-compose setting; not imported", xw)
		}
	}
	if kinds != 1 {
		c.errorf(e.v, "%s needs exactly one of exec and http_get", what)
		return pr, false
	}
	pr.probe.Interval = seconds(pr.period)
	pr.probe.Timeout = seconds(pr.timeout)
	return pr, ok
}

// execProbe runs the probe's command with the process's shell, in its
// working_dir when that is not the process's.
func (c *pcImport) execProbe(p *pcProc, x pcEntry, pr *Probe) bool {
	var cmd, dir string
	for _, e := range c.entries(x.v, "exec") {
		switch e.key {
		case "command":
			t, ok := c.rendered(p, e.v, "exec.command")
			if !ok {
				return false
			}
			cmd = c.supdText(t)
		case "working_dir":
			t, ok := c.rendered(p, e.v, "exec.working_dir")
			if !ok {
				return false
			}
			dir = c.supdText(t)
		default:
			c.warnf(e.k, "exec.%s: not a process-compose setting; not imported", e.key)
		}
	}
	if cmd == "" {
		c.errorf(x.v, "exec needs a command")
		return false
	}
	if dir != "" && dir != p.w.Dir {
		cmd = "cd " + shellQuote(dir) + " && " + cmd
	}
	pr.Exec = Command{Argv: append(append([]string{}, c.shell...), cmd)}
	return true
}

// httpProbe builds the probe's URL from its parts (host 127.0.0.1, scheme
// http and path / by default).
func (c *pcImport) httpProbe(p *pcProc, x pcEntry, pr *Probe) bool {
	parts := map[string]string{"host": "127.0.0.1", "scheme": "http", "path": "/"}
	ok := true
	for _, e := range c.entries(x.v, "http_get") {
		switch e.key {
		case "host", "scheme", "path", "port":
			t, good := c.rendered(p, e.v, "http_get."+e.key)
			if !good {
				ok = false
				continue
			}
			if v := strings.TrimSpace(c.supdText(t)); v != "" {
				parts[e.key] = v
			}
		case "num_port":
		case "headers":
			p.w.Notes.add("", "http_get.headers: supd's http probe sends no extra headers.")
		case "status_code":
			if n, good := c.integer(e.v, "http_get.status_code"); good && n != 0 && n != 200 {
				p.w.Notes.add("", fmt.Sprintf("http_get.status_code: %d: supd's http probe succeeds on any 2xx or 3xx.", n))
			}
		default:
			c.warnf(e.k, "http_get.%s: not a process-compose setting; not imported", e.key)
		}
	}
	u := parts["scheme"] + "://" + parts["host"]
	if port := parts["port"]; port != "" {
		u += ":" + port
	}
	path := parts["path"]
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	pr.HTTP = u + path
	return ok
}

// probes maps readiness_probe to ready: (and, since process-compose keeps
// running it, to health:) and liveness_probe to health:.
func (c *pcImport) probes(p *pcProc, ready, live *pcEntry) {
	w := p.w
	if ready != nil {
		pr, ok := c.probe(p, *ready)
		if !ok {
			return
		}
		p.ready = true
		rp := pr.probe
		w.Ready = &Ready{Probe: &rp}
		if t := seconds(pr.delay + pr.failures*pr.period); t != 30*time.Second {
			w.ReadyTimeout = t
		}
		w.Notes.add("ready", fmt.Sprintf("readiness_probe: ready at its first success; process-compose restarts the process "+
			"after failure_threshold failures, so ready_timeout is initial_delay_seconds + failure_threshold × period_seconds (%s).",
			fmtDuration(seconds(pr.delay+pr.failures*pr.period))))
		if live == nil {
			w.Health = &Health{Probe: pr.probe}
			if pr.failures != pcProbeFailures {
				w.Health.Failures = pr.failures
			}
			w.Notes.add("health", "process-compose keeps running the readiness probe once the process is ready, and stops it "+
				"after failure_threshold failures in a row: this health check does the same.")
		}
	}
	if live != nil {
		pr, ok := c.probe(p, *live)
		if !ok {
			return
		}
		w.Health = &Health{Probe: pr.probe, Grace: seconds(pr.delay)}
		if pr.failures != pcProbeFailures {
			w.Health.Failures = pr.failures
		}
		note := "liveness_probe: process-compose acts on it only for an is_daemon process; supd stops an unhealthy worker, " +
			"an abnormal exit that its restart then decides on."
		if ready != nil {
			note += " The readiness probe is not repeated once the worker is ready: a worker has one health check."
		}
		w.Notes.add("health", note)
	}
}

// positiveOr is n, or def when n is less than 1, as process-compose reads
// a probe's numbers.
func positiveOr(n, def int) int {
	if n < 1 {
		return def
	}
	return n
}
