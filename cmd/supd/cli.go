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

// Command builds supd's command tree (also used to generate its docs).
func Command() *cobra.Command {
	var opts daemon.Options
	var logFormat, logLevel string
	root := &cobra.Command{
		Use:   "supd",
		Short: "Run a supervision tree of OS processes declared in YAML",
		Long: "supd runs the tree of the config file in the foreground: workers are started in order,\n" +
			"restarted by their supervisors' strategies, and stopped in reverse order on SIGTERM or SIGINT.\n\n" +
			"The config is --config FILE, else $SUPD_CONFIG, else ./supd.yaml, else /etc/supd/supd.yaml.",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := daemon.NewLogger(os.Stderr, logFormat, logLevel)
			if err != nil {
				return usageError{err}
			}
			opts.Log = log
			opts.Stdout = os.Stdout
			return exitCode(daemon.Run(context.Background(), opts))
		},
	}
	root.Flags().StringVar(&opts.ConfigPath, "config", "", "config file")
	root.Flags().StringVar(&opts.Socket, "socket", "", "control socket path (overrides the config and $SUPD_SOCKET)")
	root.Flags().BoolVar(&opts.NoWatch, "no-watch", false, "do not reload when the config file changes")
	root.Flags().StringVar(&logFormat, "log-format", "text", "format of supd's own log: text or json")
	root.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")

	var checkConfig string
	var checkDiff bool
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
			return exitCode(daemon.Check(checkConfig, os.Stdout, os.Stderr))
		},
	}
	check.Flags().StringVar(&checkConfig, "config", "", "config file")
	check.Flags().BoolVar(&checkDiff, "diff", false, "print the reload plan from OLD to NEW")
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
