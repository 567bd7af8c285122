package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Version is the only config version.
const Version = 1

// Find returns the config path: flag (from --config) if set, else
// $SUPD_CONFIG, else ./supd.yaml if it exists, else /etc/supd/supd.yaml if
// it exists.
func Find(flag string) (string, error) {
	return findConfig(flag, os.Getenv, func(p string) bool {
		_, err := os.Stat(p)
		return err == nil
	})
}

func findConfig(flag string, getenv func(string) string, exists func(string) bool) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := getenv("SUPD_CONFIG"); p != "" {
		return p, nil
	}
	for _, p := range []string{"supd.yaml", "/etc/supd/supd.yaml"} {
		if exists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("finding config: no --config, no $SUPD_CONFIG, and neither ./supd.yaml nor /etc/supd/supd.yaml exists: %w", fs.ErrNotExist)
}

// Load reads, decodes and validates the config file at path, expanding
// ${VAR} from supd's environment. On success it returns the config and the
// Lint warnings. An error is either an ErrorList (errors.Is(err, ErrInvalid)
// holds; every problem of the file at once, one per line) or the error that
// kept the file from being read.
func Load(path string) (*Config, []Warning, error) {
	return LoadWith(path, os.LookupEnv)
}

// LoadWith is Load with the environment ${VAR} is expanded from.
func LoadWith(path string, env func(string) (string, bool)) (*Config, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("loading config: %w", err)
	}
	return parse(path, data, env, systemAccounts{})
}

// Parse is LoadWith for a file already read: file names it in messages and
// its folder is where relative paths resolve.
func Parse(file string, data []byte, env func(string) (string, bool)) (*Config, []Warning, error) {
	return parse(file, data, env, systemAccounts{})
}

func parse(file string, data []byte, env func(string) (string, bool), acct accounts) (*Config, []Warning, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, nil, fmt.Errorf("loading config: %w", err)
	}
	d := &decoder{file: file, dir: filepath.Dir(abs), env: env, acct: acct, pos: map[string]pos{}}
	c := d.config(data)
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, func(a, b *Error) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
		})
		errs := slices.CompactFunc(d.errs, func(a, b *Error) bool { return *a == *b })
		if d.full {
			last := errs[len(errs)-1]
			errs = append(errs, &Error{File: d.file, Line: last.Line, Col: last.Col, Msg: fmt.Sprintf("too many errors; stopped after %d", maxErrors)})
		}
		return nil, nil, errs
	}
	c.File, c.Dir, c.name, c.pos = abs, d.dir, file, d.pos
	return c, Lint(c), nil
}

// config decodes the whole file. The version is checked before anything
// else, since every other field means what version 1 says.
func (d *decoder) config(data []byte) *Config {
	n := d.document(data)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, loc{}, "the config must be a mapping with version: 1 and root:, got %s", describe(n))
		return nil
	}
	entries, _ := d.mapping(n, loc{})
	if !d.version(n, entries) {
		return nil
	}
	entries = d.check(entries, loc{}, fieldSet{known: names(topFields)})
	c := topDefaults()
	c.Version = Version
	top := topState{c: &c, t: &tree{logFiles: map[string]logOwner{}}}
	// In the table's order, not the file's: the blocks that nodes inherit
	// come before the root.
	for _, f := range topFields {
		if e, ok := find(entries, f.name); ok && f.decode != nil {
			l := loc{field: f.name}
			if f.decode(d, e.v, l, &top) {
				d.record(l, posOf(e.v))
			}
		}
	}
	top.c.Logs = globalLogs(top.t.global.over(d.builtin()))
	if _, ok := find(entries, "root"); !ok {
		d.errorf(n, loc{field: "root"}, "required: the root supervisor and its children")
	}
	return top.c
}

// topState is what the top-level fields decode into.
type topState struct {
	c *Config
	t *tree
}

// topFields are the fields at the top of the file, in the order they are
// decoded.
var topFields = []field[topState]{
	{fieldDoc: fieldDoc{"version", "integer", "", "required", "the config's format; the only version is 1"}},
	{fieldDoc{"control", "mapping, see control", "", "", "the control socket"},
		func(d *decoder, n *yaml.Node, l loc, top *topState) bool {
			top.c.Control = d.control(n, l)
			return true
		}},
	{fieldDoc{"logs", "mapping, see logs", "", "", "log settings of every worker; each may override them under its own `logs:`"},
		func(d *decoder, n *yaml.Node, l loc, top *topState) bool {
			top.t.global = spec{}
			d.put(workerIndex["logs"], n, l, "logs", top.t.global, false)
			return true
		}},
	{fieldDoc{"shutdown_timeout", "duration", "60s", "", "upper bound for a whole shutdown; then everything left is SIGKILLed"},
		into(durationOf(positive), func(top *topState, v time.Duration) { top.c.ShutdownTimeout = v })},
	{fieldDoc{"defaults", "mapping, see defaults", "", "none", "worker fields applied where a worker leaves them unset"},
		func(d *decoder, n *yaml.Node, l loc, top *topState) bool {
			if entries, ok := d.mapping(n, l); ok {
				d.inst = instExpands
				top.t.defaults = d.workerSpec(entries, l, false)
				d.inst = instNowhere
			}
			return true
		}},
	{fieldDoc{"root", "mapping, see supervisor", "", "required", "the root supervisor (it has no name)"},
		func(d *decoder, n *yaml.Node, l loc, top *topState) bool {
			top.c.Root = d.root(n, top.t)
			return true
		}},
}

