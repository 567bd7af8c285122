package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"supd/control"
	"supd/control/api"

	"supd/config"
	"supd/internal/launch"
	"supd/internal/logcap"
	"supd/internal/notify"
	"supd/osproc"
	"supd/tree"
)

// Exit statuses of supd (SPEC §2.5, §2.9).
const (
	ExitOK     = 0
	ExitFailed = 1 // a bad config, a forced shutdown
	ExitGaveUp = 3 // the root gave up
)

// Options configure Run.
type Options struct {
	ConfigPath string // --config; "" searches as SPEC §1 says
	Socket     string // --socket
	NoWatch    bool
	Log        *slog.Logger
	LogFormat  string    // --log-format, which the guardian writes in too
	Stdout     io.Writer // where workers' lines are forwarded
}

// TrampolineArg and TrampolineMain let the supd binary serve as the
// trampoline that sets up a worker between fork and exec.
const TrampolineArg = osproc.TrampolineArg

// TrampolineMain runs the trampoline; see osproc.TrampolineMain.
func TrampolineMain(args []string) int { return osproc.TrampolineMain(args) }

// GuardianArg and GuardianMain let the supd binary serve as supd's
// guardian, which kills what the workers left should supd die.
const GuardianArg = osproc.GuardianArg

// GuardianMain runs the guardian; see osproc.GuardianMain.
func GuardianMain(args []string) int { return osproc.GuardianMain(args) }

// Check validates a config file for `supd check`: errors to errw, warnings
// and the verdict to out; verbose also lists every node's path.
func Check(path string, verbose bool, out, errw io.Writer) int {
	file, err := config.Find(path)
	if err != nil {
		fmt.Fprintln(errw, err)
		return ExitFailed
	}
	cfg, warns, err := config.Load(file)
	for _, w := range warns {
		fmt.Fprintln(out, w)
	}
	if err != nil {
		fmt.Fprintln(errw, err)
		return ExitFailed
	}
	if err := errors.Join(checkExistingLogs(cfg), checkSocketFolder(cfg)); err != nil {
		fmt.Fprintln(errw, err)
		return ExitFailed
	}
	if err := trustConfig(file); err != nil {
		fmt.Fprintf(out, "%s: warning: %v\n", file, err)
	}
	if verbose {
		outline(out, cfg)
	}
	fmt.Fprintf(out, "%s: valid\n", file)
	return ExitOK
}

// CheckDiff prints the plan of a reload from the config oldFile to newFile
// for `supd check --diff`: exit 0, or 1 with the errors when either is
// invalid.
func CheckDiff(oldFile, newFile string, out, errw io.Writer) int {
	var cfgs [2]*config.Config
	status := ExitOK
	for i, f := range []string{oldFile, newFile} {
		c, _, err := config.Load(f)
		if err != nil {
			fmt.Fprintln(errw, err)
			status = ExitFailed
		}
		cfgs[i] = c
	}
	if status != ExitOK {
		return status
	}
	plan := apiPlan(config.Diff(cfgs[0], cfgs[1]), notes(cfgs[0], cfgs[1]))
	fmt.Fprint(out, api.PlanText(plan, fmt.Sprintf("plan from %s to %s:", oldFile, newFile)))
	return ExitOK
}

