package importer

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Encode writes f as supd.yaml: fields in the order of SPEC §1, each note as
// comment lines above its field (above its node, for a field that is not
// written), a blank line between top-level fields and between children.
func Encode(f *File) ([]byte, error) {
	top := newMapping(f.Notes)
	top.put("version", intNode(1))
	if f.Logs != nil {
		top.put("logs", logs(f.Logs))
	}
	if f.ShutdownTimeout != 0 {
		top.put("shutdown_timeout", str(fmtDuration(f.ShutdownTimeout)))
	}
	if f.Defaults != nil {
		n, head := worker(f.Defaults)
		top.put("defaults", n)
		top.prepend(head)
	}
	if f.Root != nil {
		n, head := supervisor(f.Root)
		top.put("root", n)
		top.prepend(head)
	}
	head := append(slices.Clone(f.Head), top.lost()...)
	for i := 2; i < len(top.n.Content); i += 2 {
		k := top.n.Content[i]
		k.HeadComment = "\n" + k.HeadComment
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{top.n}, HeadComment: comment(head)}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding supd.yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding supd.yaml: %w", err)
	}
	// The blank line before a list item comes out as its indentation alone.
	return blankRE.ReplaceAll(b.Bytes(), nil), nil
}

var blankRE = regexp.MustCompile(`(?m)^[ \t]+$`)

// mapping is a YAML mapping being built, with the notes of its node.
type mapping struct {
	n     *yaml.Node
	notes Notes
	used  map[string]bool
}

func newMapping(notes Notes) *mapping {
	return &mapping{n: &yaml.Node{Kind: yaml.MappingNode}, notes: notes, used: map[string]bool{"": true}}
}

func (m *mapping) put(key string, v *yaml.Node) {
	k := str(key)
	k.HeadComment = comment(m.notes[key])
	m.used[key] = true
	m.n.Content = append(m.n.Content, k, v)
}

// prepend puts comment lines above the last key put.
func (m *mapping) prepend(head string) {
	k := m.n.Content[len(m.n.Content)-2]
	switch {
	case head == "":
	case k.HeadComment == "":
		k.HeadComment = head
	default:
		k.HeadComment = head + "\n" + k.HeadComment
	}
}

// lost returns the notes of fields that were not written, by field name,
// and those of the node itself first.
func (m *mapping) lost() []string {
	out := slices.Clone(m.notes[""])
	var keys []string
	for k := range m.notes {
		if !m.used[k] && !strings.HasPrefix(k, "env.") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, m.notes[k]...)
	}
	return out
}

// supervisor returns a supervisor's node and the comment above it.
func supervisor(s *Supervisor) (*yaml.Node, string) {
	m := newMapping(s.Notes)
	if s.Name != "" {
		m.put("name", str(s.Name))
	}
	putStr(m, "strategy", s.Strategy)
	if s.MaxRestarts != nil {
		m.put("max_restarts", intNode(*s.MaxRestarts))
	}
	if s.Period != 0 {
		m.put("period", str(fmtDuration(s.Period)))
	}
	putStr(m, "start", s.Start)
	putStr(m, "stop", s.Stop)
	putStr(m, "restart", s.Restart)
	putStr(m, "auto_shutdown", s.AutoShutdown)
	if s.Significant {
		m.put("significant", boolNode(true))
	}
	children := &yaml.Node{Kind: yaml.SequenceNode}
	for i, c := range s.Children {
		var n *yaml.Node
		var head string
		if c.Worker != nil {
			n, head = worker(c.Worker)
		} else {
			n, head = supervisor(c.Supervisor)
		}
		n.HeadComment = head
		if i > 0 || head != "" {
			n.HeadComment = "\n" + head
		}
		children.Content = append(children.Content, n)
	}
	m.put("children", children)
	return m.n, comment(m.lost())
}

