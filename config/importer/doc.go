// Package importer turns another supervisor's config into a supd.yaml: a
// supervisord INI file (with its includes), a process-compose YAML file or
// a Procfile, each translated by its own file of this package into the
// model of model.go, which Encode writes in supd's field order with a
// comment at every setting that has no exact equivalent.
//
// A setting the source leaves unset gets the source's default, not supd's,
// so that the imported tree behaves as the old one did (SPEC §3). Settings
// supd has no place for become comments; keys the source does not know
// either become comments and warnings. Input that cannot be read is an
// error naming file:line. The same input always gives the same bytes.
//
// The package reads files and never starts a process; it runs no
// goroutines.
package importer
