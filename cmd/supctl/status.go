package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"supd/control/api"
)

func (a *app) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status [PATH...]",
		Short: "Show nodes as a table",
		Long: `Show the nodes at and below each PATH (default: the whole tree) as a table:
path, state, pid, uptime, restarts, last exit, and status (a supervisor's
restart budget, a hold, the worker's sd_notify STATUS= text).

With -o json: a JSON array of the nodes of GET /v1/nodes/{path}, each with
its subtree (without PATH: the root).`,
		ValidArgsFunction: a.completePaths,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{""}
			}
			if a.json() {
				return a.statusJSON(cmd.Context(), args)
			}
			var nodes []api.Node
			var errs []error
			for _, p := range args {
				n, err := a.api().Node(cmd.Context(), p)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				nodes = append(nodes, n)
			}
			if err := errors.Join(errs...); err != nil && len(nodes) == 0 {
				return failed(err)
			}
			io.WriteString(a.stdout, a.statusTable(nodes))
			// Report the paths that failed after printing the others.
			return failed(errors.Join(errs...))
		},
	}
}

// statusJSON prints the nodes at paths as one array of the daemon's own
// JSON, passed on undecoded: with 1000 workers, decoding and re-encoding
// them took a third of supctl's run. Paths that failed are reported after.
func (a *app) statusJSON(ctx context.Context, paths []string) error {
	out := []byte{'['}
	var errs []error
	for _, p := range paths {
		raw, err := a.api().NodeJSON(ctx, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, raw...)
	}
	if err := errors.Join(errs...); err != nil && len(out) == 1 {
		return failed(err)
	}
	_, _ = a.stdout.Write(append(out, ']', '\n'))
	return failed(errors.Join(errs...))
}

func (a *app) statusTable(nodes []api.Node) string {
	now := a.now()
	rows := [][]string{{"PATH", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT", "STATUS"}}
	for i := range nodes {
		nodes[i].Walk(func(n *api.Node) {
			rows = append(rows, []string{
				displayPath(n.Path), string(n.State), pid(n), uptime(n, now),
				fmt.Sprint(n.Restarts), lastExit(n.LastExit, now), notes(n, now),
			})
		})
	}
	return table(rows)
}

func (a *app) treeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "tree [PATH]",
		Short: "Draw the tree with strategies and states",
		Long: `Draw the tree (or the subtree at PATH) with each supervisor's strategy,
state and restart budget and each worker's state and pid.

With -o json: the body of GET /v1/tree, {"root": NODE} (with PATH: GET
/v1/nodes/{path}, the NODE).`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completePaths,
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.json() {
				// The daemon's JSON, passed on undecoded (see statusJSON).
				var raw []byte
				var err error
				if len(args) == 1 {
					raw, err = a.api().NodeJSON(cmd.Context(), args[0])
				} else {
					raw, err = a.api().TreeJSON(cmd.Context())
				}
				if err != nil {
					return failed(err)
				}
				_, _ = a.stdout.Write(append(raw, '\n'))
				return nil
			}
			var root api.Node
			if len(args) == 1 {
				n, err := a.api().Node(cmd.Context(), args[0])
				if err != nil {
					return failed(err)
				}
				root = n
			} else {
				t, err := a.api().Tree(cmd.Context())
				if err != nil {
					return failed(err)
				}
				root = t.Root
			}
			io.WriteString(a.stdout, a.drawTree(root))
			return nil
		},
	}
}

// drawTree draws n and its subtree with box characters, in aligned columns:
// name, strategy, state, then pid or budget and notes.
func (a *app) drawTree(n api.Node) string {
	now := a.now()
	var rows [][]string
	var walk func(n *api.Node, label, indent string)
	walk = func(n *api.Node, label, indent string) {
		var extra []string
		if n.PID != 0 {
			extra = append(extra, fmt.Sprintf("pid %d", n.PID))
		}
		if note := notes(n, now); note != "" {
			extra = append(extra, note)
		}
		rows = append(rows, []string{label, n.Strategy, string(n.State), strings.Join(extra, ", ")})
		for i := range n.Children {
			c := &n.Children[i]
			branch, next := "├── ", "│   "
			if i == len(n.Children)-1 {
				branch, next = "└── ", "    "
			}
			walk(c, indent+branch+c.Name, indent+next)
		}
	}
	label := n.Name
	if label == "" {
		label = displayPath(n.Path)
	} else if n.Path != n.Name {
		label = n.Path
	}
	walk(&n, label, "")
	return table(rows)
}
