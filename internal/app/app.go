// Package app is what each aiorun command does, behind the flags: it loads
// the job file, applies the guards, wires the runner to the local executor
// and a reporter, and turns signals into cancellation. Commands call one
// function here with an Options value and the streams; nothing here reads
// flags, the environment or os.Stdout directly, so every path can be run
// from a test with buffers.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/guard"
	"github.com/aiorun/aiorun/internal/jobfile"
	"github.com/aiorun/aiorun/internal/proc"
	"github.com/aiorun/aiorun/internal/report"
	"github.com/aiorun/aiorun/internal/runner"
)

// Streams are the command's standard streams, with what is known about
// each (a terminal or not), as GitHub CLI's iostreams carries them.
type Streams struct {
	In             io.Reader
	Out, Err       io.Writer
	OutTTY, ErrTTY bool
}

// Options are a mode command's settings, after flags, environment and
// config file were resolved.
type Options struct {
	Mode             event.Mode
	File             string   // path, "-" for stdin, "" to look for jobs.yaml / jobs.yml
	Jobs             []string // selected job names
	Timeout          time.Duration
	Grace            time.Duration
	MaxWorkers       int
	ReturnExceptions bool
	Debug            bool
	Color            string // auto, always or never
	JSON             bool
	// Env is the environment aiorun runs in (os.Environ()); jobs inherit it.
	Env []string

	// Where the jobs run (SPEC §9, executor.go): Remote from flags and the
	// environment, which win over the job file; RemoteDefaults from the
	// config file, which the job file wins over.
	Remote, RemoteDefaults Remote

	// What the run leaves behind and how it looks (see outputs.go).
	JUnit    string // --junit FILE: JUnit XML report
	LogDir   string // --log-dir DIR: each job's output in files, and a job log
	Timings  bool   // --timings: a table of the jobs' times on stderr at the end
	Trace    string // --trace FILE: Chrome trace-event JSON
	Timeline string // --timeline FILE: SVG Gantt chart
	Output   string // --output value|stream|group|raw ("" is value)
	DryRun   bool   // --dry-run: print the plan, start nothing
	CI       string // --ci auto|github|gitlab|plain|none ("" is auto)
	Progress bool   // the live status line on a terminal (--progress)
}

// UsageError is a mistake on the command line: exit status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ExitStatus ends a command with Code; Err, when set, is printed as
// "aiorun: <Err>" on standard error first.
type ExitStatus struct {
	Code int
	Err  error
}

func (e *ExitStatus) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitStatus) Unwrap() error { return e.Err }

// DefaultFiles are looked for, in order, when no job file is named.
var DefaultFiles = []string{"jobs.yaml", "jobs.yml"}

// LoadFile loads the job file named by path, or the default one.
func LoadFile(path string, stdin io.Reader) (*jobfile.File, error) {
	return LoadFileWith(path, stdin, jobfile.LoadOptions{})
}

// LoadFileWith is LoadFile for the executor o names.
func LoadFileWith(path string, stdin io.Reader, o jobfile.LoadOptions) (*jobfile.File, error) {
	if path == "" {
		for _, name := range DefaultFiles {
			if _, err := os.Stat(name); err == nil {
				path = name
				break
			}
		}
		if path == "" {
			return nil, &UsageError{Msg: "no job file: name one, or run where jobs.yaml or jobs.yml is"}
		}
	}
	return jobfile.LoadWith(path, stdin, o)
}

