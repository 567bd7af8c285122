package importer

import (
	"fmt"
	"os"
	"path/filepath"
)

// dotEnv notes a .env file beside the source, which the source's tool reads
// and supd does not.
func dotEnv(path string, f *File, r *report, who string) {
	env := filepath.Join(filepath.Dir(path), ".env")
	if _, err := os.Stat(env); err != nil {
		return
	}
	r.warnf(env, 0, "%s; supd does not: its variables are not imported", who)
	f.Head = append(f.Head, fmt.Sprintf("%s, as the .env beside this file; supd does not: set its variables under env: "+
		"(or defaults.env), or in supd's own environment.", who))
}

// relativeNote says where relative paths lead, for sources whose tool
// resolves them against its working folder.
func relativeNote(f *File, tool, file string) {
	f.Head = append(f.Head, fmt.Sprintf("%s resolves relative paths against its working folder, supd against the folder "+
		"of this file: keep this file beside %s.", tool, file))
}
