package control

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func TestTreeCollector(t *testing.T) {
	fb := newFakeBackend()
	c := newTreeCollector(fb, func() time.Time { return t0 })
	want := `
# HELP supd_node_restarts_total Restarts of the node by its supervisor.
# TYPE supd_node_restarts_total counter
supd_node_restarts_total{kind="supervisor",path=""} 0
supd_node_restarts_total{kind="supervisor",path="web"} 0
supd_node_restarts_total{kind="worker",path="db"} 0
supd_node_restarts_total{kind="worker",path="web/api"} 2
supd_node_restarts_total{kind="worker",path="web/front"} 0
# HELP supd_node_uptime_seconds Seconds since the node's current run started; absent when it has none.
# TYPE supd_node_uptime_seconds gauge
supd_node_uptime_seconds{kind="supervisor",path=""} 3600
supd_node_uptime_seconds{kind="supervisor",path="web"} 3600
supd_node_uptime_seconds{kind="worker",path="db"} 3600
supd_node_uptime_seconds{kind="worker",path="web/api"} 3600
# HELP supd_worker_last_exit_code Exit code of the worker's last exit; absent when it never exited or was ended by a signal.
# TYPE supd_worker_last_exit_code gauge
supd_worker_last_exit_code{path="web/api",reason="exit"} 1
# HELP supd_supervisor_restart_budget_used Restarts within the supervisor's current period.
# TYPE supd_supervisor_restart_budget_used gauge
supd_supervisor_restart_budget_used{path=""} 0
supd_supervisor_restart_budget_used{path="web"} 2
# HELP supd_supervisor_restart_budget_max The supervisor's max_restarts.
# TYPE supd_supervisor_restart_budget_max gauge
supd_supervisor_restart_budget_max{path=""} 3
supd_supervisor_restart_budget_max{path="web"} 3
# HELP supd_supervisor_restart_period_seconds The supervisor's period.
# TYPE supd_supervisor_restart_period_seconds gauge
supd_supervisor_restart_period_seconds{path=""} 5
supd_supervisor_restart_period_seconds{path="web"} 5
# HELP supd_build_info supd's version; always 1.
# TYPE supd_build_info gauge
supd_build_info{api="v1",goversion="go1.26",version="1.2.3"} 1
`
	got := scrape(t, c)
	for _, want := range strings.Split(strings.TrimSpace(want), "\n") {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	// One state series per state of each node's kind, exactly one of them 1.
	var states, ones int
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "supd_node_state{") {
			states++
			if strings.HasSuffix(line, " 1") {
				ones++
			}
		}
	}
	if states != 3*7+2*5 || ones != 5 {
		t.Errorf("%d state series with %d ones, want %d with 5", states, ones, 3*7+2*5)
	}
	for _, want := range []string{
		`supd_node_state{kind="worker",path="web/front",state="backoff"} 1`,
		`supd_node_held{kind="worker",path="web/api"} 0`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// scrape renders c's metrics as /metrics would, through a pedantic
// registry, which also checks that Collect matches Describe.
func scrape(t *testing.T, c prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}).
		ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func TestMetricsEndpoint(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Options{})
	status, body := ts.call(t, "GET", "/metrics", "")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{
		`supd_node_state{kind="worker",path="web/api",state="running"} 1`,
		`supd_node_state{kind="worker",path="web/api",state="failed"} 0`,
		`supd_node_state{kind="worker",path="web/front",state="backoff"} 1`,
		`supd_node_state{kind="supervisor",path="web",state="running"} 1`,
		"process_open_fds ",
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
