package osproc

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// GuardianArg is the argv[1] by which a binary that uses osproc recognises
// that StartGuardian executed it as the guardian. Its main must check it
// before anything else, as for TrampolineArg, and then run
// os.Exit(GuardianMain(os.Args[2:])).
const GuardianArg = "__supd_guardian"

// guardianName is the guardian's argv[0] and command name: what ps, top
// and pgrep show.
const guardianName = "supd-guardian"

// GuardianOptions configure StartGuardian.
type GuardianOptions struct {
	Log       *slog.Logger // supd's log; nil: Init's
	LogFormat string       // "json": the guardian writes JSON lines to stderr; else text
}

// Bounds of the waits for the guardian: to be ready after its exec, and to
// leave after the goodbye. It is then SIGKILLed.
const (
	guardianStartTimeout = 10 * time.Second
	stopGuardianTimeout  = time.Second
)

// guard is the running guardian, nil when there is none. It is written
// under regMu held exclusively and read under regMu (spawners hold it
// shared), so the spawners and the reaper tell it of every process they
// register and reap, in order.
var guard *guardian

// guardian is supd's end of its guardian: the process, and what it must
// be told.
type guardian struct {
	proc *Proc
	log  *slog.Logger
	w    *os.File // the pipe's write end, close-on-exec; written by loop alone

	// mu guards the fields below; it is taken after regMu, never before.
	mu    sync.Mutex
	want  map[int]watched  // the live processes the guardian must know
	dirty map[int]struct{} // pids whose entry changed since loop last wrote
	ready bool             // it reported ready: its end is news from then on
	bye   bool             // StopGuardian: say goodbye
	gone  bool             // the guardian process ended

	wake chan struct{} // capacity 1: something to write
	done chan struct{} // closed when loop returned
}

// StartGuardian starts supd's guardian: a process of its own (this binary,
// run with GuardianArg and named supd-guardian) that blocks reading a pipe
// from supd, through which it learns of every process Start starts (its
// session and cgroup) and ends. Should supd die without StopGuardian's
// goodbye, even by SIGKILL, the pipe closes and the guardian kills
// everything left in the workers' cgroups and sessions (see GuardianMain),
// then exits. The guardian leads a session of its own, so no signal sent
// to supd's process group or by its terminal reaches it, and it ignores
// those a terminal sends anyway. Its exit is expected only after
// StopGuardian; otherwise supd logs that it died, and runs on unguarded.
//
// As PID 1 of a pid namespace supd needs no guardian (the kernel kills the
// whole namespace with it): StartGuardian says so in the log and returns
// nil. Processes started before StartGuardian are told to the guardian
// at once.
func StartGuardian(o GuardianOptions) error {
	if ensure(nil); setupErr != nil {
		return setupErr
	}
	log := o.Log
	if log == nil {
		log = logger
	}
	if os.Getpid() == 1 {
		log.Info("no guardian: supd is PID 1 of its pid namespace, so the kernel kills every process in it when supd dies")
		return nil
	}
	regMu.Lock()
	running := guard != nil
	regMu.Unlock()
	if running {
		return errors.New("start guardian: already running")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start guardian: %w", err)
	}
	defer r.Close()
	ready, readyW, err := os.Pipe()
	if err != nil {
		w.Close()
		return fmt.Errorf("start guardian: %w", err)
	}
	defer ready.Close()
	argv := []string{guardianName, GuardianArg, "--supd", strconv.Itoa(os.Getpid())}
	if cgRoot != nil {
		argv = append(argv, "--base", cgRoot.dir)
	}
	if strings.EqualFold(o.LogFormat, "json") {
		argv = append(argv, "--log-json")
	}
	// Its standard output is /dev/null and its stderr supd's (it writes
	// there only after supd died), its folder /, so that it pins no mount,
	// and of supd's environment it keeps only the Go runtime's settings.
	// No parent-death signal: it must outlive supd.
	attr := &syscall.ProcAttr{
		Dir:   "/",
		Env:   runtimeEnv(os.Environ()),
		Files: []uintptr{devNull.Fd(), devNull.Fd(), os.Stderr.Fd(), r.Fd(), readyW.Fd()},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	g := &guardian{log: log, w: w, want: map[int]watched{}, dirty: map[int]struct{}{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	g.proc = &Proc{guardian: true, onExit: g.exited, done: make(chan struct{})}
	err = spawn(selfExe, argv, attr, g.proc)
	readyW.Close()
	if err != nil {
		w.Close()
		return fmt.Errorf("start guardian: exec %s: %w", selfExe, err)
	}
	if err := awaitGuardian(ready, g.proc); err != nil {
		w.Close()
		return err
	}
	g.mu.Lock()
	g.ready = true
	g.mu.Unlock()
	regMu.Lock()
	alive := !g.proc.exited
	if alive {
		guard = g
		for pid, p := range procs {
			if !p.guardian {
				g.watch(pid, p)
			}
		}
	}
	regMu.Unlock()
	go g.loop()
	if !alive {
		// Between its newline and now, which exited may not have logged.
		<-g.proc.Done()
		return fmt.Errorf("start guardian: it ended at once: exit %v", g.proc.Exit())
	}
	log.Info("guardian started", "pid", g.proc.pid)
	return nil
}

// runtimeEnv keeps the variables of env that set the Go runtime (GOGC,
// GODEBUG, GOTRACEBACK, GORACE...).
func runtimeEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "GO") {
			out = append(out, kv)
		}
	}
	return out
}

