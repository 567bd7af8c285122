package api

// StopRequest is the optional body of POST /v1/nodes/{path}/stop. For is
// how long the hold lasts; 0 (or no body) holds the node until it is
// started again.
type StopRequest struct {
	For Duration `json:"for"`
}

// SignalRequest is the body of POST /v1/nodes/{path}/signal. Signal is a
// name with or without "SIG" ("USR1", "SIGUSR1") or a number; Group sends it
// to the worker's whole process group (and cgroup).
type SignalRequest struct {
	Signal string `json:"signal"`
	Group  bool   `json:"group"`
}

// ScaleRequest is the body of POST /v1/nodes/{path}/scale: the number of
// instances the replica set at path should run (SPEC §2.10), 0 or more.
type ScaleRequest struct {
	Replicas int `json:"replicas"`
}

// ReloadRequest is the optional body of POST /v1/reload.
type ReloadRequest struct {
	DryRun bool `json:"dry_run"`
}

// Accepted is the body of POST /v1/shutdown: the request was taken and
// supd is shutting down.
type Accepted struct {
	Message string `json:"message"`
}
