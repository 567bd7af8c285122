// Package health owns supd's probes of its workers: exec, http and tcp
// probes (Prober), and the Checker that runs one at an interval, with a
// timeout, a grace period and a count of consecutive failures, either to
// find a worker ready (`ready:` with a probe, SPEC §2.2) or to find it
// unhealthy (`health:`, SPEC §2.3).
//
// Goroutines: each Checker runs one goroutine, which sleeps on its timer,
// runs the probe itself (so one probe is in flight at a time, by
// construction) and calls the callback; Stop ends it and waits for it. HTTP
// probes share one Transport, whose kept-alive connections each have the
// net/http read and write goroutines; an exec probe adds none (osproc's
// reaper reports the exit, and the probe's own goroutine reads the output).
package health
