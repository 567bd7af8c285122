// Package daemon wires supd together and runs its lifecycle: it loads the
// config, checks log destinations, prepares process supervision (subreaper,
// cgroups, the workers' notify socket), starts the tree, the control server
// and control.http, speaks systemd's service protocol for supd itself
// (READY=1, RELOADING=1, STOPPING=1, STATUS=, WATCHDOG=1 through go-systemd),
// and turns signals into a shutdown.
//
// Goroutines: Run's own loop, which owns the lifecycle (signals, the
// shutdown deadline, the tree's end); the tree's owners; the control
// server's and control.http's; watchService, which follows the tree's
// changes for READY=1 and STATUS= and drives the watchdog pings; and the
// log forwarder's writer.
package daemon
