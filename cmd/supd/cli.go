package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"supd/internal/daemon"
	"supd/internal/version"
)

// usageError marks errors in the command line itself (exit 2).
type usageError struct{ error }

// exitCode carries a command's exit status through cobra.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// Command builds supd's command tree.
func Command() *cobra.Command {
	var opts daemon.Options
	var logFormat, logLevel string
	root := &cobra.Command{
		Use:   "supd",
		Short: "Run a supervision tree of OS processes declared in YAML",
		Long: `supd runs the tree of the config file in the foreground: workers are started in order,
restarted by their supervisors' strategies, and stopped in reverse order on SIGTERM or SIGINT.

The config is --config FILE, else $SUPD_CONFIG, else ./supd.yaml, else /etc/supd/supd.yaml;
supd.yaml(5) describes it. supctl(1) operates a running supd over its control socket.

Signals: SIGTERM and SIGINT shut the tree down (a second one during the shutdown SIGKILLs
every worker at once); SIGHUP reloads the config. As PID 1 of a container supd also reaps
every orphan.

Each worker runs in its own session and, where the host allows, its own cgroup (v2); if supd
dies, even by SIGKILL, the workers die with it. supd also forks supd-guardian, a process of
its own that blocks on a pipe from supd: should supd die without saying goodbye, it kills
everything left in the workers' cgroups and sessions and exits. As PID 1 no guardian is
needed. SUPD_CGROUPS=off in the environment runs supd as on a host without cgroups.

Under systemd (NOTIFY_SOCKET set) supd sends READY=1 once its control socket is up and the
initial start has finished, RELOADING=1 and READY=1 around each reload, STOPPING=1 at
shutdown, STATUS= summaries, and WATCHDOG=1 at half of WatchdogSec= while every supervisor
of the tree answers. Workers never inherit ` + "`NOTIFY_SOCKET`, `WATCHDOG_*` or `LISTEN_*`" + `.

Exit status: 0 after a shutdown; 1 a bad config, log destination, control socket or
control.http address, a second signal during the shutdown, or shutdown_timeout passed;
2 a usage error; 3 the root supervisor gave up; N the exit code of the last significant
worker when the root shut down by auto_shutdown.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := daemon.NewLogger(os.Stderr, logFormat, logLevel)
			if err != nil {
				return usageError{err}
			}
			opts.Log = log
			opts.LogFormat = logFormat
			opts.Stdout = os.Stdout
			return exitCode(daemon.Run(context.Background(), opts))
		},
	}
	root.Version = version.String()
	root.SetVersionTemplate(fmt.Sprintf("supd %s (%s %s/%s)\n", version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH))
	root.Flags().StringVar(&opts.ConfigPath, "config", "", "config file")
	root.Flags().StringVar(&opts.Socket, "socket", "", "control socket path (overrides the config and $SUPD_SOCKET)")
	root.Flags().BoolVar(&opts.NoWatch, "no-watch", false, "do not reload when the config file changes")
	root.Flags().StringVar(&logFormat, "log-format", "text", "format of supd's own log: text or json")
	root.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")

	var checkConfig string
	var checkDiff, checkVerbose bool
	check := &cobra.Command{
		Use:   "check [--config FILE] | check --diff OLD NEW",
		Short: "Validate a config file: exit 0 when valid, 1 with every error otherwise",
		Long: "Validate a config file: exit 0 when valid, 1 with every error otherwise.\n\n" +
			"With --diff OLD NEW, print the plan a reload from OLD to NEW would apply (what restarts,\n" +
			"what changes in place, what is added and removed, each field with its old and new value),\n" +
			"without any daemon: exit 0, or 1 when either file is invalid.",
		Args: func(cmd *cobra.Command, args []string) error {
			if checkDiff {
				if len(args) != 2 {
					return usageError{fmt.Errorf("check --diff takes two files, OLD and NEW")}
				}
				return nil
			}
			return cobra.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if checkDiff {
				return exitCode(daemon.CheckDiff(args[0], args[1], os.Stdout, os.Stderr))
			}
			return exitCode(daemon.Check(checkConfig, checkVerbose, os.Stdout, os.Stderr))
		},
	}
	check.Flags().StringVar(&checkConfig, "config", "", "config file")
	check.Flags().BoolVar(&checkDiff, "diff", false, "print the reload plan from OLD to NEW")
	check.Flags().BoolVarP(&checkVerbose, "verbose", "v", false, "also list the path of every node, replica sets' instances included")
	root.AddCommand(check)
	root.AddCommand(importCommand())

	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print supd's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "supd %s (%s %s/%s)\n", version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	})
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return root
}

func run(args []string) int {
	cmd := Command()
	cmd.SetArgs(args)
	err := cmd.Execute()
	var code exitCode
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usage):
		fmt.Fprintf(os.Stderr, "supd: %v\n", usage.error)
		return 2
	default:
		// cobra's own errors: unknown commands and wrong arguments.
		fmt.Fprintf(os.Stderr, "supd: %v\nRun 'supd --help' for usage.\n", err)
		return 2
	}
}
