package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// exitRefused is the exit status of a -join-group that the kernel refused.
const exitRefused = 3

// options are testproc's flags.
type options struct {
	exit            int
	after           time.Duration
	signal          string
	core            bool
	sleep           bool
	ignoreTerm      bool
	stopping        bool
	children        int
	setsid          bool
	doubleFork      bool
	doubleForkGroup bool
	childIgnoreTerm bool
	pidfile         string
	addrFile        string
	info            string
	print           int
	printTo         string
	lineLen         int
	notifyReady     time.Duration
	status          string
	mainpidChild    bool
	watchdog        time.Duration
	watchdogFor     time.Duration
	readyFD         int
	readyAfter      time.Duration
	http            string
	httpFailAfter   time.Duration
	tcp             string
	tcpStopAfter    time.Duration
	signalLog       string
	openFDs         int
	blob            int64
	printEvery      time.Duration
	joinGroup       int
	middle          bool // internal: the middle process of a double fork
}

func parse(args []string) (*options, error) {
	o := &options{readyFD: -1, notifyReady: -1}
	fs := flag.NewFlagSet("testproc", flag.ContinueOnError)
	fs.IntVar(&o.exit, "exit", 0, "exit code")
	fs.DurationVar(&o.after, "after", 0, "delay before ending")
	fs.StringVar(&o.signal, "signal", "", "end by this signal")
	fs.BoolVar(&o.core, "core", false, "allow a core dump")
	fs.BoolVar(&o.sleep, "sleep", false, "never end by itself")
	fs.BoolVar(&o.ignoreTerm, "ignore-term", false, "ignore SIGTERM")
	fs.BoolVar(&o.stopping, "stopping", false, "send STOPPING=1 on SIGTERM")
	fs.IntVar(&o.children, "children", 0, "grandchildren to start")
	fs.BoolVar(&o.setsid, "setsid", false, "grandchildren get a session of their own")
	fs.BoolVar(&o.doubleFork, "double-fork", false, "double-fork grandchildren into a session of their own")
	fs.BoolVar(&o.doubleForkGroup, "double-fork-group", false, "double-fork grandchildren into a process group of their own")
	fs.BoolVar(&o.childIgnoreTerm, "child-ignore-term", false, "grandchildren ignore SIGTERM")
	fs.StringVar(&o.pidfile, "pidfile", "", "write pids and start times here")
	fs.StringVar(&o.addrFile, "addr-file", "", "write bound addresses here")
	fs.StringVar(&o.info, "info", "", "write uid, gid, groups, cwd and env here")
	fs.IntVar(&o.print, "print", 0, "lines to print")
	fs.StringVar(&o.printTo, "print-to", "both", "out, err or both")
	fs.IntVar(&o.lineLen, "line-len", 40, "length of each printed line")
	fs.DurationVar(&o.notifyReady, "notify-ready", -1, "send READY=1 after this delay")
	fs.StringVar(&o.status, "status", "", "STATUS= text")
	fs.BoolVar(&o.mainpidChild, "mainpid-child", false, "send MAINPID=<first grandchild>")
	fs.DurationVar(&o.watchdog, "watchdog", 0, "WATCHDOG=1 interval")
	fs.DurationVar(&o.watchdogFor, "watchdog-for", 0, "stop pinging after this")
	fs.IntVar(&o.readyFD, "ready-fd", -1, "write a newline to this fd")
	fs.DurationVar(&o.readyAfter, "ready-after", 0, "delay before -ready-fd")
	fs.StringVar(&o.http, "http", "", "serve HTTP here")
	fs.DurationVar(&o.httpFailAfter, "http-fail-after", 0, "answer 500 after this")
	fs.StringVar(&o.tcp, "tcp", "", "listen on TCP here")
	fs.DurationVar(&o.tcpStopAfter, "tcp-stop-after", 0, "stop listening after this")
	fs.StringVar(&o.signalLog, "signal-log", "", "log every signal received here, and ignore it")
	fs.IntVar(&o.openFDs, "open-fds", 0, "open this many more fds")
	fs.Int64Var(&o.blob, "blob", 0, "write this many bytes with no newline")
	fs.DurationVar(&o.printEvery, "print-every", 0, "print a line this often, for ever")
	fs.IntVar(&o.joinGroup, "join-group", 0, "first setpgid(0, N), exiting 3 if refused")
	fs.BoolVar(&o.middle, "middle", false, "internal: double-fork middle")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch o.printTo {
	case "out", "err", "both":
	default:
		return nil, fmt.Errorf("-print-to %q: want out, err or both", o.printTo)
	}
	return o, nil
}

func main() {
	o, err := parse(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "testproc:", err)
		os.Exit(2)
	}
	if o.joinGroup > 0 {
		if err := unix.Setpgid(0, o.joinGroup); err != nil {
			fmt.Fprintf(os.Stderr, "testproc: join process group %d: %v\n", o.joinGroup, err)
			os.Exit(exitRefused)
		}
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "testproc:", err)
		os.Exit(2)
	}
}

func run(o *options) error {
	if o.middle {
		return middle(o)
	}
	var endSig syscall.Signal
	if o.signal != "" {
		s, err := parseSignal(o.signal)
		if err != nil {
			return err
		}
		endSig = s
	}
	if err := setCoreLimit(o.core); err != nil {
		return err
	}
	handleTerm(o)
	if o.signalLog != "" {
		if err := logSignals(o.signalLog); err != nil {
			return err
		}
	}

	if err := openFDs(o.openFDs); err != nil {
		return err
	}
	kids, err := startChildren(o)
	if err != nil {
		return err
	}
	addrs, err := listen(o)
	if err != nil {
		return err
	}
	if err := writeFiles(o, kids, addrs); err != nil {
		return err
	}
	if err := printLines(o); err != nil {
		return err
	}
	if err := writeBlob(o.blob); err != nil {
		return err
	}
	startTimed(o, kids)

	if o.sleep {
		select {}
	}
	time.Sleep(o.after)
	if endSig != 0 {
		dieBy(endSig)
	}
	os.Exit(o.exit)
	return nil
}

// handleTerm sets up SIGTERM: ignored, or reported with STOPPING=1 before
// dying by it.
func handleTerm(o *options) {
	switch {
	case o.stopping:
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		go func() {
			for range c {
				notify("STOPPING=1")
				if !o.ignoreTerm {
					dieBy(syscall.SIGTERM)
				}
			}
		}()
	case o.ignoreTerm:
		signal.Ignore(syscall.SIGTERM)
	}
}

// setCoreLimit makes core dumps deterministic: allowed with -core, never
// without it.
func setCoreLimit(allow bool) error {
	lim := unix.Rlimit{}
	if allow {
		lim = unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
		if err := unix.Setrlimit(unix.RLIMIT_CORE, &lim); err == nil {
			return nil
		}
		if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
			return fmt.Errorf("get core limit: %w", err)
		}
		lim.Cur = lim.Max
	} else if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err == nil {
		lim.Cur = 0
	}
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		return fmt.Errorf("set core limit: %w", err)
	}
	return nil
}

func parseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if n := unix.SignalNum(name); n != 0 {
		return n, nil
	}
	return 0, fmt.Errorf("-signal %q: unknown signal", s)
}