// worker returns a worker's node (or that of defaults:) and the comment
// above it.
func worker(w *Worker) (*yaml.Node, string) {
	m := newMapping(w.Notes)
	if w.Name != "" {
		m.put("name", str(w.Name))
	}
	if w.Command.set() {
		m.put("command", command(w.Command))
	}
	putStr(m, "dir", w.Dir)
	if len(w.Env) > 0 {
		env := &yaml.Node{Kind: yaml.MappingNode}
		for _, v := range w.Env {
			k := str(v.Name)
			k.HeadComment = comment(w.Notes["env."+v.Name])
			env.Content = append(env.Content, k, str(v.Value))
		}
		m.put("env", env)
	}
	if w.ClearEnv {
		m.put("clear_env", boolNode(true))
	}
	putStr(m, "user", w.User)
	putStr(m, "group", w.Group)
	putStr(m, "restart", w.Restart)
	if w.SuccessCodes != nil {
		codes := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, c := range w.SuccessCodes {
			if n, err := strconv.Atoi(c); err == nil {
				codes.Content = append(codes.Content, intNode(n))
			} else {
				codes.Content = append(codes.Content, str(c))
			}
		}
		m.put("success_codes", codes)
	}
	if w.Autostart != nil {
		m.put("autostart", boolNode(*w.Autostart))
	}
	if b := w.Backoff; b != nil {
		bm := newMapping(nil)
		if b.Initial != nil {
			bm.put("initial", str(fmtDuration(*b.Initial)))
		}
		if b.Max != nil {
			bm.put("max", str(fmtDuration(*b.Max)))
		}
		if b.Factor != nil {
			bm.put("factor", floatNode(*b.Factor))
		}
		if b.Jitter != nil {
			bm.put("jitter", floatNode(*b.Jitter))
		}
		m.put("backoff", flow(bm.n))
	}
	if r := w.Ready; r != nil {
		rm := newMapping(nil)
		switch {
		case r.Probe != nil:
			probe(rm, r.Probe)
		case r.After != nil:
			rm.put("after", str(fmtDuration(*r.After)))
		default:
			rm.put("started", boolNode(true))
		}
		m.put("ready", flow(rm.n))
	}
	if w.ReadyTimeout != 0 {
		m.put("ready_timeout", str(fmtDuration(w.ReadyTimeout)))
	}
	if h := w.Health; h != nil {
		hm := newMapping(nil)
		probe(hm, &h.Probe)
		if h.Failures != 0 {
			hm.put("failures", intNode(h.Failures))
		}
		if h.Grace != 0 {
			hm.put("grace", str(fmtDuration(h.Grace)))
		}
		m.put("health", flow(hm.n))
	}
	putStr(m, "stop_signal", w.StopSignal)
	if w.StopTimeout != nil {
		m.put("stop_timeout", str(fmtDuration(*w.StopTimeout)))
	}
	if w.Significant {
		m.put("significant", boolNode(true))
	}
	if w.Replicas != nil {
		m.put("replicas", intNode(*w.Replicas))
	}
	if w.Logs != nil {
		m.put("logs", logs(w.Logs))
	}
	return m.n, comment(m.lost())
}

func logs(l *Logs) *yaml.Node {
	m := newMapping(nil)
	if l.Dir != nil {
		m.put("dir", str(*l.Dir))
	}
	putStr(m, "file", l.File)
	if l.MaxSize != 0 {
		m.put("max_size", str(fmtSize(l.MaxSize)))
	}
	if l.MaxFiles != nil {
		m.put("max_files", intNode(*l.MaxFiles))
	}
	if l.Compress {
		m.put("compress", boolNode(true))
	}
	if l.Forward != "" {
		if b, err := strconv.ParseBool(l.Forward); err == nil {
			m.put("forward", boolNode(b))
		} else {
			m.put("forward", str(l.Forward))
		}
	}
	return flow(m.n)
}

// probe puts a probe's target and timing into m.
func probe(m *mapping, p *Probe) {
	switch {
	case p.Exec.set():
		m.put("exec", command(p.Exec))
	case p.HTTP != "":
		m.put("http", str(p.HTTP))
	case p.TCP != "":
		m.put("tcp", str(p.TCP))
	}
	if p.Interval != 0 {
		m.put("interval", str(fmtDuration(p.Interval)))
	}
	if p.Timeout != 0 {
		m.put("timeout", str(fmtDuration(p.Timeout)))
	}
}

// flowLimit is the longest mapping or list written on one line.
const flowLimit = 72

// flow writes a small mapping of scalars (and short lists) on one line.
func flow(n *yaml.Node) *yaml.Node {
	width := 0
	for _, c := range n.Content {
		switch {
		case c.Kind == yaml.ScalarNode && !strings.Contains(c.Value, "\n"):
			width += len(c.Value) + 4
		case c.Kind == yaml.SequenceNode && c.Style == yaml.FlowStyle:
			for _, item := range c.Content {
				width += len(item.Value) + 4
			}
		default:
			return n
		}
	}
	if width <= flowLimit {
		n.Style = yaml.FlowStyle
	}
	return n
}

func command(c Command) *yaml.Node {
	if c.Argv == nil {
		return str(c.Shell)
	}
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	width := 0
	for _, a := range c.Argv {
		n.Content = append(n.Content, str(a))
		width += len(a) + 4
		if strings.Contains(a, "\n") {
			n.Style = 0
		}
	}
	if width > 2*flowLimit {
		n.Style = 0
	}
	return n
}

func putStr(m *mapping, key, v string) {
	if v != "" {
		m.put(key, str(v))
	}
}

// str is a string scalar: yaml quotes it where it would read as another
// type, and so does str where a YAML 1.1 reader would see a boolean.
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case strings.Contains(s, "\n") && !strings.HasPrefix(s, " "):
		n.Style = yaml.LiteralStyle
	case yaml11Bools[strings.ToLower(s)]:
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

var yaml11Bools = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true}

func intNode(v int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
}

func floatNode(v float64) *yaml.Node {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0" // 1 would read as an integer
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s}
}

func boolNode(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
}

// comment renders notes as the comment lines of a head comment. A
// character YAML does not allow in a file is written as an escape: a note
// may quote the source.
func comment(notes []string) string {
	var lines []string
	for _, n := range notes {
		for _, l := range wrap(printable(n)) {
			lines = append(lines, strings.TrimRight("# "+l, " "))
		}
	}
	return strings.Join(lines, "\n")
}

// printable escapes the characters that are neither printable nor a
// space, a tab or a line break.
func printable(s string) string {
	if !strings.ContainsFunc(s, unprintable) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unprintable(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unprintable(r rune) bool { return r != '\t' && r != '\n' && !strconv.IsPrint(r) }
