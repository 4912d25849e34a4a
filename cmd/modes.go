package cmd

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aiorun/aiorun/internal/app"
	"github.com/aiorun/aiorun/internal/event"
)

// newModeCmd builds run, gather or as-completed: flags in, app.Run out.
func newModeCmd(s app.Streams, mode event.Mode, use, short, byDefault string) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `.

FILE is the first argument when it ends in .yaml or .yml, or is "-" (standard
input); -f names it explicitly. Without either, jobs.yaml or jobs.yml in the
current directory is used. Without JOB names, ` + byDefault + ` runs.

Every flag can also be set as AIORUN_ plus its name in the environment (AIORUN_TIMEOUT=5s,
AIORUN_MAX_WORKERS=4) or in .aiorun.yaml / $XDG_CONFIG_HOME/aiorun/config.yaml
(max-workers: 4); a flag wins over the environment, which wins over the file.`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeJobs,
	}
	addFileFlag(c)
	f := c.Flags()
	f.String("timeout", "", "a deadline for the whole command (Go duration: 500ms, 5s, 2m); exit 124 when it passes")
	f.Bool("return-exceptions", false, "a failed job becomes a value in the results instead of ending the command")
	f.IntP("max-workers", "j", 0, "at most N jobs run at once (default: no limit)")
	f.String("grace", "5s", "how long a cancelled job gets between SIGTERM and SIGKILL")
	f.Bool("debug", false, "timestamped scheduling events (spawn, pid, signals, exits) on standard error")
	f.String("color", "auto", "colour: auto (only on a terminal, never under NO_COLOR), always or never")
	f.Bool("json", false, "one JSON event per line on standard output instead of the text lines")
	_ = c.RegisterFlagCompletionFunc("color", cobra.FixedCompletions([]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))
	addOutputFlags(c)
	addRemoteFlags(c)

	c.RunE = func(c *cobra.Command, args []string) error {
		conf, err := loadSettings(c)
		if err != nil {
			return err
		}
		opts, err := conf.modeOptions(mode)
		if err != nil {
			return err
		}
		opts.File, opts.Jobs = splitArgs(conf.str("file"), args)
		opts.Env = os.Environ()
		return runError(app.Run(c.Context(), s, opts))
	}
	return c
}

// addFileFlag adds -f/--file, which every command that reads a job file has.
func addFileFlag(c *cobra.Command) {
	c.Flags().StringP("file", "f", "", `the job file ("-" for standard input; default jobs.yaml or jobs.yml)`)
	_ = c.MarkFlagFilename("file", "yaml", "yml")
}

// splitArgs separates the job file from job names: with -f every argument
// is a job; else the first is the file when it ends in .yaml or .yml, or
// is "-".
func splitArgs(file string, args []string) (string, []string) {
	if file != "" || len(args) == 0 {
		return file, args
	}
	if a := args[0]; a == "-" || strings.HasSuffix(a, ".yaml") || strings.HasSuffix(a, ".yml") {
		return a, args[1:]
	}
	return "", args
}

// completeJobs completes a job file, then the names of its jobs.
func completeJobs(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	file, _ := c.Flags().GetString("file")
	if file == "" && len(args) == 0 {
		if _, err := app.LoadFile("", nil); err != nil {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		}
	}
	file, named := splitArgs(file, args)
	if file == "-" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	f, err := app.LoadFile(file, nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, name := range f.Names() {
		if !contains(named, name) {
			names = append(names, name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func newListCmd(s app.Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "list [FILE]",
		Short: "List the jobs in declaration order, with their commands and needs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			file, err := fileArg(c, args)
			if err != nil {
				return err
			}
			return runError(app.List(s, file))
		},
	}
	addFileFlag(c)
	return c
}

func newValidateCmd(s app.Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check the job file: exit 0 when it is valid, 2 with FILE:LINE:COL: message when not",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			file, err := fileArg(c, args)
			if err != nil {
				return err
			}
			return runError(app.Validate(s, file))
		},
	}
	addFileFlag(c)
	return c
}

// fileArg is the job file of list and validate: an argument or -f.
func fileArg(c *cobra.Command, args []string) (string, error) {
	file, _ := c.Flags().GetString("file")
	switch {
	case len(args) == 1 && file != "":
		return "", &app.UsageError{Msg: "name the job file once: as an argument or with -f"}
	case len(args) == 1:
		return args[0], nil
	}
	return file, nil
}
