package importer

import (
	"fmt"
	"path/filepath"
	"strings"
)

// svLog is where supervisord sends one stream of a program.
type svLog struct {
	stream   string // "stdout" or "stderr"
	kind     string // "auto", "none", "forward" (supervisord's own stdout or stderr) or "file"
	path     text   // kind "file"
	key      *iniKey
	maxBytes int64
	backups  int
	syslog   bool
}

func (p *svProgram) logStream(stream string) svLog {
	l := svLog{stream: stream, kind: "auto", maxBytes: svLogMaxBytes, backups: svLogBackups}
	if t, k := p.expand(stream + "_logfile"); k != nil {
		l.key = k
		v, static := t.static()
		switch strings.ToLower(v) {
		case "none", "off":
			l.kind = "none"
		case "auto":
			l.kind = "auto"
		case "syslog":
			l.kind, l.syslog = "none", true
		case "/dev/stdout", "/dev/stderr", "/dev/fd/1", "/dev/fd/2", "/proc/self/fd/1", "/proc/self/fd/2":
			l.kind = "forward"
		default:
			l.kind, l.path = "file", t
		}
		if !static {
			l.kind, l.path = "file", t
		}
	}
	if t, k := p.expand(stream + "_logfile_maxbytes"); k != nil {
		if v, ok := t.static(); ok {
			if n, ok := svSize(p.s, k, v); ok {
				l.maxBytes = n
			} else {
				p.ok = false
			}
		}
	}
	if t, k := p.expand(stream + "_logfile_backups"); k != nil {
		if v, ok := t.static(); ok {
			if n, ok := svInt(p.s, k, v); ok && n >= 0 {
				l.backups = n
			} else {
				p.ok = false
			}
		}
	}
	if b, k := p.bool(stream+"_syslog", false); k != nil && b {
		l.syslog = true
	}
	for _, key := range []string{"_capture_maxbytes", "_events_enabled"} {
		if v, k := p.str(stream+key, ""); k != nil && v != "" && v != "0" && !strings.EqualFold(v, "false") {
			p.note("logs", "%s%s=%s: supd has no event listeners; `supctl events` and `supctl logs -f` stream instead.", stream, key, v)
		}
	}
	return l
}

// logs maps the log settings of both streams into one worker's `logs:`;
// supd writes both streams of a worker to one file.
func (p *svProgram) logs(numprocs int) {
	out, errs := p.logStream("stdout"), p.logStream("stderr")
	redirected := false
	if b, _ := p.bool("redirect_stderr", false); b {
		if errs.kind == "file" {
			p.note("logs", "redirect_stderr=true: stderr_logfile is ignored, as supervisord ignores it.")
		}
		errs, redirected = svLog{stream: "stderr", kind: "none"}, true
	}
	l := &Logs{}
	switch {
	case out.kind == "file":
		p.logFile(l, out, numprocs)
		p.otherStream(out, errs, redirected)
	case errs.kind == "file":
		p.logFile(l, errs, numprocs)
		p.otherStream(errs, out, false)
	case out.kind == "forward" || errs.kind == "forward":
		l.Forward = "true"
		p.note("logs", "supervisord wrote its output to its own stdout or stderr; supd copies each line, "+
			"prefixed with the worker's path, to its own stdout (the journal under systemd, a container's log).")
		if p.s.logDir != "" {
			l.Dir = ptr("")
			p.s.noFile = append(p.s.noFile, l)
		}
	case out.kind == "auto" || errs.kind == "auto":
		p.s.autoLogs = append(p.s.autoLogs, p.w.Name)
		auto := out
		if auto.kind != "auto" {
			auto = errs
		}
		p.rotation(l, auto)
	default:
		l.Forward = "false"
		p.note("logs", "supervisord kept no log of it (NONE); supd keeps its last lines in memory for `supctl logs` only.")
		if p.s.logDir != "" {
			l.Dir = ptr("")
			p.s.noFile = append(p.s.noFile, l)
		}
	}
	if out.syslog || errs.syslog {
		l.Forward = "true"
		p.note("logs", "*_syslog=true: supd copies each line to its own stdout, which is the journal under systemd.")
	}
	if *l != (Logs{}) {
		p.w.Logs = l
	}
}

