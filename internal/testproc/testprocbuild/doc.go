// Package testprocbuild builds the testproc helper program for tests and
// knows the format of the lines it prints. It runs no goroutines.
package testprocbuild
