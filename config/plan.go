package config

// Action is what a reload does to one node (SPEC §2.8).
type Action string

const (
	ActionKeep    Action = "keep"    // unchanged: untouched, same processes
	ActionUpdate  Action = "update"  // changed fields apply in place, no restart
	ActionRestart Action = "restart" // process-defining fields changed: the worker is restarted alone
	ActionRemove  Action = "remove"  // stopped and removed
	ActionAdd     Action = "add"     // added, and started in its place
)

// Plan is what a reload from one config to another does: one Change per
// node of either, parents before children, each supervisor's children in
// the new order with removed ones after them.
type Plan struct {
	Changes []Change
}

// Change is one node's part of a Plan.
type Change struct {
	Path       string
	Action     Action
	Supervisor bool          // the node is (or, when removed, was) a supervisor
	Fields     []FieldChange // what caused an update or a restart
}

// FieldChange is one changed field, by its name in the file
// ("stop_timeout", "health.interval", "env.PORT"), with its old and new
// values as they would be written ("" for unset).
type FieldChange struct {
	Field string
	Old   string
	New   string
}

// Actions maps every path of the plan to its action.
func (p Plan) Actions() map[string]Action {
	m := make(map[string]Action, len(p.Changes))
	for _, c := range p.Changes {
		m[c.Path] = c.Action
	}
	return m
}

// Empty reports whether the plan keeps every node as it is.
func (p Plan) Empty() bool {
	for _, c := range p.Changes {
		if c.Action != ActionKeep {
			return false
		}
	}
	return true
}
