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
// dry_run what it would do.
type Plan struct {
	Changes []Change `json:"changes"`
}

// Change is one node's part of a Plan.
type Change struct {
	Path   string `json:"path"`
	Action Action `json:"action"`
	// Fields names the config fields that caused an update or a restart.
	Fields []string `json:"fields,omitempty"`
}
