// Package config owns supd's configuration: the schema types, the decoder
// that walks the YAML file node by node, ${VAR} expansion, defaults,
// validation, lint and the reference of every field.
//
// Load reads a file and returns either a validated *Config with the
// warnings of Lint, or an ErrorList holding every problem of the file at
// once, each with its file:line:col and field path, e.g.
//
//	supd.yaml:14:7: root.children[1] "api": stop_timeout: "10" needs a unit, e.g. 10s
//
// Decoding is strict: unknown fields, wrong types, duplicate keys and
// sibling names, bad durations, sizes, signals, users and enums are errors.
// Expansion runs on each decoded scalar value, never on the file's text.
// Users and groups are resolved when the file is loaded.
//
// Each block of the file has one table of its fields (workerFields,
// supervisorFields, logsFields…): a field's name, how its value decodes,
// where it may be written, where its value goes, its default and what it
// means. The decoder, the built-in defaults (each field's documented
// default, decoded like a value in the file) and Reference, from which
// docs/ is generated, all read those tables.
//
// A worker's fields are merged in three layers: its own, then those under
// `defaults:`, then the built-in defaults; backoff, env and logs merge field
// by field (logs also over the global `logs:`), ready and health as whole
// blocks. `defaults:` applies to workers only, never to supervisors.
//
// A worker with `replicas: N` is decoded into a Supervisor of its name
// whose Children are its instances; its ReplicaSet makes instance i of any
// count, with ${SUPD_INSTANCE} expanded, so that the tree only ever sees
// plain workers.
//
// A loaded Config is immutable and may be shared by pointer. The package
// runs no goroutines.
package config
