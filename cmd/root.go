// Package cmd is aiorun's command line: cobra commands whose flags, with
// AIORUN_* environment variables and the config file through viper, are
// resolved into an app.Options and handed to one call in internal/app.
package cmd

import (
	"github.com/spf13/cobra"

	"github.com/aiorun/aiorun/internal/app"
	"github.com/aiorun/aiorun/internal/event"
)

// NewRootCmd builds the command tree writing to s.
func NewRootCmd(s app.Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "aiorun",
		Short: "Run the shell jobs of a YAML job file concurrently, with asyncio's semantics",
		Long: `aiorun runs the shell jobs of a YAML job file concurrently, with the semantics
of Python's asyncio: run (one entry job), gather (all at once, results in
declaration order), as-completed (each result as it lands). A job's value is
its standard output; its exception is how it failed.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &app.UsageError{Msg: err.Error()}
	})
	root.AddCommand(
		newModeCmd(s, event.Run, "run [FILE] [JOB]",
			"Run one entry job, as asyncio.run: its output passes through, its status is aiorun's",
			"the job named main, or the only job"),
		newModeCmd(s, event.Gather, "gather [FILE] [JOB...]",
			"Run jobs at once, as asyncio.gather: results in declaration (or named) order",
			"every job"),
		newModeCmd(s, event.AsCompleted, "as-completed [FILE] [JOB...]",
			"Run jobs at once, as asyncio.as_completed: each result the moment it lands",
			"every job"),
		newListCmd(s),
		newValidateCmd(s),
		newVersionCmd(s),
	)
	return root
}
