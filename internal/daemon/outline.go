package daemon

import (
	"fmt"
	"io"
	"text/tabwriter"

	"supd/config"
)

// outline lists every node of cfg with its path, as `supd check -v` shows
// it: replica sets with their count and each instance.
func outline(w io.Writer, cfg *config.Config) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for path, n := range cfg.All() {
		switch s := n.Supervisor; {
		case s == nil:
			fmt.Fprintf(tw, "%s\tworker\n", path)
		case s.Replicas != nil:
			fmt.Fprintf(tw, "%s\treplica set of %d\n", path, s.Replicas.Count)
		default:
			fmt.Fprintf(tw, "%s\tsupervisor %s\n", path, s.Strategy)
		}
	}
	tw.Flush()
}
