package daemon

import (
	"context"

	"supd/control/api"
	"supd/tree"
)

// probes answers control.http's /healthz and /readyz (control.Probes).
type probes struct{ d *daemon }

// Health: the tree's owners all answer a ping, and the root has not failed.
func (p probes) Health(ctx context.Context) api.Health {
	if err := p.d.tree.Ping(ctx); err != nil {
		return api.Health{Error: err.Error()}
	}
	if p.d.tree.Snapshot().State == tree.Failed {
		return api.Health{Error: "the root supervisor has failed"}
	}
	return api.Health{Healthy: true}
}

// Readiness: the initial start has finished and no node of those that
// count is short of running (SPEC §4).
func (p probes) Readiness() api.Readiness {
	r := api.Readiness{Started: p.d.started.Load()}
	r.NotReady = notReady(p.d.reloader.current(), p.d.tree.Snapshot())
	r.Ready = r.Started && len(r.NotReady) == 0
	return r
}