// awaitGuardian waits for the guardian's newline on ready: it is past the
// setup of its signals and reads the pipe. A guardian that cannot get
// there is killed; the error says what became of it.
func awaitGuardian(ready *os.File, p *Proc) error {
	ready.SetReadDeadline(time.Now().Add(guardianStartTimeout))
	if _, err := ready.Read(make([]byte, 1)); err != nil {
		p.Kill()
		<-p.Done()
		return fmt.Errorf("start guardian: not ready (%v): exit %v", err, p.Exit())
	}
	return nil
}

// StopGuardian says the orderly goodbye: the guardian leaves without
// killing anything. It waits until the guardian was reaped (SIGKILLing it
// after stopGuardianTimeout), so supd leaves no guardian behind. Call it
// when supd exits in order, once its tree has stopped; never on a path
// where supd dies. It is harmless without a guardian.
func StopGuardian() {
	regMu.Lock()
	g := guard
	regMu.Unlock()
	if g == nil {
		return
	}
	g.mu.Lock()
	g.bye = true
	g.mu.Unlock()
	g.poke()
	select {
	case <-g.proc.Done():
	case <-time.After(stopGuardianTimeout):
		g.log.Warn("the guardian did not leave after the goodbye: killing it", "pid", g.proc.pid, "timeout", stopGuardianTimeout.String())
		g.proc.Kill()
		<-g.proc.Done()
	}
	<-g.done
}

// watch tells the guardian of p, just registered as pid. regMu is held
// (shared by concurrent spawners), so the process cannot have been reaped:
// its stat is its own.
func (g *guardian) watch(pid int, p *Proc) {
	w := watched{cgroup: p.Cgroup()}
	if st, err := readStat(pid); err == nil {
		w.start = st.start
	}
	g.mu.Lock()
	g.want[pid] = w
	g.dirty[pid] = struct{}{}
	g.mu.Unlock()
	g.poke()
}

// forget tells the guardian that pid was reaped, after what it left was
// killed. regMu is held.
func (g *guardian) forget(pid int) {
	g.mu.Lock()
	delete(g.want, pid)
	g.dirty[pid] = struct{}{}
	g.mu.Unlock()
	g.poke()
}

func (g *guardian) poke() {
	select {
	case g.wake <- struct{}{}:
	default: // a write is pending already
	}
}

// loop writes to the pipe what changed since its last write, then the
// goodbye when asked. Only the latest state of each pid is written: while
// a write blocks (a guardian slow to read, or stopped) changes pile up as
// at most one entry per live process, and Start and the reaper never wait
// for the guardian.
func (g *guardian) loop() {
	defer close(g.done)
	defer g.w.Close()
	sent := map[int]watched{}
	var buf []byte
	for range g.wake {
		buf = buf[:0]
		g.mu.Lock()
		for pid := range g.dirty {
			now, live := g.want[pid]
			was, known := sent[pid]
			if known && (!live || now != was) {
				buf = appendForget(buf, pid)
				delete(sent, pid)
			}
			if live && (!known || now != was) {
				buf = appendWatch(buf, pid, now)
				sent[pid] = now
			}
		}
		clear(g.dirty)
		bye, gone := g.bye, g.gone
		g.mu.Unlock()
		if gone {
			return
		}
		if bye {
			buf = append(buf, "bye\n"...)
		}
		if _, err := g.w.Write(buf); err != nil {
			return // it died: its exit says so
		}
		if bye {
			return
		}
	}
}

// exited runs on the reaper's goroutine when the guardian was reaped.
func (g *guardian) exited(e Exit) {
	regMu.Lock()
	if guard == g {
		guard = nil
	}
	regMu.Unlock()
	g.mu.Lock()
	ready, bye := g.ready, g.bye
	g.gone = true
	g.mu.Unlock()
	g.poke()
	switch {
	case !ready: // StartGuardian's error tells
	case !bye:
		g.log.Error("the guardian died: should supd die now, what its workers started outlives it until supd's next start",
			"pid", g.proc.pid, "exit", e.String())
	case e != Exit{}:
		g.log.Warn("the guardian left badly", "pid", g.proc.pid, "exit", e.String())
	}
}