// Run runs a mode command (run, gather, as-completed).
func Run(ctx context.Context, s Streams, opts Options) error {
	f, err := LoadFileWith(opts.File, s.In, opts.loadOptions())
	if err != nil {
		return err
	}
	jobs, err := selectJobs(f, opts)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return DryRun(s, f, jobs, opts)
	}
	stack := guard.Parse(getenv(opts.Env, guard.Var))
	closure := runner.Closure(f, jobs) // the jobs selected and those they await
	if err := stack.Check(f.Digest, closure); err != nil {
		return err
	}
	deadline, err := inheritedDeadline(opts.Env)
	if err != nil {
		return err
	}

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	outputFailed := func(err error) { stop(&OutputError{Err: err}) }
	outs, err := openOutputs(s, opts, f, jobs)
	if err != nil {
		return err
	}
	if !outs.colour() {
		opts.Color = "never"
	}
	rep := newReporter(outs.streams, opts, outputFailed)
	defer watchReader(s.Out, outputFailed)()
	kill := make(chan struct{})
	defer trapSignals(stop, kill)()

	atOnce := capAt(len(closure), opts.MaxWorkers)
	tight := proc.ProcessesTight(atOnce)
	if tight {
		spareThreads(8)
	}
	if err := proc.BecomeSubreaper(); err != nil && opts.Debug {
		rep.Debugf("not a child subreaper: %v", err)
	}
	popts := proc.Options{OnSignal: outs.onSignal(), NoInline: tight}
	if opts.Debug {
		popts.Debug = rep.Debugf
	}
	ex, err := openExecutor(ctx, opts, f, jobs, popts, rep)
	if err != nil {
		outs.closeFiles()
		return startFailed(err)
	}
	defer ex.close()

	tuneGC(capAt(atOnce, ex.slots), opts.Env)
	ropts := runner.Options{
		Mode:             opts.Mode,
		Jobs:             jobs,
		Timeout:          opts.Timeout,
		Deadline:         deadline,
		ReturnExceptions: opts.ReturnExceptions,
		MaxWorkers:       workerLimit(opts.MaxWorkers, ex.slots),
		Grace:            opts.Grace,
		Kill:             kill,
		Env:              opts.Env,
		Stack:            stack,
		StateDir:         runner.DefaultStateDir(opts.Env),
	}
	if opts.Debug {
		ropts.Debug = rep.Debugf
	}
	if opts.Mode == event.Run && !opts.JSON {
		out, errOut := outs.passthrough(s.Out, s.Err, jobs[0])
		// run's output goes straight through, but a failing standard
		// output still stops the run, as it does the status lines.
		ropts.Passthrough, ropts.PassthroughErr = &failWatch{w: out, failed: outputFailed}, errOut
	}
	res := runner.Run(ctx, f, ropts, ex.Executor, outs.reporter(rep))
	failed := outs.finish(rep)
	return exit(exitStatus(opts.Mode, res, rep.Err()), failed)
}

// selectJobs checks the named jobs, and picks run's entry job.
func selectJobs(f *jobfile.File, opts Options) ([]string, error) {
	if err := runner.Select(f, opts.Jobs); err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	if opts.Mode != event.Run {
		return opts.Jobs, nil
	}
	switch {
	case len(opts.Jobs) > 1:
		return nil, &UsageError{Msg: "run takes one job (asyncio.run runs one entry point); use gather for several"}
	case len(opts.Jobs) == 1:
		return opts.Jobs, nil
	case f.Job("main") != nil:
		return []string{"main"}, nil
	case len(f.Jobs) == 1:
		return []string{f.Jobs[0].Name}, nil
	}
	return nil, &UsageError{Msg: fmt.Sprintf("run needs a job name: %s has no job \"main\" and %d jobs (%s)",
		f.Path, len(f.Jobs), strings.Join(f.Names(), ", "))}
}

func getenv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// inheritedDeadline reads AIORUN_DEADLINE, set by an enclosing aiorun.
func inheritedDeadline(env []string) (time.Time, error) {
	s := getenv(env, runner.EnvDeadline)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &UsageError{Msg: fmt.Sprintf("%s=%q: want an RFC 3339 time", runner.EnvDeadline, s)}
	}
	return t, nil
}

func newReporter(s Streams, opts Options, onWriteError func(error)) *report.Reporter {
	ro := report.Options{
		Mode:             opts.Mode,
		ReturnExceptions: opts.ReturnExceptions,
		Color:            useColor(opts.Color, s.OutTTY, opts.Env),
		ErrColor:         useColor(opts.Color, s.ErrTTY, opts.Env),
		Output:           report.Output(opts.Output),
		OnWriteError:     onWriteError,
	}
	rs := report.Streams{Out: s.Out, Err: s.Err}
	if opts.JSON {
		return report.NewJSON(rs, ro)
	}
	return report.NewText(rs, ro)
}

