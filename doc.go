// Package supd is the module's root and holds no code. Its tests check the
// shape of the module: imports point one way as DESIGN.md §3 lays out
// (deps_test.go), and every package says in its doc.go what it owns
// (doc_test.go).
package supd