// Run runs supd until the tree ends and returns supd's exit status.
func Run(ctx context.Context, o Options) int {
	log := o.Log
	if h, ok := log.Handler().(*asyncHandler); ok {
		defer h.Flush(forwardFlushTimeout)
	}
	file, err := config.Find(o.ConfigPath)
	if err != nil {
		log.Error("finding the config", "err", err)
		return ExitFailed
	}
	cfg, warns, err := config.Load(file)
	if err != nil {
		var list config.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				log.Error("config", "err", e.Error())
			}
		} else {
			log.Error("loading the config", "err", err)
		}
		return ExitFailed
	}
	for _, w := range warns {
		log.Warn("config", "warning", w.String())
	}
	if err := checkLogs(cfg); err != nil {
		log.Error("log destination", "err", err)
		return ExitFailed
	}
	if err := trustConfig(file); err != nil && !o.NoWatch {
		log.Warn("config watch", "warning", err.Error())
	}
	if err := osproc.Init(log); err != nil {
		log.Error("preparing process supervision", "err", err)
		return ExitFailed
	}
	checkFDLimit(log, cfg)
	// Without a guardian supd still runs its tree: its workers still die
	// with it (parent-death signal) and its next start kills what they
	// left in their cgroups, as before there was a guardian.
	if err := osproc.StartGuardian(osproc.GuardianOptions{Log: log, LogFormat: o.LogFormat}); err != nil {
		log.Warn("no guardian: should supd die, what its workers started outlives it until supd's next start", "err", err)
	}
	d, err := newDaemon(cfg, o)
	if err != nil {
		log.Error("starting", "err", err)
		osproc.StopGuardian()
		return ExitFailed
	}
	defer d.close()
	status := d.run(ctx)
	// The tree has stopped: what is still reparented to supd escaped its
	// worker (without cgroups, by setsid and a double fork) and must not
	// outlive supd. Only then the goodbye: never deferred, so that a panic
	// leaves the guardian to do its job.
	osproc.KillAll()
	osproc.StopGuardian()
	return status
}

// daemon is one run of supd.
type daemon struct {
	cfg      *config.Config // as loaded at start; reloads keep theirs in reloader
	reloader *reloader
	stopping atomic.Bool // the shutdown began: reloads are refused
	opts     Options
	log      *slog.Logger
	bus      *control.Bus
	server   *control.Server
	listener net.Listener
	socket   string
	httpLn   net.Listener // control.http; nil when off

	service *service
	changed chan struct{} // a tree event happened (capacity 1)
	started atomic.Bool   // the initial start has finished

	shutdownReq chan struct{} // from the control API
	hub         *logcap.Hub
	fwd         *logcap.Forwarder
	notify      *notify.Receiver
	launcher    *launch.Launcher
	tree        *tree.Tree
}

func newDaemon(cfg *config.Config, o Options) (*daemon, error) {
	d := &daemon{cfg: cfg, opts: o, log: o.Log, bus: control.NewBus(1000, 4096), hub: logcap.NewHub(),
		shutdownReq: make(chan struct{}, 1), service: newService(o.Log), changed: make(chan struct{}, 1)}
	d.reloader = &reloader{d: d, seen: contentHash(cfg.File)}
	d.reloader.cfg.Store(cfg)
	// The control socket first: a second supd on the same socket must stop
	// here, before it starts any worker.
	d.socket = o.Socket
	if d.socket == "" {
		d.socket = cfg.Control.Socket
	}
	if d.socket == "" {
		d.socket = api.DefaultSocket()
	}
	ln, err := control.Listen(d.socket, os.FileMode(cfg.Control.Mode), cfg.Control.GID)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	d.listener = ln
	if cfg.Control.HTTP != "" {
		if d.httpLn, err = control.ListenTCP(cfg.Control.HTTP); err != nil {
			d.close()
			return nil, err
		}
	}
	opts := control.Options{Logger: o.Log, Probes: probes{d}}
	if cfg.Control.GID >= 0 {
		opts.Groups = []int{cfg.Control.GID}
	}
	d.server = control.New(backend{d}, opts)
	d.fwd = logcap.NewForwarder(o.Stdout, 0, o.Log)
	rcv, err := notify.Listen(notify.Options{Log: o.Log})
	if err != nil {
		d.close()
		return nil, fmt.Errorf("opening the workers' notify socket: %w", err)
	}
	d.notify = rcv
	d.launcher = launch.New(launch.Options{Hub: d.hub, Forwarder: d.fwd, Notify: rcv, Log: o.Log, Env: os.Environ()})
	d.tree = tree.New(cfg.Root, tree.Options{Launcher: d.launcher, Events: d.event, Launches: osproc.Spawners})
	return d, nil
}

func (d *daemon) event(e tree.Event) {
	e.Seq = d.bus.Publish(apiEvent(e)).Seq
	logEvent(d.log, e)
	select {
	case d.changed <- struct{}{}:
	default: // watchService has one pending already
	}
}

// publish emits one of supd's own events (reload, shutdown).
func (d *daemon) publish(e api.Event) {
	e.Time = time.Now()
	d.bus.Publish(e)
}

