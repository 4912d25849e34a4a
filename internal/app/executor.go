package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aiorun/aiorun/internal/jobfile"
	"github.com/aiorun/aiorun/internal/proc"
	"github.com/aiorun/aiorun/internal/remote"
	"github.com/aiorun/aiorun/internal/report"
	"github.com/aiorun/aiorun/internal/runner"
	"github.com/aiorun/aiorun/internal/slurmexec"
	"github.com/aiorun/aiorun/internal/sshexec"
	"github.com/aiorun/aiorun/internal/task"
)

// Remote are the settings of SPEC §9: where the jobs run. Options carries
// them twice: from flags and the environment, which win over the job
// file, and from the config file, which the job file wins over. Empty
// fields are not set.
type Remote struct {
	Executor   string   // local, ssh or slurm
	Hosts      []string // as written, in order
	HostsFile  string   // one host a line, after Hosts
	SSHCommand string   // how to call ssh
	SlurmArgs  []string // extra arguments for the allocation
	// HostsFrom names where Hosts came from, for messages (--hosts).
	HostsFrom string
}

// loadOptions tells the job file loader which executor the run is for.
func (o Options) loadOptions() jobfile.LoadOptions {
	return jobfile.LoadOptions{Executor: o.Remote.Executor, DefaultExecutor: o.RemoteDefaults.Executor}
}

// executor is what runs the jobs, and how to end it.
type executor struct {
	task.Executor
	close func() error
	slots int // the most jobs it can run at once; 0: no limit of its own
}

// openExecutor builds the executor the options and the file name: the
// local one, or a remote one (internal/sshexec, internal/slurmexec) with
// the local one beside it for ":" hosts. Its errors are usage errors,
// file errors at a position, or the context's cause (a signal while
// connecting).
func openExecutor(ctx context.Context, opts Options, f *jobfile.File, jobs []string, popts proc.Options, rep *report.Reporter) (*executor, error) {
	kind := opts.loadOptions().ExecutorOf(f)
	debug := func(string, ...any) {}
	if opts.Debug {
		debug = rep.Debugf
	}
	switch kind {
	case "local":
		for _, name := range runner.Closure(f, jobs) {
			if j := f.Job(name); j.Host != "" {
				debug("%s: host %s ignored: the jobs run on this machine (executor local)", j.Name, j.Host)
			}
		}
		l, err := proc.NewLocal(popts)
		if err != nil {
			return nil, err
		}
		return &executor{Executor: l, close: l.Close}, nil
	case "ssh":
		return openSSH(ctx, opts, f, jobs, popts, rep, debug)
	case "slurm":
		for _, name := range runner.Closure(f, jobs) {
			if j := f.Job(name); j.Host != "" {
				debug("%s: host %s ignored: Slurm places the jobs", j.Name, j.Host)
			}
		}
		args := f.SlurmArgs
		switch {
		case opts.Remote.SlurmArgs != nil:
			args = opts.Remote.SlurmArgs
		case args == nil:
			args = opts.RemoteDefaults.SlurmArgs
		}
		size := opts.MaxWorkers
		if size == 0 {
			size = len(runner.Closure(f, jobs))
		}
		sx, err := slurmexec.Open(ctx, slurmexec.Options{
			Env:       opts.Env,
			Args:      args,
			Size:      size,
			TimeLimit: timeLimit(opts),
			Name:      "aiorun",
			SpillDir:  runner.DefaultStateDir(opts.Env),
			Debug:     debug,
		})
		if errors.Is(err, slurmexec.ErrNoSrun) {
			return nil, &UsageError{Msg: err.Error()}
		}
		if err != nil {
			return nil, err
		}
		return &executor{Executor: sx, close: sx.Close}, nil
	}
	return nil, &UsageError{Msg: fmt.Sprintf("unknown executor %q: want local, ssh or slurm", kind)}
}

// timeLimit is the allocation's time limit: --timeout plus --grace, when
// there is a timeout.
func timeLimit(opts Options) time.Duration {
	if opts.Timeout > 0 {
		return opts.Timeout + opts.Grace
	}
	return 0
}

