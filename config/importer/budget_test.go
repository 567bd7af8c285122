package importer

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"supd/config"
)

func TestBudget(t *testing.T) {
	sv := supdBackoff(&Backoff{Initial: ptr(time.Second)}) // supervisord's import: 1s, doubling, jitter 0.1
	constant := supdBackoff(&Backoff{Initial: ptr(time.Second), Factor: ptr(1.0), Jitter: ptr(0.0)})
	for _, tc := range []struct {
		name   string
		min    time.Duration
		bs     []childBudget
		max    int
		period time.Duration
	}{
		// 3 retries after 1.1s, 2.2s, 4.4s, each run failing after 1s:
		// 10.7s, so 12s with a second to spare.
		{"supervisord default", 5 * time.Second, []childBudget{{retries: 3, instances: 1, backoff: sv, run: time.Second}}, 3, 12 * time.Second},
		{"two programs", 5 * time.Second, []childBudget{
			{retries: 3, instances: 1, backoff: sv, run: time.Second},
			{retries: 5, instances: 1, backoff: sv, run: 5 * time.Second},
		}, 8, 61 * time.Second},
		{"replicas count each", 5 * time.Second, []childBudget{{retries: 2, instances: 4, backoff: sv, run: time.Second}}, 8, 7 * time.Second},
		// The set's instances can restart 3 × 10 times within 10s: 29 at
		// most, not the 9 + 9×3 of the sum.
		{"a replica set bounds its parent", 10 * time.Second, []childBudget{
			{retries: unlimited, instances: 1, backoff: constant},
			{retries: unlimited, set: true, instances: 3, backoff: constant},
		}, 29, 10 * time.Second},
		{"no retries", 5 * time.Second, []childBudget{{retries: 0, instances: 1, backoff: sv}}, 0, 5 * time.Second},
		// A constant 1s: restarts at 0, 1, ... 9 fall within 10s; one fewer
		// is the budget, so that this child alone can exhaust it only by
		// failing at once every time.
		{"unlimited", 10 * time.Second, []childBudget{{retries: unlimited, instances: 1, backoff: constant}}, 9, 10 * time.Second},
		{"unlimited and limited", 10 * time.Second, []childBudget{
			{retries: unlimited, instances: 1, backoff: constant},
			{retries: 5, instances: 1, backoff: supdBackoff(&Backoff{Initial: ptr(2 * time.Second), Factor: ptr(1.0), Jitter: ptr(0.0)})},
		}, 15, 11 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := budgetOf(tc.bs, tc.min)
			if !ok || got.maxRestarts != tc.max || got.period != tc.period {
				t.Errorf("budgetOf = %+v (%v), want %d in %v", got, ok, tc.max, tc.period)
			}
		})
	}
	if _, ok := budgetOf(nil, time.Second); ok {
		t.Error("a supervisor without restartable children got a budget")
	}
}

// TestBudgetPassesLint builds configs with the budgets of TestBudget's
// children and checks that supd's lint finds max_restarts reachable: the
// budget never promises more than the children can use.
func TestBudgetPassesLint(t *testing.T) {
	for _, tc := range []struct {
		backoff  string
		retries  int
		n        int
		replicas int // the last child's, when more than 0
	}{
		{"{initial: 1s, factor: 1.0, jitter: 0.0}", unlimited, 2, 3},
		{"{initial: 1s}", 3, 3, 4},
		{"{}", unlimited, 1, 2},
		{"{initial: 1s}", 3, 1, 0},
		{"{initial: 1s}", 10, 3, 0},
		{"{initial: 1s, factor: 1.0, jitter: 0.0}", unlimited, 1, 0},
		{"{initial: 1s, factor: 1.0, jitter: 0.0}", unlimited, 4, 0},
		{"{initial: 5s, factor: 1.0, jitter: 0.0}", unlimited, 2, 0},
		{"{}", unlimited, 2, 0},
	} {
		var b config.Backoff
		cfg := "version: 1\ndefaults:\n  backoff: " + tc.backoff + "\nroot:\n  children: []\n"
		c, _, err := config.Parse("probe.yaml", []byte(strings.Replace(cfg, "children: []", "children:\n    - {name: x, command: x}", 1)), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		b = c.Root.Children[0].Worker.Backoff
		var bs []childBudget
		for i := range tc.n {
			if i == tc.n-1 && tc.replicas > 0 {
				bs = append(bs, childBudget{name: "set", retries: tc.retries, set: true, instances: tc.replicas, backoff: b})
				continue
			}
			bs = append(bs, childBudget{retries: tc.retries, instances: 1, backoff: b})
		}
		got, _ := budgetOf(bs, 10*time.Second)
		var children strings.Builder
		for i := range tc.n {
			if i == tc.n-1 && tc.replicas > 0 {
				fmt.Fprintf(&children, "    - {name: set, command: x, replicas: %d}\n", tc.replicas)
				continue
			}
			fmt.Fprintf(&children, "    - {name: w%d, command: x}\n", i)
		}
		cfg = fmt.Sprintf("version: 1\ndefaults:\n  backoff: %s\nroot:\n  max_restarts: %d\n  period: %s\n  children:\n%s",
			tc.backoff, got.maxRestarts, fmtDuration(got.period), children.String())
		_, warns, err := config.Parse("budget.yaml", []byte(cfg), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range warns {
			t.Errorf("%s × %d, retries %d: %s", tc.backoff, tc.n, tc.retries, w)
		}
	}
}

func noEnv(string) (string, bool) { return "", false }
