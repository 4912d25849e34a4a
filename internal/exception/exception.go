// Package exception defines how a job fails: the typed errors that play the
// part of asyncio's exceptions (ExitError, TimeoutError, CancelledError, ...).
//
// Every exception knows three ways of writing itself, all fixed by SPEC:
//
//   - Repr: the entry in gather's Result list, as Python's repr writes an
//     exception instance ("ExitError(3)", "TimeoutError()").
//   - Status: the tail of the job's status line ("failed: exit status 3",
//     "timed out after 1s", "cancelled").
//   - Error: the message after "aiorun: NAME: " on standard error.
//
// ExitCode gives the exit status aiorun takes from the exception under
// fail-fast. Check for a kind with errors.As; never compare strings.
//
// The package owns no I/O and no state.
package exception

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aiorun/aiorun/internal/pyrepr"
)

// Exception is what every job failure implements.
type Exception interface {
	error
	// Repr is the exception as a Result list entry: "ExitError(3)".
	Repr() string
	// Status is the status line after "NAME: ": "failed: exit status 3".
	Status() string
	// ExitCode is aiorun's exit status when this failure ends the command.
	ExitCode() int
}

// ExitError: the job exited with a status other than 0.
type ExitError struct{ Code int }

func (e *ExitError) Error() string  { return fmt.Sprintf("exit status %d", e.Code) }
func (e *ExitError) Repr() string   { return fmt.Sprintf("ExitError(%d)", e.Code) }
func (e *ExitError) Status() string { return "failed: " + e.Error() }
func (e *ExitError) ExitCode() int  { return e.Code }

// TimeoutError: the job's own timeout passed (asyncio.wait_for on the job).
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string  { return "timed out after " + FormatDuration(e.After) }
func (e *TimeoutError) Repr() string   { return "TimeoutError()" }
func (e *TimeoutError) Status() string { return e.Error() }
func (e *TimeoutError) ExitCode() int  { return 124 }

// Reason says why aiorun cancelled a job. Its string is the word written to
// the job's AIORUN_CANCEL_FILE (SPEC §8).
type Reason string

const (
	// ReasonFailFast: a sibling failed and the command is failing fast.
	ReasonFailFast Reason = "failfast"
	// ReasonTimeout: the job's own timeout passed.
	ReasonTimeout Reason = "timeout"
	// ReasonDeadline: the command's --timeout (or an inherited deadline) passed.
	ReasonDeadline Reason = "deadline"
	// ReasonSignal: aiorun itself got SIGINT, SIGTERM or SIGHUP.
	ReasonSignal Reason = "signal"
)

// CancelledError: the job was cancelled by aiorun (Reason set), or killed
// by a signal from outside (Signal set, Reason empty), which asyncio treats
// as if it raised CancelledError.
type CancelledError struct {
	Reason Reason
	Signal int // the signal that killed the job from outside, 0 if none
}

func (e *CancelledError) Error() string {
	if e.Reason == "" && e.Signal != 0 {
		return fmt.Sprintf("cancelled (killed by signal %d)", e.Signal)
	}
	return "cancelled"
}
func (e *CancelledError) Repr() string   { return "CancelledError()" }
func (e *CancelledError) Status() string { return "cancelled" }

// ExitCode is 128+S for a job killed from outside by signal S, and 130
// (as for SIGINT) for a job aiorun cancelled.
func (e *CancelledError) ExitCode() int {
	if e.Signal != 0 {
		return 128 + e.Signal
	}
	return 130
}

// NeedsError: an awaited job failed, so this one never started; it
// re-raises what it awaited (SPEC §8).
type NeedsError struct {
	Need string    // the awaited job's name
	Err  Exception // the awaited job's exception
}

