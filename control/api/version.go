package api

import "runtime"

// APIVersion is the version of this API, also its URL prefix.
const APIVersion = "v1"

// Version is the body of GET /v1/version.
type Version struct {
	Version string `json:"version"` // supd's release, e.g. "1.2.0" or "dev"
	Go      string `json:"go"`      // the Go release it was built with
	API     string `json:"api"`     // APIVersion
}

// NewVersion describes a binary of the given release built by this Go.
func NewVersion(release string) Version {
	return Version{Version: release, Go: runtime.Version(), API: APIVersion}
}
