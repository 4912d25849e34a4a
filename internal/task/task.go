// Package task is the seam between the scheduler and whatever runs a job's
// process: the runner hands an Executor one attempt of a job as a Spec and
// gets back a Result. The local executor (internal/proc) runs it as a
// process group on this machine; fakes run it in memory; remote executors
// slot in beside them without the runner knowing which one it talks to.
package task

import (
	"context"
	"io"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
)

// Spec is one attempt of one job.
type Spec struct {
	Name    string   // the job's name
	Shell   string   // the program that runs Command as `Shell -c Command`
	Command string   // the job's run text
	Env     []string // the complete environment, "KEY=value"
	Dir     string   // working directory; "" means aiorun's own

	// Vars are the entries of Env that aiorun and the job file set (the
	// file's and the job's env, awaited values, AIORUN_*), without the
	// environment aiorun inherited: what a remote executor sends along.
	Vars []string
	// Host is the host the job is pinned to (its `host:` key); executors
	// without hosts ignore it.
	Host string

	// Stdout, when set, receives the job's standard output live (run's
	// passthrough); when nil the output is captured as the job's value.
	Stdout io.Writer
	// StdoutTee, when set and Stdout is nil, also receives the job's
	// standard output live while it is captured as the value (--output
	// stream, --log-dir). An error writing to it is ignored, and nothing
	// more is written to it: the value is still captured whole.
	StdoutTee io.Writer
	// Stderr receives the job's standard error live. It is typically a
	// line-prefixing writer; the executor closes nothing it was given.
	Stderr io.Writer

	// CancelFile is where the executor writes the cancellation reason
	// (context.Cause of ctx, an *exception.CancelledError or
	// *exception.TimeoutError) before it sends SIGTERM. "" means none.
	CancelFile string
	// Grace is how long a cancelled job gets between SIGTERM and SIGKILL.
	Grace time.Duration
	// Kill, when closed, makes the executor kill the job at once, without
	// waiting for the rest of the grace (a second SIGINT to aiorun).
	Kill <-chan struct{}
}

// Result is how an attempt ended.
type Result struct {
	// Value is the captured standard output (nil when Spec.Stdout was set).
	Value *capture.Value
	// Err is nil on success, else an exception.Exception: *ExitError,
	// *CancelledError (killed by a signal from outside, or the cause of
	// ctx when the executor cancelled it), *TimeoutError (the cause of
	// ctx), *StartError. Err is a StartError wrapping a Temporary error
	// when the process could not be started for lack of resources.
	Err error
	// Pid is the process id of the job's leader, 0 if it never started.
	Pid int
	// Host is where the job ran, for remote executors; "" when local.
	Host string
	// SlurmJob is the Slurm step the job ran as, JOBID.STEPID; "" when
	// not run by Slurm.
	SlurmJob string
}

// Info is what an executor tells of an attempt once it runs.
type Info struct {
	Pid      int    // the local process: the job's leader, or the ssh or srun client
	Host     string // where it runs, for remote executors
	SlurmJob string // JOBID.STEPID, when already known
}

// InfoExecutor is implemented by executors that tell where an attempt
// runs as it starts (the remote ones). The runner calls ExecInfo instead
// of Exec when the executor has it; its started is called as Exec's is,
// with an Info instead of a pid.
type InfoExecutor interface {
	Executor
	ExecInfo(ctx context.Context, spec *Spec, started func(Info)) Result
}

// Executor runs attempts. Exec blocks until the attempt has ended, its
// output has been delivered and nothing of its process group is left.
// Cancelling ctx cancels the attempt: the executor writes the reason to
// Spec.CancelFile, sends SIGTERM, and SIGKILL after Spec.Grace. started,
// when not nil, is called once the process is running, with its pid.
type Executor interface {
	Exec(ctx context.Context, spec *Spec, started func(pid int)) Result
}

// Temporary is implemented by start errors that may go away when another
// job ends (EAGAIN, EMFILE, ENFILE): the runner then waits and tries again.
type Temporary interface{ Temporary() bool }

// Tee is the sink of a job's standard output captured in w and also handed
// live to tee (Spec.StdoutTee). The tee's first error drops it; w's errors
// are returned.
func Tee(w, tee io.Writer) io.Writer { return &teeWriter{w: w, tee: tee} }

type teeWriter struct {
	w   io.Writer
	tee io.Writer
}

func (t *teeWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if t.tee != nil {
		if _, terr := t.tee.Write(p); terr != nil {
			t.tee = nil
		}
	}
	return n, err
}