func (e *NeedsError) Error() string  { return "needs " + e.Need + ": " + e.Err.Status() }
func (e *NeedsError) Repr() string   { return e.Err.Repr() }
func (e *NeedsError) Status() string { return "failed: " + e.Error() }
func (e *NeedsError) ExitCode() int  { return e.Err.ExitCode() }
func (e *NeedsError) Unwrap() error  { return e.Err }

// StartError: the job's process could not be started (the shell is
// missing, or resources ran out and nothing else was running to free them).
type StartError struct{ Err error }

func (e *StartError) Error() string  { return "cannot start: " + e.Err.Error() }
func (e *StartError) Repr() string   { return "OSError(" + pyrepr.String(e.Err.Error()) + ")" }
func (e *StartError) Status() string { return "failed: " + e.Error() }
func (e *StartError) ExitCode() int  { return 126 }
func (e *StartError) Unwrap() error  { return e.Err }

// ConnectionError: a remote job's connection failed (SPEC §9).
type ConnectionError struct{ Host, Msg string }

func (e *ConnectionError) Error() string { return "connection error: " + e.Host + ": " + e.Msg }
func (e *ConnectionError) Repr() string {
	return "ConnectionError(" + pyrepr.String(e.Host+": "+e.Msg) + ")"
}
func (e *ConnectionError) Status() string { return "failed: " + e.Error() }
func (e *ConnectionError) ExitCode() int  { return 255 }

// CommandTimeout is the command's own --timeout passing: the command fails
// with TimeoutError and exit status 124 (asyncio.wait_for around gather).
type CommandTimeout struct {
	After   time.Duration
	Pending int // jobs not done when it passed
	Total   int
}

func (e *CommandTimeout) Error() string {
	return fmt.Sprintf("TimeoutError: %d of %d jobs not done after %s",
		e.Pending, e.Total, FormatDuration(e.After))
}

// Group is the exception group of SPEC §8: more than one job failed on
// its own before fail-fast cancellation finished. The first is the one that
// triggered fail-fast, and gives the exit status.
type Group struct {
	Jobs []string
	Errs []Exception
}

func (g *Group) Error() string {
	if len(g.Errs) == 1 {
		return g.Jobs[0] + ": " + g.Errs[0].Error()
	}
	parts := make([]string, len(g.Errs))
	for i, err := range g.Errs {
		parts[i] = g.Jobs[i] + ": " + err.Error()
	}
	return fmt.Sprintf("%d jobs failed: %s", len(g.Errs), strings.Join(parts, "; "))
}

// ExitCode is the first failure's.
func (g *Group) ExitCode() int { return g.Errs[0].ExitCode() }

// Unwrap gives every failure, so errors.As finds the first of a kind.
func (g *Group) Unwrap() []error {
	errs := make([]error, len(g.Errs))
	for i, e := range g.Errs {
		errs[i] = e
	}
	return errs
}

// As returns err as an Exception: a context's own cancellation is a
// CancelledError (with reason "deadline" when its deadline passed), and
// anything else unknown is wrapped in StartError, so that every failure has
// the three forms.
func As(err error) Exception {
	if err == nil {
		return nil
	}
	var e Exception
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.DeadlineExceeded):
		return &CancelledError{Reason: ReasonDeadline}
	case errors.Is(err, context.Canceled):
		return &CancelledError{}
	}
	return &StartError{Err: err}
}

// FormatDuration writes d as a user wrote it: "1s", "500ms", "1m30s",
// without Go's trailing zero units ("2m0s" is "2m").
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// OfCancellation is the exception of an attempt cancelled because of cause
// (context.Cause of its context), as every executor reports it: an
// exception cause is kept; a bare context.DeadlineExceeded is the
// command's deadline; anything else is a CancelledError without a reason.
func OfCancellation(cause error) Exception {
	var e Exception
	if errors.As(cause, &e) {
		return e
	}
	if errors.Is(cause, context.DeadlineExceeded) {
		return &CancelledError{Reason: ReasonDeadline}
	}
	return &CancelledError{}
}
