// Package docgen makes man pages and shell completions from the cobra
// command trees of supd and supctl, for `make docs` and for the tests that
// fail when the copies committed under docs/ fall behind the code. It runs
// no goroutines.
package docgen
