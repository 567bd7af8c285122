package main

import (
	"os"

	"supd/internal/daemon"
)

func main() {
	// A worker that needs setup between fork and exec runs through supd
	// itself first; that must happen before anything else starts.
	if len(os.Args) > 1 && os.Args[1] == daemon.TrampolineArg {
		os.Exit(daemon.TrampolineMain(os.Args[2:]))
	}
	// So does supd's guardian, which must start nothing of supd's.
	if len(os.Args) > 1 && os.Args[1] == daemon.GuardianArg {
		os.Exit(daemon.GuardianMain(os.Args[2:]))
	}
	stop := startProfile()
	code := run(os.Args[1:])
	stop()
	os.Exit(code)
}
