// Command supctl is the command line of supd (SPEC §3): it talks to a
// running supd over its control socket through control/client and prints
// the answers as text, or with -o json as the API's own JSON shapes.
//
// Exit codes: 0 success; 1 the daemon refused or failed the request
// (including 403 and 404); 2 a usage error; 3 the daemon cannot be reached.
//
// NewCommand builds the whole cobra command tree without running anything,
// so that tests drive it in-process. supctl runs no goroutines of its own;
// following streams are read on the main goroutine until the stream ends or
// SIGINT/SIGTERM cancels it.
package main
