// Package event defines what the runner tells the outside world while it
// runs: plain values, one per thing that happened, delivered in order to a
// Reporter. Reporters (internal/report) turn them into SPEC's text lines,
// JSON events and, later, other formats; the runner never prints.
package event

import (
	"io"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
)

// Mode is the asyncio entry point being played.
type Mode string

const (
	Run         Mode = "run"
	Gather      Mode = "gather"
	AsCompleted Mode = "as-completed"
)

// Started: an attempt of a job started.
type Started struct {
	Job      string
	Time     time.Time
	Pid      int
	Host     string
	SlurmJob string   // the Slurm step, JOBID.STEPID, when known at the start
	Needs    []string // the jobs it awaited
	Attempt  int      // 1 for the first attempt
}

// Finished: a job reached its final state. Every selected job, and every
// job they need, gets exactly one Finished, also when it never started
// (cancelled while waiting, or an awaited job failed).
type Finished struct {
	Job      string
	Time     time.Time
	Duration time.Duration // 0 when it never started
	Started  bool          // whether any attempt of it ran
	Value    *capture.Value
	Err      error // nil on success, else an exception.Exception
	Pid      int
	Host     string
	SlurmJob string // the Slurm step of the last attempt, JOBID.STEPID
	Attempts int
	// Selected is false for a job that only runs because a selected one
	// needs it: it is not part of the Result.
	Selected bool
}

// Retrying: an attempt failed and the job will be tried again after Delay.
type Retrying struct {
	Job     string
	Time    time.Time
	Attempt int // the retry about to happen: 1 for the first retry
	Of      int // the job's retries
	Delay   time.Duration
	Err     error // what the failed attempt raised
}

// Outcome is one entry of the result: a value, or an exception.
type Outcome struct {
	Job   string
	Value *capture.Value
	Err   error
}

// Result closes the run: the outcomes of the selected jobs, in declaration
// (or command-line) order for gather and run, in completion order for
// as-completed, and how the command ends.
type Result struct {
	Mode     Mode
	Outcomes []Outcome
	// Err is nil when the command succeeded; otherwise what ends it:
	// *exception.Group (fail-fast), *exception.CommandTimeout,
	// *exception.CancelledError (aiorun got a signal), or a summary
	// error under --return-exceptions.
	Err      error
	ExitCode int
}

// Reporter receives the run's events, one at a time, from one goroutine.
type Reporter interface {
	Started(Started)
	Finished(Finished)
	Retrying(Retrying)
	Result(Result)
	// Stderr returns the writer for one job's live standard error. It is
	// called once per attempt; the caller closes it when the attempt ends,
	// which flushes a last line that had no newline.
	Stderr(job string) io.WriteCloser
}

// StdoutReporter is implemented by reporters that also want a job's
// standard output live, as it is written, beside the value the executor
// captures (--output stream, --log-dir). Stdout is called once per attempt,
// like Stderr, and the caller closes what it returns when the attempt
// ends; it returns nil when the reporter does not want it, and then the
// executor captures the value alone.
type StdoutReporter interface {
	Stdout(job string) io.WriteCloser
}