// otherStream notes what happens to the stream that has no file of its own.
func (p *svProgram) otherStream(file, other svLog, redirected bool) {
	switch {
	case redirected:
	case other.kind == "none":
		p.note("logs", "%s_logfile=NONE: supervisord dropped %s; supd writes it to this file too.", other.stream, other.stream)
	case other.kind == "auto":
		p.note("logs", "supervisord wrote %s to an AUTO file; supd writes it to this file too, as redirect_stderr=true would.", other.stream)
	case other.kind == "forward":
		p.note("logs", "supervisord wrote %s to its own; supd writes it to this file too.", other.stream)
	case other.path.String() != file.path.String():
		p.note("logs", "supd writes one file per worker, stdout and stderr together: %s_logfile=%s is not written.", other.stream, other.path)
	}
}

// logFile sets the worker's log file, or its folder when supd must give it
// (or each of its instances) a file of its own.
func (p *svProgram) logFile(l *Logs, from svLog, numprocs int) {
	s := p.s
	s.writeLogs = true
	v, ok := from.path.supd()
	p.rotation(l, from)
	var why string
	switch {
	case !ok:
		why = fmt.Sprintf("supervisord wrote the instance number as %s, which supd cannot format in a path", from.path)
	case numprocs > 1 && !from.path.hasInstance():
		why = "supervisord's processes shared this file"
	case s.logFiles[v] != "":
		why = fmt.Sprintf("supervisord also wrote %s's output to it", s.logFiles[v])
	}
	if why == "" {
		l.File = v
		s.logFiles[v] = p.w.Name
		return
	}
	dir := filepath.Dir(v)
	l.Dir = &dir
	p.note("logs", "%s_logfile=%s: %s; supd gives each worker a file of its own, <dir>/<path with / as _>.log.", from.stream, from.path, why)
}

// rotation sets the worker's rotation where it differs from the
// supervisord defaults written under the global logs:.
func (p *svProgram) rotation(l *Logs, from svLog) {
	if from.maxBytes == 0 {
		p.note("logs", "%s_logfile_maxbytes=0: supervisord never rotates this log; supd always does, at max_size.", from.stream)
	} else if from.maxBytes != svLogMaxBytes {
		l.MaxSize = from.maxBytes
	}
	if from.backups != svLogBackups {
		l.MaxFiles = ptr(from.backups)
	}
}

// logDefaults writes the global logs: supervisord's rotation, and
// childlogdir for the programs whose logs were AUTO.
func (s *svImport) logDefaults() {
	auto := len(s.autoLogs) > 0
	useDir := auto && s.logDir != ""
	if !useDir {
		for _, nl := range s.noFile {
			nl.Dir = nil
		}
	}
	if auto && s.logDir == "" {
		s.f.Head = append(s.f.Head, fmt.Sprintf("The logs of %s were AUTO files in supervisord's childlogdir (/tmp by default), "+
			"removed at each start: supd keeps their last lines in memory for `supctl logs` and copies them to its own stdout; "+
			"set logs.dir to keep files.", andList(s.autoLogs)))
	}
	if !s.writeLogs && !useDir {
		return
	}
	l := &Logs{MaxSize: svLogMaxBytes, MaxFiles: ptr(svLogBackups)}
	s.f.Logs = l
	s.f.Notes.add("logs", "supervisord's rotation: logfile_maxbytes=50MB, logfile_backups=10.")
	if useDir {
		l.Dir = ptr(lit(s.logDir))
		s.f.Notes.add("logs", fmt.Sprintf("childlogdir: where supervisord wrote AUTO log files (of %s); supd names them "+
			"<path with / as _>.log and never removes them.", andList(s.autoLogs)))
	}
}