// run starts the tree and turns signals into its shutdown (SPEC §2.9).
func (d *daemon) run(ctx context.Context) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	// A closed stdout or stderr (`supd | head`, a log reader that went
	// away) must fail writes with EPIPE, not kill supd. Notify rather than
	// Ignore: an ignored signal would be inherited by every worker.
	pipes := make(chan os.Signal, 1)
	signal.Notify(pipes, syscall.SIGPIPE)
	defer signal.Stop(pipes)

	serveCtx, stopServing := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.server.Serve(serveCtx, d.listener) }()
	var bg sync.WaitGroup
	if d.httpLn != nil {
		bg.Go(func() {
			if err := d.server.ServeTCP(serveCtx, d.httpLn); err != nil {
				d.log.Warn("control.http", "err", err)
			}
		})
	}
	bg.Go(func() { d.watchService(serveCtx) })
	defer func() {
		// The event followers end once they have the tree's last events;
		// then the server stops.
		d.bus.Close()
		stopServing()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			d.log.Warn("control server", "err", err)
		}
		bg.Wait()
	}()

	attrs := []any{"config", d.cfg.File, "socket", d.socket, "pid", os.Getpid()}
	if d.httpLn != nil {
		attrs = append(attrs, "http", d.httpLn.Addr().String())
	}
	d.log.Info("starting", attrs...)
	d.tree.Start()
	if !d.opts.NoWatch {
		stopWatch := d.watch()
		defer stopWatch()
	}
	var deadline <-chan time.Time
	shuttingDown, forced := false, false
	shutdown := func(why string) {
		if shuttingDown {
			return
		}
		shuttingDown = true
		d.stopping.Store(true)
		d.log.Info("shutting down", "reason", why)
		d.publish(api.Event{Kind: api.EventShutdown, Message: why})
		d.service.Stopping()
		d.tree.Shutdown()
		if t := d.reloader.current().ShutdownTimeout; t > 0 {
			deadline = time.After(t)
		}
	}
	for {
		select {
		case <-ctx.Done():
			shutdown("context ended")
		case <-d.shutdownReq:
			shutdown("supctl shutdown")
		case sig := <-sigs:
			switch {
			case sig == syscall.SIGHUP:
				// Off the loop: a reload waits for the owners, and a
				// signal during it must still be taken.
				go d.reloader.reload(context.Background(), "SIGHUP", false)
			case shuttingDown:
				d.log.Warn("second signal during shutdown: killing every worker", "signal", sig.String())
				forced = true
				osproc.KillAll()
			default:
				shutdown(sig.String())
			}
		case <-deadline:
			d.log.Error("shutdown_timeout passed: killing every worker", "timeout", d.reloader.current().ShutdownTimeout.String())
			forced = true
			osproc.KillAll()
			deadline = nil
		case <-d.tree.Done():
			return d.exitStatus(forced)
		}
	}
}

func (d *daemon) exitStatus(forced bool) int {
	r := d.tree.Result()
	switch {
	case forced:
		return ExitFailed
	case r.Reason == tree.ReasonGaveUp:
		d.log.Error("the root supervisor gave up")
		return ExitGaveUp
	case r.Reason == tree.ReasonAutoShutdown:
		d.log.Info("significant children ended: shut down", "code", r.Code)
		return r.Code
	default:
		d.log.Info("stopped")
		return ExitOK
	}
}

func (d *daemon) close() {
	if d.notify != nil {
		d.notify.Close()
	}
	// Log files are flushed and closed (a rotation's gzip finishes).
	for path := range d.reloader.current().Workers() {
		if l := d.hub.Remove(path); l != nil {
			l.Close()
		}
	}
	if d.fwd != nil {
		// A stdout that is blocked for good must not keep supd from exiting.
		done := make(chan struct{})
		go func() { d.fwd.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(forwardFlushTimeout):
			d.log.Warn("supd's stdout is blocked: exiting without the last forwarded lines")
		}
	}
	if d.bus != nil {
		d.bus.Close()
	}
	if d.listener != nil {
		_ = d.listener.Close() // already closed when the server ran
	}
	if d.httpLn != nil {
		_ = d.httpLn.Close()
	}
}

// forwardFlushTimeout bounds the wait for supd's stdout at exit.
const forwardFlushTimeout = 2 * time.Second
