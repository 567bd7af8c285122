package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Diff is the plan of a reload from old to new (SPEC §2.8), a pure function
// of the two configs. Nodes are matched by path: a node only in new is
// added, one only in old removed, and one that changed kind is removed and
// added. A worker whose process-defining fields (Process) changed is
// restarted; one whose other fields (Tuning) changed is updated in place;
// a supervisor's own fields always apply in place. Every change names its
// fields with their old and new values.
func Diff(old, new *Config) Plan {
	var p Plan
	diffSupervisor(&p, "", old.Root, new.Root)
	return p
}

func diffSupervisor(p *Plan, path string, old, new *Supervisor) {
	fields := diffStruct(nil, "", reflect.ValueOf(*old), reflect.ValueOf(*new), supervisorOwnField)
	if o, n := replicaCount(old), replicaCount(new); o != n {
		// A replica set's count: its instances are added or removed below.
		fields = append(fields, FieldChange{Field: "replicas", Old: o, New: n})
	}
	p.Changes = append(p.Changes, change(path, true, ActionUpdate, fields))
	before := make(map[string]Node, len(old.Children))
	for _, n := range old.Children {
		before[n.Name()] = n
	}
	for _, n := range new.Children {
		cp := childPath(path, n.Name())
		o, ok := before[n.Name()]
		delete(before, n.Name())
		switch {
		case !ok:
			whole(p, cp, n, ActionAdd)
		case (o.Worker == nil) != (n.Worker == nil):
			whole(p, cp, o, ActionRemove)
			whole(p, cp, n, ActionAdd)
		case n.Worker != nil && old.Replicas != nil && new.Replicas != nil:
			diffWorker(p, cp, o.Worker, sameCount(o.Worker, n.Worker))
		case n.Worker != nil:
			diffWorker(p, cp, o.Worker, n.Worker)
		default:
			diffSupervisor(p, cp, o.Supervisor, n.Supervisor)
		}
	}
	for _, o := range old.Children {
		if _, gone := before[o.Name()]; gone {
			whole(p, childPath(path, o.Name()), o, ActionRemove)
		}
	}
}

func diffWorker(p *Plan, path string, old, new *Worker) {
	a, fields := DiffWorker(old, new)
	p.Changes = append(p.Changes, Change{Path: path, Action: a, Fields: fields})
}

// DiffWorker is what a reload does to a worker whose spec goes from old to
// new: keep, update (only live fields changed) or restart, with the fields.
func DiffWorker(old, new *Worker) (Action, []FieldChange) {
	if reflect.DeepEqual(old, new) {
		return ActionKeep, nil
	}
	var restart, live []FieldChange
	for _, f := range diffStruct(nil, "", reflect.ValueOf(old.Process), reflect.ValueOf(new.Process), nil) {
		if liveLogField[f.Field] {
			live = append(live, f)
		} else {
			restart = append(restart, f)
		}
	}
	live = diffStruct(live, "", reflect.ValueOf(old.Tuning), reflect.ValueOf(new.Tuning), nil)
	switch {
	case len(restart) > 0:
		return ActionRestart, append(restart, live...)
	case len(live) > 0:
		return ActionUpdate, live
	}
	return ActionKeep, nil
}

// sameCount is instance new of a replica set with the old instance's
// SUPD_REPLICAS: a scale changes the count that new instances see, and
// leaves the others untouched (SPEC §2.10).
func sameCount(old, new *Worker) *Worker {
	if old.Env[ReplicasVar] == new.Env[ReplicasVar] {
		return new
	}
	w := *new
	w.Env = maps.Clone(new.Env)
	w.Env[ReplicasVar] = old.Env[ReplicasVar]
	return &w
}

// change is a Change; an update without fields is a keep.
func change(path string, sup bool, a Action, fields []FieldChange) Change {
	if len(fields) == 0 {
		a = ActionKeep
	}
	return Change{Path: path, Action: a, Supervisor: sup, Fields: fields}
}

// whole adds or removes n and everything below it.
func whole(p *Plan, path string, n Node, a Action) {
	p.Changes = append(p.Changes, Change{Path: path, Action: a, Supervisor: n.Supervisor != nil})
	if n.Supervisor != nil {
		for _, c := range n.Supervisor.Children {
			whole(p, childPath(path, c.Name()), c, a)
		}
	}
}

func childPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// liveLogField holds the log settings in Process that apply in place: of a
// worker's logs only the destination, logs.file, defines the process
// (SPEC §2.8). TestDiffClassifiesEveryField checks it against WorkerLogs.
var liveLogField = map[string]bool{
	"logs.max_size": true, "logs.max_files": true, "logs.compress": true, "logs.ring": true, "logs.forward": true,
}

// supervisorLive holds the fields of Supervisor that are its own settings,
// which apply in place; its Name and Children are matched by Diff itself.
// TestDiffClassifiesEveryField fails on a field that is in neither.
var supervisorLive = map[string]bool{
	"Strategy": true, "MaxRestarts": true, "Period": true, "Start": true, "Stop": true,
	"Restart": true, "AutoShutdown": true, "Significant": true,
}

