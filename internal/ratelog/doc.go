// Package ratelog bounds the log lines that strangers can cause: a peer
// refused on the control socket, a datagram on the workers' sd_notify
// socket from a process of no worker. Each such line costs supd a write
// and its reader (the journal, a disk) more; a flood of them must not
// become a flood of lines. It runs no goroutines.
package ratelog
