package api

// Action is what a reload does to one node.
type Action string

const (
	ActionKeep    Action = "keep"    // unchanged
	ActionUpdate  Action = "update"  // changed in place, no restart
	ActionRestart Action = "restart" // process-defining fields changed
	ActionRemove  Action = "remove"
	ActionAdd     Action = "add"
)

// Plan is the body of POST /v1/reload: what the reload did, or with
// dry_run what it would do. Changes has one entry per node of the old or
// the new config, parents before children.
type Plan struct {
	Changes []Change `json:"changes"`
	// Notes says what the reload does not apply to a running supd (the
	// control socket's settings, which take effect at its next start).
	Notes []string `json:"notes,omitempty"`
}

// Change is one node's part of a Plan.
type Change struct {
	Path       string `json:"path"`
	Action     Action `json:"action"`
	Supervisor bool   `json:"supervisor,omitempty"`
	// Fields are the config fields that caused an update or a restart.
	Fields []FieldChange `json:"fields,omitempty"`
}

// FieldChange is one changed field by its name in the config file
// ("stop_timeout", "env.PORT", "health.interval") with its old and new
// values as they would be written there ("" for unset).
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}
