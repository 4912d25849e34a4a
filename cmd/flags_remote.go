package cmd

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aiorun/aiorun/internal/app"
	"github.com/aiorun/aiorun/internal/jobfile"
	"github.com/aiorun/aiorun/internal/remote"
	"github.com/aiorun/aiorun/internal/sshexec"
)

// remoteKeys are the settings addRemoteFlags adds to run, gather and
// as-completed: where the jobs run (SPEC §9). Like every flag they can
// come from AIORUN_<KEY> or the config file; the job file's executor,
// hosts, ssh_command and slurm.args rank between the two.
var remoteKeys = []string{"executor", "hosts", "hosts-file", "ssh-command", "slurm-args"}

// addRemoteFlags adds the executor flags to a mode command.
func addRemoteFlags(c *cobra.Command) {
	f := c.Flags()
	f.String("executor", "", "where jobs run: local (this machine, the default), ssh (--hosts) or slurm (job steps)")
	f.String("hosts", "", "ssh hosts, comma-separated: [N/]HOST, [N/]USER@HOST, [N/]ssh://USER@HOST:PORT, or : for this machine (N: jobs at once, default 1)")
	f.String("hosts-file", "", "read ssh hosts from FILE, one a line (# comments)")
	f.String("ssh-command", "", `how to call ssh, split into words as sh would (default "ssh"): "ssh -F ci/ssh_config"`)
	f.String("slurm-args", "", `extra salloc arguments for the run's allocation, split as sh would: "--partition=short --account=ci"`)
	_ = c.RegisterFlagCompletionFunc("executor", cobra.FixedCompletions(jobfile.Executors, cobra.ShellCompDirectiveNoFileComp))
	_ = c.MarkFlagFilename("hosts-file")
}

// remoteOptions reads the executor settings into opts: those set by a
// flag or the environment into opts.Remote, those from the config file
// into opts.RemoteDefaults (the job file ranks between them). It returns
// what is wrong with them.
func (s *settings) remoteOptions(opts *app.Options) []error {
	var errs []error
	for _, key := range remoteKeys {
		r := &opts.Remote
		switch {
		case s.flagOrEnv(key):
		case s.file != "" && s.v.InConfig(key):
			r = &opts.RemoteDefaults
		default:
			continue
		}
		text := s.str(key)
		if key == "hosts" {
			// The config file may give a YAML list.
			if list, ok := s.v.Get(key).([]any); ok {
				words := make([]string, len(list))
				for i, h := range list {
					words[i] = fmt.Sprint(h)
				}
				text = strings.Join(words, ",")
			}
		}
		switch key {
		case "executor":
			if !slices.Contains(jobfile.Executors, text) {
				errs = append(errs, fmt.Errorf("%s: want local, ssh or slurm, got %q", s.key(key), text))
			}
			r.Executor = text
		case "hosts":
			r.Hosts = sshexec.SplitHosts(text)
			if r.Hosts == nil {
				r.Hosts = []string{}
			}
			r.HostsFrom = s.key(key)
		case "hosts-file":
			r.HostsFile = text
		case "ssh-command":
			if words, err := remote.SplitWords(text); err != nil || len(words) == 0 {
				errs = append(errs, fmt.Errorf("%s: want an ssh command, got %q", s.key(key), text))
			}
			r.SSHCommand = text
		case "slurm-args":
			words, err := remote.SplitWords(text)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", s.key(key), err))
			}
			r.SlurmArgs = words
			if r.SlurmArgs == nil {
				r.SlurmArgs = []string{}
			}
		}
	}
	return errs
}

// flagOrEnv reports whether key was set by its flag or its environment
// variable (not the config file, not the default).
func (s *settings) flagOrEnv(key string) bool {
	if f := s.flags.Lookup(key); f != nil && f.Changed {
		return true
	}
	return os.Getenv(envVar(key)) != ""
}
