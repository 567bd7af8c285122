package control

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"supd/control/api"
)

// newMetricsHandler serves the tree's metrics and supd's process and Go
// runtime metrics, in Prometheus text format.
func newMetricsHandler(b Backend) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newTreeCollector(b, time.Now),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// treeCollector turns one Backend.Tree snapshot per scrape into metrics, so
// the metrics never disagree with `supctl status`.
type treeCollector struct {
	b   Backend
	now func() time.Time

	info, state, restarts, uptime, held, lastExit, budgetUsed, budgetMax, period *prometheus.Desc
}

func newTreeCollector(b Backend, now func() time.Time) *treeCollector {
	node := []string{"path", "kind"}
	return &treeCollector{
		b:   b,
		now: now,
		info: prometheus.NewDesc("supd_build_info", "supd's version; always 1.",
			[]string{"version", "goversion", "api"}, nil),
		state: prometheus.NewDesc("supd_node_state", "1 for the state the node is in, 0 for its kind's other states.",
			[]string{"path", "kind", "state"}, nil),
		restarts: prometheus.NewDesc("supd_node_restarts_total", "Restarts of the node by its supervisor.",
			node, nil),
		uptime: prometheus.NewDesc("supd_node_uptime_seconds", "Seconds since the node's current run started; absent when it has none.",
			node, nil),
		held: prometheus.NewDesc("supd_node_held", "1 while a `supctl stop` hold keeps the node stopped.",
			node, nil),
		lastExit: prometheus.NewDesc("supd_worker_last_exit_code", "Exit code of the worker's last exit; absent when it never exited or was ended by a signal.",
			[]string{"path", "reason"}, nil),
		budgetUsed: prometheus.NewDesc("supd_supervisor_restart_budget_used", "Restarts within the supervisor's current period.",
			[]string{"path"}, nil),
		budgetMax: prometheus.NewDesc("supd_supervisor_restart_budget_max", "The supervisor's max_restarts.",
			[]string{"path"}, nil),
		period: prometheus.NewDesc("supd_supervisor_restart_period_seconds", "The supervisor's period.",
			[]string{"path"}, nil),
	}
}

func (c *treeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.info, c.state, c.restarts, c.uptime, c.held, c.lastExit, c.budgetUsed, c.budgetMax, c.period} {
		ch <- d
	}
}

func (c *treeCollector) Collect(ch chan<- prometheus.Metric) {
	v := c.b.Version()
	ch <- prometheus.MustNewConstMetric(c.info, prometheus.GaugeValue, 1, v.Version, v.Go, v.API)
	now := c.now()
	t := c.b.Tree()
	t.Root.Walk(func(n *api.Node) {
		kind := string(n.Kind)
		states := api.WorkerStates
		if n.Kind == api.KindSupervisor {
			states = api.SupervisorStates
		}
		for _, s := range states {
			ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, boolFloat(n.State == s), n.Path, kind, string(s))
		}
		ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(n.Restarts), n.Path, kind)
		ch <- prometheus.MustNewConstMetric(c.held, prometheus.GaugeValue, boolFloat(n.Held), n.Path, kind)
		if n.StartedAt != nil {
			ch <- prometheus.MustNewConstMetric(c.uptime, prometheus.GaugeValue, now.Sub(*n.StartedAt).Seconds(), n.Path, kind)
		}
		if n.Kind == api.KindWorker && n.LastExit != nil && n.LastExit.Code != nil {
			ch <- prometheus.MustNewConstMetric(c.lastExit, prometheus.GaugeValue, float64(*n.LastExit.Code), n.Path, string(n.LastExit.Reason))
		}
		if b := n.Budget; b != nil {
			ch <- prometheus.MustNewConstMetric(c.budgetUsed, prometheus.GaugeValue, float64(b.Used), n.Path)
			ch <- prometheus.MustNewConstMetric(c.budgetMax, prometheus.GaugeValue, float64(b.Max), n.Path)
			ch <- prometheus.MustNewConstMetric(c.period, prometheus.GaugeValue, time.Duration(b.Period).Seconds(), n.Path)
		}
	})
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
