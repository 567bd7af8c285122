//go:build !pprof

package main

// startProfile does nothing without the pprof build tag (see profile.go).
func startProfile() (stop func()) { return func() {} }
