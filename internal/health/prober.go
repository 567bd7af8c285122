package health

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"

	"supd/config"
)

// Result is one probe's outcome. Detail says what was seen ("200 OK",
// "exit code 1: disk full", "dial tcp 127.0.0.1:80: connection refused"),
// for the event and the log when the probe makes a worker unhealthy.
type Result struct {
	OK     bool
	Detail string
}

// Prober runs one probe. Probe must return soon after ctx is done (its
// deadline is the probe's timeout), and reports a cancelled or timed-out
// probe as a failure.
type Prober interface {
	Probe(ctx context.Context) Result
}

// New returns the prober of a `ready:` or `health:` probe. An exec probe
// runs like its worker: in.Dir, in.Env and in.Cred are the worker's (in.Argv
// is ignored).
func New(p config.Probe, in Exec) (Prober, error) {
	switch {
	case len(p.Exec) > 0:
		in.Argv = p.Exec
		return &in, nil
	case p.HTTP != "":
		return NewHTTP(p.HTTP)
	case p.TCP != "":
		return NewTCP(p.TCP)
	}
	return nil, errors.New("probe: none of exec, http and tcp is set")
}

// HealthSchedule is the schedule of a `health:` block.
func HealthSchedule(h config.Health) Schedule {
	return Schedule{Interval: h.Interval, Timeout: h.Timeout, Grace: h.Grace, Failures: h.Failures}
}

// ReadySchedule is the schedule of a `ready:` probe.
func ReadySchedule(p config.Probe) Schedule {
	return Schedule{Interval: p.Interval, Timeout: p.Timeout}
}

// failure describes err for a probe that failed under ctx: a timeout is
// called one, whatever layer noticed it first.
func failure(ctx context.Context, what string, err error) Result {
	switch {
	// The network layer turns the context's deadline into a socket
	// deadline, which may fire a moment before the context itself is done.
	case errors.Is(ctx.Err(), context.DeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, os.ErrDeadlineExceeded):
		return Result{Detail: what + ": timed out"}
	case ctx.Err() != nil:
		return Result{Detail: what + ": canceled"}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // "Get "URL": ..." would repeat what
	}
	return Result{Detail: fmt.Sprintf("%s: %v", what, err)}
}
