// Package e2e runs the real supd, supctl and testproc binaries and checks
// what users see: processes, exit statuses, output and the command line.
package e2e
