package api

// Health is the JSON body of GET /healthz on the control.http listener
// (SPEC §4): healthy while supd's tree loop answers and the root has not
// failed.
type Health struct {
	Healthy bool   `json:"healthy"`
	Error   string `json:"error,omitempty"` // why not, when not healthy
}

// Readiness is the JSON body of GET /readyz on the control.http listener
// (SPEC §4).
type Readiness struct {
	Ready bool `json:"ready"`
	// Started is true once the initial start has finished.
	Started bool `json:"started"`
	// NotReady lists, in tree order, the nodes that keep supd from being
	// ready: the significant ones (every node if none is significant) that
	// are neither running nor ended normally for good. Never null.
	NotReady []NotReady `json:"not_ready"`
}

// NotReady is a node that is not ready, with its state.
type NotReady struct {
	Path  string `json:"path"`
	State State  `json:"state"`
}
