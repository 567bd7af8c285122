package daemon

import (
	"strconv"
	"time"

	"supd/config"
	"supd/control/api"
	"supd/internal/logcap"
	"supd/osproc"
	"supd/tree"
)

// The tree's values in the API's shapes (control/api), for supctl and
// anything else that speaks to the control socket.

func apiNode(s *tree.Snapshot) api.Node {
	n := api.Node{
		Path: s.Path, Name: s.Name, Kind: api.KindWorker, State: api.State(s.State),
		PID: s.Pid, Since: s.Since, Restarts: s.Restarts, LastExit: apiExit(s.LastExit),
		Status: s.Status, Stopping: s.Stopping, Held: s.Held,
	}
	if s.State == tree.Starting || s.State == tree.Running || s.State == tree.Stopping {
		n.StartedAt = timePtr(s.StartedAt)
	}
	if s.Held {
		n.HeldUntil = timePtr(s.HeldUntil)
	}
	if s.Supervisor {
		n.Kind = api.KindSupervisor
		n.PID = 0
		n.Strategy, n.Start = string(s.Strategy), string(s.Start)
		n.Budget = &api.Budget{Used: s.Budget.Used, Max: s.Budget.Max, Period: api.Duration(s.Budget.Period)}
		if s.Replicas >= 0 {
			n.Replicas = api.IntPtr(s.Replicas)
		}
		n.Children = make([]api.Node, len(s.Children))
		for i, c := range s.Children {
			n.Children[i] = apiNode(c)
		}
	}
	return n
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// apiExit is the one rendering of an exit for the API: a code or a signal
// only when a process ended (SPEC §2.7).
func apiExit(x *tree.ExitInfo) *api.Exit {
	if x == nil {
		return nil
	}
	e := &api.Exit{Reason: api.Reason(x.Reason), Detail: x.Detail, Time: x.Time}
	if st := x.Status; st != nil {
		e.Core, e.OOM = st.Core, st.OOM
		if st.Signal != 0 {
			e.Signal = osproc.SignalName(st.Signal)
		} else {
			e.Code = api.IntPtr(st.Code)
		}
	}
	return e
}

func apiEvent(e tree.Event) api.Event {
	out := api.Event{
		Time: e.Time, Kind: api.EventKind(e.Kind), Path: e.Path,
		Old: api.State(e.Old), New: api.State(e.New), Exit: apiExit(e.Exit), Message: e.Message,
	}
	if e.Exit != nil {
		out.Reason = string(e.Exit.Reason)
		out.Tail = e.Exit.Tail
	}
	if r := e.Restart; r != nil {
		out.Restart = &api.Restart{
			Strategy: string(r.Strategy), Nodes: r.Nodes, Used: r.Used, Max: r.Max,
			Period: api.Duration(r.Period), Delay: api.Duration(r.Delay), GaveUp: r.GaveUp,
		}
	}
	return out
}

func apiLine(l logcap.Line) api.LogLine {
	text := l.Text
	if l.Lagged > 0 {
		text = "[supd] " + strconv.FormatUint(l.Lagged, 10) + " lines dropped: this reader fell behind"
	}
	return api.LogLine{Time: l.Time, Path: l.Path, Stream: l.Stream.String(), Text: text}
}

// apiPlan is a reload's plan in the API's shape.
func apiPlan(p config.Plan, notes []string) api.Plan {
	out := api.Plan{Changes: make([]api.Change, len(p.Changes)), Notes: notes}
	for i, c := range p.Changes {
		out.Changes[i] = api.Change{Path: c.Path, Action: api.Action(c.Action), Supervisor: c.Supervisor}
		for _, f := range c.Fields {
			out.Changes[i].Fields = append(out.Changes[i].Fields, api.FieldChange{Field: f.Field, Old: f.Old, New: f.New})
		}
	}
	return out
}