var topDefaults = sync.OnceValue(func() Config {
	return *defaultsOf(topFields, topState{c: &Config{Control: controlDefaults()}}).c
})

// document parses data into its single YAML document's top node.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorAt(pos{1, 1}, loc{}, "the file is empty: version: 1 and root: are required")
		} else {
			d.syntaxError(data, err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.errorf(&extra, loc{}, "a second YAML document; a config file holds one")
		return nil
	case !errors.Is(err, io.EOF):
		d.syntaxError(data, err)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		d.errorf(&doc, loc{}, "the file holds no YAML document")
		return nil
	}
	return deref(doc.Content[0])
}

var (
	syntaxRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)
	anchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// parserProblems are the messages of yaml's parser (as opposed to its
// scanner). yaml numbers their lines from 0, and those of the scanner from 1.
var parserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// syntaxError turns yaml's message, which has at most a line, into an Error
// with a line and a column: the first character of that line, or for an
// unknown anchor, the alias naming it.
func (d *decoder) syntaxError(data []byte, err error) {
	msg := err.Error()
	line := 0
	if m := syntaxRE.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		if n, err := strconv.Atoi(m[1]); err == nil {
			line = n
			if slices.Contains(parserProblems, msg) {
				line++
			}
		}
	}
	if m := anchorRE.FindStringSubmatch(msg); m != nil && line == 0 {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			before := data[:i]
			line = bytes.Count(before, []byte("\n")) + 1
			col := len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:]))) + 1
			d.errorAt(pos{line, col}, loc{}, "%s", msg)
			return
		}
	}
	line = max(line, 1)
	d.errorAt(pos{line, firstColumn(data, line)}, loc{}, "%s", msg)
}

// firstColumn returns the column of the first non-blank character of a
// line, 1 when there is none or the line is past the end.
func firstColumn(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	if line > len(lines) {
		return 1
	}
	col := 1
	for _, r := range string(lines[line-1]) {
		if r != ' ' && r != '\t' {
			return col
		}
		col++
	}
	return 1
}

// version checks `version: 1` and reports whether decoding may go on.
func (d *decoder) version(top *yaml.Node, entries []entry) bool {
	l := loc{field: "version"}
	e, ok := find(entries, "version")
	if !ok {
		d.errorf(top, l, "required: write version: 1 at the top of the file")
		return false
	}
	v := deref(e.v)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
		d.errorf(e.v, l, "must be the number 1, got %s", describeOrNil(v))
		return false
	}
	if n, err := strconv.ParseInt(v.Value, 0, 64); err != nil || n != Version {
		d.errorf(e.v, l, "unsupported version %s: the only version is 1", v.Value)
		return false
	}
	return true
}

// controlFields are the fields of the control block.
var controlFields = []field[Control]{
	{fieldDoc{"socket", "path", "", "$SUPD_SOCKET, else /run/supd/supd.sock for root, else $XDG_RUNTIME_DIR/supd.sock, else /tmp/supd-$UID/supd.sock", "the control socket's path"},
		into(absPath, func(c *Control, v string) { c.Socket = v })},
	{fieldDoc{"mode", "octal file mode", `"0660"`, "", "the socket file's mode"},
		into((*decoder).mode, func(c *Control, v uint32) { c.Mode = v })},
	{fieldDoc{"group", "name or number", "", "none", "members of this group (primary or supplementary) may use the socket; root and supd's own uid always may"},
		into((*decoder).group, func(c *Control, v groupRef) { c.Group, c.GID = v.name, int(v.gid) })},
	{fieldDoc{"http", "HOST:PORT", "", "off", "a read-only TCP listener for Prometheus and orchestrators' probes: GET /metrics, /healthz and /readyz only"},
		into((*decoder).hostPort, func(c *Control, v string) { c.HTTP = v })},
}

// hostPort decodes a TCP listen address, HOST:PORT.
func (d *decoder) hostPort(n *yaml.Node, l loc) (string, bool) {
	v, ok := d.nonEmpty(n, l)
	if !ok {
		return "", false
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		d.errorf(n, l, "%q is not HOST:PORT, e.g. 127.0.0.1:9184", v)
		return "", false
	}
	return v, true
}

var controlDefaults = sync.OnceValue(func() Control { return defaultsOf(controlFields, Control{GID: -1}) })

// control decodes the control block.
func (d *decoder) control(n *yaml.Node, l loc) Control {
	c := controlDefaults()
	if entries, ok := d.mapping(n, l); ok {
		entries = d.check(entries, l, fieldSet{known: names(controlFields)})
		decodeFields(d, entries, l, controlFields, &c, func(string, pos) {})
	}
	return c
}

// mode decodes a file mode written in octal: "0660", 0660, "660" or "0o660"
// all mean rw-rw----.
func (d *decoder) mode(n *yaml.Node, l loc) (uint32, bool) {
	s, tag, ok := d.scalar(n, l, `an octal file mode such as "0660"`)
	if !ok {
		return 0, false
	}
	digits := s
	if len(digits) > 2 && (digits[:2] == "0o" || digits[:2] == "0O") {
		digits = digits[2:]
	}
	v, err := strconv.ParseUint(digits, 8, 32)
	if err != nil || v > 0o777 || tag == "!!float" || tag == "!!bool" {
		d.errorf(n, l, `%s is not an octal file mode such as "0660"`, quoteAs(s, tag))
		return 0, false
	}
	return uint32(v), true
}
