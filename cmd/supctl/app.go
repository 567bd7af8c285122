package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"supd/control/api"
	"supd/control/client"
	"supd/internal/version"
)

// Exit codes (SPEC §3).
const (
	exitOK          = 0
	exitFailed      = 1 // the daemon refused or failed the request
	exitUsage       = 2
	exitUnreachable = 3
)

// app is one run of supctl: its output, its environment and its flags.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	uid            int
	now            func() time.Time
	loc            *time.Location // events' times are shown in it
	isTerminal     func() bool    // top needs one

	socket      string // --socket
	socketOwner string // --socket-owner
	trustUID    int    // socketOwner's uid; -1 when none
	output      string // -o
	client      *client.Client
}

func newApp(stdout, stderr io.Writer) *app {
	return &app{
		stdout: stdout, stderr: stderr,
		getenv: os.Getenv, uid: os.Getuid(),
		now: time.Now, loc: time.Local, isTerminal: isTerminal,
		trustUID: -1,
	}
}

// run runs the command line args and returns the exit code.
func (a *app) run(ctx context.Context, args []string) int {
	cmd := NewCommand(a)
	cmd.SetArgs(args)
	failedCmd, err := cmd.ExecuteContextC(ctx)
	if a.client != nil {
		a.client.Close()
	}
	if err == nil {
		return exitOK
	}
	var re *runError
	if !errors.As(err, &re) {
		fmt.Fprintf(a.stderr, "supctl: %v\nRun '%s --help' for usage.\n", err, failedCmd.CommandPath())
		return exitUsage
	}
	if re.err != nil {
		fmt.Fprintf(a.stderr, "supctl: %v\n", re.err)
	}
	return re.code
}

// runError is an error of a command that ran (not a usage error), with
// its exit code.
type runError struct {
	code int
	err  error // nil: already reported
}

func (e *runError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// failed classifies an error of a request: the daemon could not be reached
// (3) or it refused or failed the request (1).
func failed(err error) error {
	if err == nil {
		return nil
	}
	var ue *client.UnreachableError
	if errors.As(err, &ue) {
		var untrusted *client.UntrustedError
		if errors.As(err, &untrusted) {
			err = fmt.Errorf("%w\n(if that user's supd is the one you mean, say so: --socket %s --socket-owner %d)", err, ue.Socket, untrusted.UID)
		}
		return &runError{code: exitUnreachable, err: err}
	}
	return &runError{code: exitFailed, err: err}
}

// NewCommand builds supctl's command tree around a.
func NewCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "supctl",
		Short: "Control a running supd",
		Long: `supctl controls a running supd over its control socket.

The socket is --socket, else $SUPD_SOCKET, else /run/supd/supd.sock for root,
else $XDG_RUNTIME_DIR/supd.sock, else /tmp/supd-$UID/supd.sock. supctl talks
only to a supd that runs as root or as you, unless --socket-owner names the
user whose supd --socket is.

Exit codes: 0 success; 1 the daemon refused or failed the request;
2 usage error; 3 the daemon cannot be reached.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if a.output != "text" && a.output != "json" {
				return fmt.Errorf("invalid -o %q: want text or json", a.output)
			}
			return a.resolveSocketOwner()
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.PersistentFlags().StringVar(&a.socket, "socket", "", "path of supd's control socket")
	root.PersistentFlags().StringVar(&a.socketOwner, "socket-owner", "", "trust the supd at --socket that runs as this user (name or uid), besides root and you")
	root.PersistentFlags().StringVarP(&a.output, "output", "o", "text", "output format: text or json")
	root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	root.AddCommand(
		a.statusCmd(), a.treeCmd(),
		a.startCmd(), a.stopCmd(), a.restartCmd(), a.signalCmd(), a.scaleCmd(),
		a.logsCmd(), a.eventsCmd(), a.topCmd(),
		a.reloadCmd(), a.shutdownCmd(), a.versionCmd(),
	)
	return root
}

// api is the client of the socket chosen by --socket, $SUPD_SOCKET or the
// default; it connects on first use.
func (a *app) api() *client.Client {
	if a.client == nil {
		socket := a.socket
		if socket == "" {
			socket = api.SocketFor(a.uid, a.getenv)
		}
		var opts []client.Option
		if a.trustUID >= 0 {
			opts = append(opts, client.TrustUID(a.trustUID))
		}
		a.client = client.New(socket, opts...)
	}
	return a.client
}

// resolveSocketOwner reads --socket-owner, which only --socket may go
// with: a trust given for one socket, never for whatever the environment
// or the default leads to.
func (a *app) resolveSocketOwner() error {
	if a.socketOwner == "" {
		return nil
	}
	if a.socket == "" {
		return errors.New("--socket-owner needs --socket: it trusts the owner of that socket alone")
	}
	if id, err := strconv.ParseUint(a.socketOwner, 10, 31); err == nil {
		a.trustUID = int(id)
		return nil
	}
	u, err := user.Lookup(a.socketOwner)
	if err != nil {
		return fmt.Errorf("--socket-owner %q: %w", a.socketOwner, err)
	}
	id, err := strconv.Atoi(u.Uid)
	if err != nil {
		return fmt.Errorf("--socket-owner %q: uid %q is not a number", a.socketOwner, u.Uid)
	}
	a.trustUID = id
	return nil
}

func (a *app) json() bool { return a.output == "json" }

// printJSON writes v as one line of JSON.
func (a *app) printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return &runError{code: exitFailed, err: fmt.Errorf("encoding output: %w", err)}
	}
	b = append(b, '\n')
	_, _ = a.stdout.Write(b)
	return nil
}

// completePaths completes node paths from the running tree.
func (a *app) completePaths(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	t, err := a.api().Tree(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var paths []cobra.Completion
	t.Root.Walk(func(n *api.Node) {
		if n.Path != "" {
			paths = append(paths, n.Path)
		}
	})
	return paths, cobra.ShellCompDirectiveNoFileComp
}

// clientVersion is supctl's own version.
func clientVersion() api.Version { return api.NewVersion(version.String()) }