// supervisorMatched holds the fields of Supervisor that Diff compares by
// matching: its name, its children, and a replica set's count (whose
// instances are its children).
var supervisorMatched = map[string]bool{"Name": true, "Children": true, "Replicas": true}

// replicaCount is a replica set's count as written, "" for a plain
// supervisor.
func replicaCount(s *Supervisor) string {
	if s.Replicas == nil {
		return ""
	}
	return strconv.Itoa(s.Replicas.Count)
}

func supervisorOwnField(name string) bool { return supervisorLive[name] }

// diffStruct appends the fields that differ between a and b, two values of
// one struct type, named as in the file under prefix. keep, when set,
// selects the fields to compare.
func diffStruct(out []FieldChange, prefix string, a, b reflect.Value, keep func(string) bool) []FieldChange {
	t := a.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || keep != nil && !keep(f.Name) {
			continue
		}
		x, y := a.Field(i), b.Field(i)
		if reflect.DeepEqual(x.Interface(), y.Interface()) {
			continue
		}
		name := prefix
		if !f.Anonymous {
			name = join(prefix, fieldName(f))
		}
		out = diffValue(out, name, x, y)
	}
	return out
}

// diffValue appends the changes between a and b, which differ.
func diffValue(out []FieldChange, name string, a, b reflect.Value) []FieldChange {
	switch {
	case a.Kind() == reflect.Struct && recurse[a.Type()]:
		return diffStruct(out, name, a, b, nil)
	case a.Kind() == reflect.Pointer && !a.IsNil() && !b.IsNil() && recurse[a.Type().Elem()]:
		return diffStruct(out, name, a.Elem(), b.Elem(), nil)
	case a.Kind() == reflect.Map:
		keys := map[string]bool{}
		for _, k := range a.MapKeys() {
			keys[k.String()] = true
		}
		for _, k := range b.MapKeys() {
			keys[k.String()] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			kv := reflect.ValueOf(k)
			x, y := a.MapIndex(kv), b.MapIndex(kv)
			if !x.IsValid() || !y.IsValid() || x.String() != y.String() {
				out = append(out, FieldChange{Field: name + "." + k, Old: mapValue(x), New: mapValue(y)})
			}
		}
		return out
	}
	return append(out, FieldChange{Field: name, Old: format(a), New: format(b)})
}

func mapValue(v reflect.Value) string {
	if !v.IsValid() {
		return ""
	}
	return v.String()
}

// recurse holds the struct types whose changes are named field by field
// (backoff.initial), rather than as a whole (ready).
var recurse = map[reflect.Type]bool{
	reflect.TypeFor[Backoff]():    true,
	reflect.TypeFor[WorkerLogs](): true,
	reflect.TypeFor[Health]():     true,
	reflect.TypeFor[Probe]():      true,
}

// fieldName is a field's name in the file: its Go name in snake_case
// (MaxRestarts is max_restarts, HTTP is http).
func fieldName(f reflect.StructField) string { return snake(f.Name) }

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if 'A' <= r && r <= 'Z' {
			if i > 0 && !('A' <= rune(s[i-1]) && rune(s[i-1]) <= 'Z') {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// format renders a field's value as it would be written in the file.
func format(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		if x == Infinity {
			return "infinity"
		}
		return x.String()
	case syscall.Signal:
		if n := unix.SignalName(x); n != "" {
			return n[3:]
		}
		return strconv.Itoa(int(x))
	case Command:
		if x.Shell && len(x.Argv) == 3 {
			return strconv.Quote(x.Argv[2])
		}
		return quoteList(x.Argv)
	case *Credential:
		if x == nil {
			return ""
		}
		if x.Group != "" {
			return x.User + ":" + x.Group
		}
		return x.User
	case SuccessCodes:
		var parts []string
		for _, c := range x.Codes {
			parts = append(parts, strconv.Itoa(c))
		}
		for _, s := range x.Signals {
			parts = append(parts, format(reflect.ValueOf(s)))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Ready:
		return formatReady(x)
	case *Probe:
		if x == nil {
			return ""
		}
		return formatProbe(*x)
	case *Health:
		if x == nil {
			return ""
		}
		return formatProbe(x.Probe)
	case []string:
		return quoteList(x)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return format(v.Elem())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	return fmt.Sprint(v.Interface())
}

func formatReady(r Ready) string {
	switch r.Kind {
	case ReadyAfter:
		return "after " + r.After.String()
	case ReadyFD:
		return "fd " + strconv.Itoa(r.FD)
	case ReadyProbe:
		if r.Probe != nil {
			return formatProbe(*r.Probe)
		}
	}
	return string(r.Kind)
}

func formatProbe(p Probe) string {
	switch {
	case p.HTTP != "":
		return "http " + p.HTTP
	case p.TCP != "":
		return "tcp " + p.TCP
	case len(p.Exec) > 0:
		return "exec " + quoteList(p.Exec)
	}
	return ""
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
