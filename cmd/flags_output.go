package cmd

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/aiorun/aiorun/internal/app"
	"github.com/aiorun/aiorun/internal/report"
)

// outputKeys are the settings addOutputFlags adds to run, gather and
// as-completed: what the run leaves behind (reports, logs) and how it looks
// (output mode, CI, the live status line). Like every flag they can come
// from AIORUN_<KEY> or the config file.
var outputKeys = []string{"junit", "log-dir", "timings", "trace", "timeline", "output", "dry-run", "ci", "progress"}

// addOutputFlags adds the output flags to a mode command.
func addOutputFlags(c *cobra.Command) {
	f := c.Flags()
	f.String("junit", "", "write a JUnit XML report to FILE (one testcase per job), for CI test reporters")
	f.String("log-dir", "", "keep each job's stdout and stderr in DIR/NAME.stdout, DIR/NAME.stderr, and a job log DIR/joblog.tsv")
	f.Bool("timings", false, "print a table of the jobs' status, duration and exit status on standard error at the end")
	f.String("trace", "", "write the run as Chrome trace-event JSON to FILE (chrome://tracing, ui.perfetto.dev)")
	f.String("timeline", "", "write the run as an SVG Gantt chart to FILE")
	f.String("output", "value", "job stdout: value (captured only), stream (also live on stderr as NAME > line), group (each job's output in one block when it ends) or raw (unprefixed, live)")
	f.Bool("dry-run", false, "print what would run (commands, shells, dirs, env, timeouts, needs, retries, shields) and start nothing")
	f.String("ci", "auto", "CI log format: auto (from GITHUB_ACTIONS, GITLAB_CI, CI), github, gitlab, plain or none")
	f.Bool("progress", true, "a live status line while jobs run, when standard output is a terminal (--progress=false: none)")
	_ = c.MarkFlagFilename("junit", "xml")
	_ = c.MarkFlagFilename("trace", "json")
	_ = c.MarkFlagFilename("timeline", "svg")
	_ = c.MarkFlagDirname("log-dir")
	outputs := make([]string, len(report.Outputs))
	for i, o := range report.Outputs {
		outputs[i] = string(o)
	}
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(outputs, cobra.ShellCompDirectiveNoFileComp))
	cis := []string{"auto"}
	for _, k := range report.CIKinds {
		cis = append(cis, string(k))
	}
	_ = c.RegisterFlagCompletionFunc("ci", cobra.FixedCompletions(cis, cobra.ShellCompDirectiveNoFileComp))
}

// outputOptions reads the output settings into opts, strictly, as
// modeOptions reads the others, and returns what is wrong with them.
func (s *settings) outputOptions(opts *app.Options) []error {
	var errs []error
	boolean := func(key string, def bool) bool {
		text := s.str(key)
		if text == "" {
			return def
		}
		b, err := strconv.ParseBool(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: want true or false, got %q", s.key(key), text))
		}
		return b
	}
	opts.JUnit = s.str("junit")
	opts.LogDir = s.str("log-dir")
	opts.Trace = s.str("trace")
	opts.Timeline = s.str("timeline")
	opts.Timings = boolean("timings", false)
	opts.DryRun = boolean("dry-run", false)
	opts.Progress = boolean("progress", true)
	out, err := report.ParseOutput(s.str("output"))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %v", s.key("output"), err))
	}
	opts.Output = string(out)
	if out == report.OutputRaw && opts.JSON {
		errs = append(errs, errors.New("--output raw writes jobs' output on standard output, which --json keeps for events; use stream or group"))
	}
	opts.CI = s.str("ci")
	switch report.CIKind(opts.CI) {
	case "", "auto", report.CIGitHub, report.CIGitLab, report.CIPlain, report.CINone:
	default:
		errs = append(errs, fmt.Errorf("%s: want auto, github, gitlab, plain or none, got %q", s.key("ci"), opts.CI))
	}
	return errs
}
