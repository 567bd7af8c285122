package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"supd/internal/tui"
)

func (a *app) topCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "top",
		Short: "A live, keyboard-driven view of the tree",
		Long: `Open a full-screen view of the running tree that follows supd's events:
states, pids, uptimes, restarts, last exits, STATUS= texts and each
supervisor's restart budget, with the selected node's logs or the event
stream below. Act on the selection with the keys shown at the bottom
(? lists them all); a stop or restart of a whole subtree asks first.
When supd goes away, top says so and reconnects.

top needs a terminal: without one it exits 2; use "supctl tree",
"supctl status" or "supctl events -f" instead. NO_COLOR turns colours off.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.json() {
				return errors.New("top has no JSON output; use \"supctl events -f -o json\" to follow changes")
			}
			if !a.isTerminal() {
				return &runError{code: exitUsage, err: errors.New(
					"top needs a terminal (standard input and output are not both one); " +
						"use \"supctl tree\" or \"supctl status\" for the tree, \"supctl events -f\" to follow changes")}
			}
			// A wrong socket or a refused peer fails before the screen is
			// taken, with the exit codes of every other command.
			if _, err := a.api().Version(cmd.Context()); err != nil {
				return failed(err)
			}
			return a.runTop(cmd.Context())
		},
	}
}

// isTerminal reports whether supctl reads from and writes to a terminal.
func isTerminal() bool {
	return term.IsTerminal(os.Stdin.Fd()) && term.IsTerminal(os.Stdout.Fd())
}

// runTop runs the model of internal/tui with bubbletea until it quits.
func (a *app) runTop(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// NO_COLOR set to anything non-empty turns colours off (no-color.org);
	// reverse video and bold still show the selection and failures.
	noColor := a.getenv("NO_COLOR") != ""
	t := &topModel{
		m:   tui.New(tui.Options{Socket: a.api().Socket(), Color: !noColor}, a.now()),
		c:   a.api(),
		ctx: ctx,
	}
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(30)}
	if noColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	p := tea.NewProgram(t, opts...)
	t.send = p.Send
	_, err := p.Run()
	t.stop()
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && ctx.Err() == nil {
		return &runError{code: exitFailed, err: fmt.Errorf("top: %w", err)}
	}
	return nil
}
