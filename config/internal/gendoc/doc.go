// Command gendoc writes the reference of supd's config file from the
// tables the config decoder reads: the supd.yaml(5) man page and a
// Markdown page. `make docs` runs it; a test fails when the committed
// copies are stale.
//
//	go run ./config/internal/gendoc -o docs
//
// It runs no goroutines.
package main
