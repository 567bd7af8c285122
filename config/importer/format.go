package importer

import (
	"fmt"
	"strings"
)

// Format is a source format.
type Format string

const (
	Supervisord    Format = "supervisord"
	ProcessCompose Format = "process-compose"
	Procfile       Format = "procfile"
)

// Formats lists the formats in the order --from names them.
var Formats = []Format{Supervisord, ProcessCompose, Procfile}

// Options tunes an import.
type Options struct {
	From     Format // "": guess from the content
	Hostname string // supervisord's %(host_node_name)s; "": this host's name
	// Env is the importing user's environment, for what must be resolved
	// while importing (supervisord's [include] globs); nil: the process's.
	Env func(string) (string, bool)
}

func formatList() string {
	words := make([]string, len(Formats))
	for i, f := range Formats {
		words[i] = string(f)
	}
	return strings.Join(words, ", ")
}

// ParseFormat reads a --from value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q: use %s", s, formatList())
}
