// Package daemon wires supd together and runs its lifecycle: it loads the
// config, checks log destinations, prepares process supervision (subreaper,
// cgroups, the workers' notify socket), starts the tree and the control
// server, and turns signals into a shutdown.
//
// Goroutines: Run's own loop, which owns the lifecycle (signals, the
// shutdown deadline, the tree's end); the tree's owners; the control
// server's; and the log forwarder's writer.
package daemon
