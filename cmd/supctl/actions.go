package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"supd/control/api"
)

// nodeAction builds start, restart and the like: one PATH, one request
// that answers with the node.
func (a *app) nodeAction(use, short, long string, do func(ctx context.Context, path string) (api.Node, error)) *cobra.Command {
	return &cobra.Command{
		Use:               use,
		Short:             short,
		Long:              long,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completePaths,
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := do(cmd.Context(), args[0])
			if err != nil {
				return failed(err)
			}
			return a.printNode(n)
		},
	}
}

// printNode prints the node after an action: "web/api: running, pid 42".
func (a *app) printNode(n api.Node) error {
	if a.json() {
		return a.printJSON(n)
	}
	line := displayPath(n.Path) + ": " + string(n.State)
	if n.PID != 0 {
		line += fmt.Sprintf(", pid %d", n.PID)
	}
	if note := notes(&n, a.now()); note != "" {
		line += "; " + note
	}
	fmt.Fprintln(a.stdout, line)
	return nil
}

const jsonNode = `

With -o json: the node afterwards, as GET /v1/nodes/{path}.`

func (a *app) startCmd() *cobra.Command {
	return a.nodeAction("start PATH", "Start a node (a supervisor: its subtree) and end its hold",
		"Start a stopped, exited or failed node and end any hold on it. A manual\nstart counts toward no restart budget."+jsonNode,
		func(ctx context.Context, path string) (api.Node, error) { return a.api().Start(ctx, path) })
}

func (a *app) restartCmd() *cobra.Command {
	return a.nodeAction("restart PATH", "Stop a node and start it again",
		"Stop a node and start it again. A manual restart counts toward no restart\nbudget."+jsonNode,
		func(ctx context.Context, path string) (api.Node, error) { return a.api().Restart(ctx, path) })
}

func (a *app) stopCmd() *cobra.Command {
	var hold time.Duration
	cmd := a.nodeAction("stop PATH", "Stop a node and hold it stopped",
		"Stop a node and hold it stopped until `supctl start`, through its\nsupervisor's restarts and reloads; with --for, the hold ends by itself."+jsonNode,
		func(ctx context.Context, path string) (api.Node, error) { return a.api().Stop(ctx, path, hold) })
	cmd.Flags().DurationVar(&hold, "for", 0, "end the hold after this long, e.g. 10m")
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if hold < 0 {
			return fmt.Errorf("invalid --for %s: must not be negative", hold)
		}
		return run(cmd, args)
	}
	return cmd
}

func (a *app) signalCmd() *cobra.Command {
	var group bool
	cmd := &cobra.Command{
		Use:   "signal SIGNAL PATH",
		Short: "Send a signal to a worker",
		Long:  "Send SIGNAL (USR1, SIGUSR1 or a number) to the worker's process, or with\n--group to its whole process group. A signal is not a stop: if the worker\nexits of it, that is an abnormal exit." + jsonNode,
		Args:  cobra.ExactArgs(2),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []cobra.Completion{"HUP", "INT", "QUIT", "USR1", "USR2", "TERM", "KILL", "CONT", "STOP"}, cobra.ShellCompDirectiveNoFileComp
			}
			return a.completePaths(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := a.api().Signal(cmd.Context(), args[1], args[0], group)
			if err != nil {
				return failed(err)
			}
			return a.printNode(n)
		},
	}
	cmd.Flags().BoolVar(&group, "group", false, "signal the worker's whole process group")
	return cmd
}

func (a *app) scaleCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scale PATH N",
		Short: "Set the number of instances of a replica set",
		Long: `Set the number of instances of the replica set at PATH (a worker with
"replicas:") to N, 0 or more. New instances start after the existing ones;
a scale down stops the highest-numbered first; the others keep running.
Scaling counts toward no restart budget.` + jsonNode,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completePaths,
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[1])
			switch {
			case err != nil:
				return fmt.Errorf("invalid N %q: want a whole number of instances, 0 or more", args[1])
			case n < 0:
				return fmt.Errorf("invalid N %d: must not be negative", n)
			}
			node, err := a.api().Scale(cmd.Context(), args[0], n)
			if err != nil {
				return failed(err)
			}
			return a.printNode(node)
		},
	}
}

func (a *app) reloadCmd() *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "reload",
		Short: "Reload the config and print the plan",
		Long: `Reload supd's config: nodes are matched by path; unchanged ones are kept,
changed ones updated in place or restarted, removed ones stopped, new ones
started. An invalid config changes nothing. --dry-run prints the plan
without applying it.

Each change names its fields with their old and new values. An invalid
config is refused with every error (file:line:col) and exit 1.

With -o json: the plan, {"changes": [{"path", "action", "supervisor",
"fields": [{"field", "old", "new"}]}], "notes": [...]}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			plan, err := a.api().Reload(cmd.Context(), dryRun)
			if err != nil {
				return failed(err)
			}
			if a.json() {
				return a.printJSON(plan)
			}
			fmt.Fprint(a.stdout, formatPlan(plan, dryRun))
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan without applying it")
	return cmd
}

// formatPlan is the plan as text, headed by what happened to it.
func formatPlan(plan api.Plan, dryRun bool) string {
	if dryRun {
		return api.PlanText(plan, "would apply (dry run):")
	}
	return api.PlanText(plan, "applied:")
}

func (a *app) shutdownCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "shutdown",
		Short: "Stop every node and make supd exit",
		Long: `Make supd stop its tree in reverse start order and exit 0. supctl returns
once supd has begun; it does not wait for the end.

With -o json: {"message": "shutting down"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			acc, err := a.api().Shutdown(cmd.Context())
			if err != nil {
				return failed(err)
			}
			if a.json() {
				return a.printJSON(acc)
			}
			fmt.Fprintln(a.stdout, "supd is shutting down")
			return nil
		},
	}
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print supctl's and supd's versions",
		Long: `Print supctl's version and the running supd's. When supd cannot be reached,
print supctl's alone and exit 3.

With -o json: {"client": VERSION, "daemon": VERSION or null}, each VERSION
as GET /v1/version: {"version", "go", "api"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cv := clientVersion()
			dv, err := a.api().Version(cmd.Context())
			if a.json() {
				out := struct {
					Client api.Version  `json:"client"`
					Daemon *api.Version `json:"daemon"`
				}{Client: cv}
				if err == nil {
					out.Daemon = &dv
				}
				a.printJSON(out)
			} else {
				fmt.Fprintf(a.stdout, "supctl %s (%s, api %s)\n", cv.Version, cv.Go, cv.API)
				if err == nil {
					fmt.Fprintf(a.stdout, "supd   %s (%s, api %s)\n", dv.Version, dv.Go, dv.API)
				}
			}
			return failed(err)
		},
	}
}
