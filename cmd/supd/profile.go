//go:build pprof

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profileEnv names the file a supd built with `-tags pprof` writes its CPU
// profile to, from start to exit: how the benchmarks find where supd's time
// goes. Release builds have no such variable.
const profileEnv = "SUPD_CPUPROFILE"

func startProfile() (stop func()) {
	name := os.Getenv(profileEnv)
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "supd: %s: %v\n", profileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
