package importer

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
)

// process-compose substitutes ${NAME} from its environment (empty when
// unset) in the file's text before it reads the YAML, with $$ for a $; a $
// before anything else stays, for the shell. Then it renders each command,
// working_dir, log_location, environment entry and probe as a Go template
// over its vars, with PC_REPLICA_NUM.

// pcSubst translates one value's substitutions into a text whose ${NAME}
// supd substitutes, from its own environment, when it loads the config.
func pcSubst(s string) (text, error) {
	var b textBuilder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "$$"):
			b.byte('$')
			i++
		case strings.HasPrefix(s[i:], "${"):
			end := closingBrace(s, i+2)
			if end < 0 {
				return nil, fmt.Errorf("%q: ${ has no closing }", s)
			}
			p, err := pcVariable(s[i+2 : end])
			if err != nil {
				return nil, err
			}
			b.add(p)
			i = end
		default:
			b.byte(s[i])
		}
	}
	return b.text(), nil
}

// closingBrace finds the } that closes a ${ whose body starts at i.
func closingBrace(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "$$"):
			i++ // process-compose reads $$ before any ${
		case strings.HasPrefix(s[i:], "${"):
			depth++
			i++
		case s[i] == '}' && depth == 0:
			return i
		case s[i] == '}':
			depth--
		}
	}
	return -1
}

// pcVariable reads the body of a ${...}: NAME, or NAME with a default
// (:- and -, and := and =, which set nothing once the file is read).
func pcVariable(body string) (piece, error) {
	j := 0
	for j < len(body) && isNameByte(body[j], j == 0) {
		j++
	}
	name, rest := body[:j], body[j:]
	if name == "" {
		return piece{}, fmt.Errorf("${%s}: supd substitutes only ${NAME} and ${NAME:-default}", body)
	}
	if rest == "" {
		return piece{env: name, def: &text{{}}}, nil
	}
	for _, op := range []string{":-", ":=", "-", "="} {
		if d, ok := strings.CutPrefix(rest, op); ok {
			def, err := pcSubst(d)
			if err != nil {
				return piece{}, err
			}
			for _, p := range def {
				if strings.Contains(p.lit, "}") {
					return piece{}, fmt.Errorf("${%s}: supd cannot write a } in a default", body)
				}
			}
			return piece{env: name, def: &def}, nil
		}
	}
	return piece{}, fmt.Errorf("${%s}: supd substitutes only ${NAME} and ${NAME:-default}", body)
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || !first && '0' <= c && c <= '9'
}

// pcRender renders a text as a Go template over vars; a replica's number
// (PC_REPLICA_NUM) is inst when the process has replicas, else 0.
func pcRender(t text, vars map[string]any, inst bool) (text, error) {
	flat, held := t.flatten()
	if !strings.Contains(flat, "{{") {
		return t, nil
	}
	data := make(map[string]any, len(vars)+1)
	for k, v := range vars {
		data[k] = v
	}
	data["PC_REPLICA_NUM"] = 0
	if inst {
		data["PC_REPLICA_NUM"] = placeholder(len(held))
		held = append(held, piece{inst: &instance{verb: "%d"}})
	}
	tpl, err := template.New("").Parse(flat)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tpl.Execute(&b, data); err != nil {
		return nil, err
	}
	return unflatten(b.String(), held), nil
}
