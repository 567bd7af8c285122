package launch

import (
	"supd/config"
	"supd/internal/health"
	"supd/tree"
)

// prober builds a probe that runs, for exec, as the worker does: same
// folder, environment and user.
func (r *run) prober(p config.Probe) (health.Prober, error) {
	return health.New(p, health.Exec{Dir: r.w.Dir, Env: r.env, Cred: cred(r.w.User)})
}

// startReadyProbe judges readiness by a probe's first success (SPEC §2.2).
func (r *run) startReadyProbe() stopper {
	p, err := r.prober(*r.w.Ready.Probe)
	if err != nil {
		// The config was validated: this is a bug, and the worker can
		// never be ready. ready_timeout will fail its start.
		r.l.o.Log.Error("building the readiness probe", "path", r.path, "err", err)
		return nopStopper{}
	}
	return health.Readiness(p, health.ReadySchedule(*r.w.Ready.Probe), r.mon.Ready)
}

// startHealth starts the liveness probe (SPEC §2.3).
func (r *run) startHealth() stopper {
	h := r.w.Health
	p, err := r.prober(h.Probe)
	if err != nil {
		r.l.o.Log.Error("building the health probe", "path", r.path, "err", err)
		return nopStopper{}
	}
	return health.Liveness(p, health.HealthSchedule(*h), func(detail string) {
		r.mon.Failed(tree.ReasonUnhealthy, detail)
	})
}

type nopStopper struct{}

func (nopStopper) Stop() {}
