package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"supd/config/importer"
)

// importCommand is `supd import`: another supervisor's config in, a
// supd.yaml on stdout, warnings on stderr (SPEC §3).
func importCommand() *cobra.Command {
	var from string
	cmd := &cobra.Command{
		Use:   "import [--from supervisord|process-compose|procfile] FILE",
		Short: "Print a supd.yaml that runs what a supervisord.conf, process-compose.yaml or Procfile runs",
		Long: "supd import translates FILE into a supd.yaml on stdout, with a comment at every setting that has\n" +
			"no exact equivalent. Settings FILE leaves unset keep its own tool's defaults. Without --from, the\n" +
			"format is guessed from the content. Settings that cannot be carried over are warnings on stderr;\n" +
			"input that cannot be read is exit 1 with file:line.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opt importer.Options
			if from != "" {
				f, err := importer.ParseFormat(from)
				if err != nil {
					return usageError{fmt.Errorf("--from: %w", err)}
				}
				opt.From = f
			}
			res, err := importer.Import(args[0], opt)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitCode(1)
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), w)
			}
			_, err = cmd.OutOrStdout().Write(res.YAML)
			return err
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the format of FILE: supervisord, process-compose or procfile (default: guessed)")
	return cmd
}
