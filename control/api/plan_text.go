package api

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// PlanText renders a plan for people, as `supctl reload` and `supd check
// --diff` print it: under heading, one line per node that changes (what,
// which node), then one line per changed field with its old and new
// values, then how many nodes are unchanged and the plan's notes. A plan
// that changes nothing says so.
func PlanText(p Plan, heading string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	kept, changed := 0, 0
	for _, c := range p.Changes {
		if c.Action == ActionKeep {
			kept++
			continue
		}
		changed++
		path := c.Path
		if path == "" {
			path = "/"
		}
		if len(c.Fields) == 0 {
			fmt.Fprintf(tw, "  %s\t%s\n", c.Action, path)
		}
		for i, f := range c.Fields {
			what, where := string(c.Action), path
			if i > 0 {
				what, where = "", ""
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s: %s → %s\n", what, where, f.Field, shown(f.Old), shown(f.New))
		}
	}
	tw.Flush()
	out := heading + "\n" + b.String()
	switch {
	case changed == 0:
		out = fmt.Sprintf("%s no changes; %s unchanged\n", heading, nodes(kept))
	case kept > 0:
		out += nodes(kept) + " unchanged\n"
	}
	for _, n := range p.Notes {
		out += "note: " + n + "\n"
	}
	return out
}

func shown(v string) string {
	if v == "" {
		return "(unset)"
	}
	return v
}

func nodes(n int) string {
	if n == 1 {
		return "1 node"
	}
	return fmt.Sprintf("%d nodes", n)
}
