// Package treetest provides a fake Launcher whose processes are scripted by
// the test, for driving a tree inside a testing/synctest bubble.
package treetest
