// Package version is the one source of supd's and supctl's version: the
// Makefile sets Version at link time (-X supd/internal/version.Version=...);
// a build without it, such as `go install supd/cmd/supd@v1.2.3`, reports
// the module version from its build info, and a plain `go build` "dev".
// It runs no goroutines.
package version