// useColor decides colour for one stream: never under NO_COLOR (any
// value) or TERM=dumb, unless --color always; in auto mode only on a
// terminal.
func useColor(mode string, tty bool, env []string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv(env, "NO_COLOR") != "" || getenv(env, "TERM") == "dumb" {
		return false
	}
	return tty
}

// Interrupted is the cause of a run stopped by a signal to aiorun.
type Interrupted struct{ Signal syscall.Signal }

func (e *Interrupted) Error() string {
	return fmt.Sprintf("interrupted by %s: every job was cancelled", signalName(e.Signal))
}

// ExitCode is 128 + the signal, as a shell reports it: 130, 143, 129.
func (e *Interrupted) ExitCode() int { return 128 + int(e.Signal) }

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// OutputError is the cause of a run stopped because aiorun's standard
// output failed: its reader went away (EPIPE) or the disk is full.
type OutputError struct{ Err error }

func (e *OutputError) Error() string { return "write standard output: " + e.Err.Error() }

// ExitCode is 141 (128 + SIGPIPE) when the reader went away, else 1.
func (e *OutputError) ExitCode() int {
	if errors.Is(e.Err, syscall.EPIPE) {
		return 128 + int(syscall.SIGPIPE)
	}
	return 1
}

// trapSignals turns SIGINT, SIGTERM and SIGHUP into cancellation of the
// run; a second SIGINT closes kill. SIGPIPE is caught so that a write to a
// vanished reader is an error aiorun handles (cancel, clean up, exit)
// instead of an instant death that would leave jobs running. It returns
// the function that restores the default handling.
func trapSignals(stop context.CancelCauseFunc, kill chan struct{}) (restore func()) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		interrupted := false
		for {
			select {
			case <-done:
				return
			case sig := <-sigs:
				s := sig.(syscall.Signal)
				switch {
				case s == syscall.SIGPIPE:
				case !interrupted:
					interrupted = true
					stop(&Interrupted{Signal: s})
				case s == syscall.SIGINT:
					close(kill)
					return
				}
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// exitStatus turns the run's result into the command's end.
func exitStatus(mode event.Mode, res event.Result, outErr error) error {
	if res.ExitCode == 0 && res.Err == nil {
		if outErr != nil {
			oe := &OutputError{Err: outErr}
			return &ExitStatus{Code: oe.ExitCode(), Err: oe}
		}
		return nil
	}
	err := res.Err
	if mode == event.Run && err != nil {
		// run is transparent: a job that exits non-zero said why itself.
		var g *exception.Group
		var exit *exception.ExitError
		if errors.As(err, &g) && len(g.Errs) == 1 && errors.As(g.Errs[0], &exit) {
			err = nil
		}
	}
	return &ExitStatus{Code: res.ExitCode, Err: err}
}

// failWatch reports the first error writing to w, once.
type failWatch struct {
	w      io.Writer
	failed func(error)
	once   sync.Once
}

func (f *failWatch) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err != nil {
		f.once.Do(func() { f.failed(err) })
	}
	return n, err
}

// manyAtOnce is how many jobs running at once make tuneGC collect more
// often.
const manyAtOnce = 1000

// capAt is n, at most limit when limit is set (> 0).
func capAt(n, limit int) int {
	if limit > 0 {
		return min(n, limit)
	}
	return n
}

// tuneGC halves the garbage collector's heap growth (GOGC 50) when a run
// may have manyAtOnce jobs or more running at once: its heap is then
// mostly the state of running jobs, and peak memory matters more than the
// collector's CPU (5,000 jobs at once: about 3 MB less peak RSS). A GOGC
// of the user's own is left alone.
func tuneGC(atOnce int, env []string) {
	if atOnce >= manyAtOnce && getenv(env, "GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

// spareThreads makes the Go runtime start n OS threads now and keep them
// idle: when a pids limit (a cgroup's pids.max) is full of jobs, the
// runtime reuses them instead of failing to create a thread, which it
// cannot survive. Only done under such a limit (proc.ProcessesTight):
// threads cost start-up time.
func spareThreads(n int) {
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	for range n {
		go func() {
			runtime.LockOSThread()
			started.Done()
			release.Wait()
			runtime.UnlockOSThread()
		}()
	}
	started.Wait()
	release.Done()
}