// openSSH resolves the hosts (flags and environment, else the job file,
// else the config file), checks them and the jobs' host keys, and opens
// one connection per host.
func openSSH(ctx context.Context, opts Options, f *jobfile.File, jobs []string, popts proc.Options,
	rep *report.Reporter, debug func(string, ...any)) (*executor, error) {
	specs, at, err := resolveHosts(opts, f)
	if err != nil {
		return nil, err
	}
	if len(specs) == 0 {
		return nil, &UsageError{Msg: "the ssh executor needs hosts: hosts: in the job file, --hosts h1,h2 or --hosts-file FILE"}
	}
	hosts := make([]sshexec.Host, len(specs))
	local := false
	for i, s := range specs {
		h, err := sshexec.ParseHost(s)
		if err != nil {
			if at != nil {
				return nil, &jobfile.Error{File: f.Path, Pos: at[i], Msg: err.Error()}
			}
			return nil, &UsageError{Msg: fmt.Sprintf("%s: %v", opts.Remote.HostsFrom, err)}
		}
		hosts[i] = h
		local = local || h.Local
	}
	for _, name := range runner.Closure(f, jobs) {
		j := f.Job(name)
		if j.Host == "" {
			continue
		}
		found := false
		for _, h := range hosts {
			found = found || h.Matches(j.Host)
		}
		if !found {
			return nil, jobfile.HostError(f, j, specs)
		}
	}
	command := f.SSHCommand
	switch {
	case opts.Remote.SSHCommand != "":
		command = opts.Remote.SSHCommand
	case command == "":
		command = opts.RemoteDefaults.SSHCommand
	}
	var words []string
	if command != "" {
		if words, err = remote.SplitWords(command); err != nil || len(words) == 0 {
			if err == nil {
				err = errors.New("empty")
			}
			return nil, &UsageError{Msg: fmt.Sprintf("ssh command: %v", err)}
		}
	}
	var l *proc.Local
	if local {
		if l, err = proc.NewLocal(popts); err != nil {
			return nil, err
		}
	}
	sopts := sshexec.Options{
		Hosts:    hosts,
		Command:  words,
		Env:      opts.Env,
		SpillDir: runner.DefaultStateDir(opts.Env),
		Debug:    debug,
		Warn:     func(format string, args ...any) { fmt.Fprintf(rep.ErrWriter(), "aiorun: "+format+"\n", args...) },
	}
	if l != nil {
		sopts.Local = l
	}
	sx, err := sshexec.Open(ctx, sopts)
	if err != nil {
		if l != nil {
			_ = l.Close()
		}
		return nil, err
	}
	slots := sx.Slots()
	if slots == 0 {
		fmt.Fprintf(rep.ErrWriter(), "aiorun: ssh: no host can take jobs\n")
	}
	return &executor{
		Executor: sx,
		slots:    max(slots, 1),
		close: func() error {
			// The masters first: the local executor's Close kills every
			// child aiorun still has.
			err := sx.Close()
			if l != nil {
				err = errors.Join(err, l.Close())
			}
			return err
		},
	}, nil
}

// resolveHosts is the run's hosts, as written, and their positions in the
// job file when they come from it (nil otherwise).
func resolveHosts(opts Options, f *jobfile.File) ([]string, []jobfile.Pos, error) {
	fromFile := func(r Remote) ([]string, error) {
		hosts := append([]string(nil), r.Hosts...)
		if r.HostsFile != "" {
			data, err := os.ReadFile(r.HostsFile)
			if err != nil {
				return nil, &UsageError{Msg: fmt.Sprintf("--hosts-file: %v", err)}
			}
			hosts = append(hosts, sshexec.ParseHostsFile(data)...)
		}
		return hosts, nil
	}
	if opts.Remote.Hosts != nil || opts.Remote.HostsFile != "" {
		h, err := fromFile(opts.Remote)
		return h, nil, err
	}
	if f.Hosts != nil {
		return f.Hosts, f.HostsPos, nil
	}
	h, err := fromFile(opts.RemoteDefaults)
	return h, nil, err
}

// workerLimit is -j capped by what the executor can run at once.
func workerLimit(j, slots int) int {
	if slots > 0 && (j == 0 || j > slots) {
		return slots
	}
	return j
}

// startFailed is the command's end when its executor could not be made:
// a signal while connecting ends it as the signal would have (130, 143,
// 129), anything classified is kept, anything else is exit status 1.
func startFailed(err error) error {
	var ec interface{ ExitCode() int }
	var usage *UsageError
	var file *jobfile.Error
	switch {
	case errors.As(err, &usage), errors.As(err, &file):
		return err
	case errors.As(err, &ec):
		return &ExitStatus{Code: ec.ExitCode(), Err: err}
	}
	return &ExitStatus{Code: 1, Err: err}
}
