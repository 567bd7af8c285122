// Command supd runs a supervision tree of OS processes declared in YAML
// (SPEC §1, §2): `supd` runs the tree in the foreground, `supd check`
// validates a config, `supd version` prints the version.
//
// main first checks whether it was re-executed as osproc's exec
// trampoline (argv[1] is daemon.TrampolineArg): that must happen before
// anything else runs. Otherwise the command line is parsed here and
// everything else is internal/daemon's; main runs no goroutines of its own.
package main
