// Package tree runs supervision trees with the semantics of Erlang/OTP
// supervisors: strategies (one_for_one, one_for_all, rest_for_one), restart
// types, restart intensity with escalation to the parent, backoff, holds and
// significant children.
//
// Each supervisor node is owned by one goroutine (its owner) for the life of
// the tree. The owner alone reads and writes its children's records, its
// restart history and its one timer; everything else — process exits,
// readiness, probe failures, manual commands, a parent's start and stop —
// arrives as a message in its mailbox. After each message the owner publishes
// an immutable Snapshot, so readers never wait on a loop.
//
// The tree performs no I/O of its own: processes are run by a Launcher, events
// go to a sink, and time is read from the time package, so tests drive a tree
// with a fake launcher inside a testing/synctest bubble.
package tree
