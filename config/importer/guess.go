package importer

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Guess tells the format of a file from its content: a supervisord file
// begins (after comments) with a [section] line, a process-compose file is a
// YAML mapping with processes:, and in a Procfile every line that is not
// blank or a comment is `name: command`.
func Guess(path string, data []byte) (Format, error) {
	lines := procfileLines(data)
	first, firstLine := "", 0
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, ";") {
			first, firstLine = t, i+1
			break
		}
	}
	if first == "" {
		return "", &Error{File: path, Msg: "the file is empty: nothing to import"}
	}
	if iniSectionRE.MatchString(first) {
		return Supervisord, nil
	}
	nested := false // a YAML mapping with structure: some YAML config, not a Procfile
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err == nil && len(doc.Content) == 1 {
		if top := doc.Content[0]; top.Kind == yaml.MappingNode {
			keys := map[string]*yaml.Node{}
			for i := 0; i+1 < len(top.Content); i += 2 {
				keys[top.Content[i].Value] = top.Content[i+1]
				if v := top.Content[i+1]; v.Kind != yaml.ScalarNode {
					nested = true
				}
			}
			if p, ok := keys["processes"]; ok && (p.Kind == yaml.MappingNode || p.Tag == "!!null") {
				return ProcessCompose, nil
			}
			if _, ok := keys["root"]; ok {
				if _, ok := keys["version"]; ok {
					return "", &Error{File: path, Msg: "this is already a supd config (version: and root:); `supd check` validates it"}
				}
			}
		}
	}
	if !nested && procfileLine.MatchString(lines[firstLine-1]) {
		return Procfile, nil
	}
	return "", &Error{File: path, Line: firstLine, Msg: "cannot tell the format: it is not a supervisord file " +
		"(its first line is no [section]), a process-compose file (no processes: mapping) or a Procfile " +
		"(no name: command first line); name it with --from " + strings.ReplaceAll(formatList(), ", ", "|")}
}
