//go:build unix

package proc

import (
	"context"
	"errors"
	"syscall"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/pyrepr"
)

// startFailure is the error inside an *exception.StartError. Temporary
// reports resource exhaustion (EAGAIN, EMFILE, ENFILE, ENOMEM, ENOSPC from
// epoll), which may go away when another job ends.
type startFailure struct {
	err       error
	temporary bool
}

func (e *startFailure) Error() string   { return e.err.Error() }
func (e *startFailure) Unwrap() error   { return e.err }
func (e *startFailure) Temporary() bool { return e.temporary }

// startFailed classifies err, a failure to create a pipe or to fork.
func startFailed(err error) *startFailure {
	var errno syscall.Errno
	temp := false
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EAGAIN, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.ENOSPC:
			temp = true
		}
	}
	return &startFailure{err: err, temporary: temp}
}

// OutputError is an attempt's Err when the job itself succeeded but its
// output could not be delivered whole: a writer it was given failed, the
// captured value could not be spilled to disk, or a pipe could not be read.
type OutputError struct {
	Stream string // "standard output" or "standard error"
	Op     string // "write" or "read"
	Err    error
}

func (e *OutputError) Error() string  { return e.Op + " " + e.Stream + ": " + e.Err.Error() }
func (e *OutputError) Repr() string   { return "OSError(" + pyrepr.String(e.Error()) + ")" }
func (e *OutputError) Status() string { return "failed: " + e.Error() }
func (e *OutputError) ExitCode() int  { return 1 }
func (e *OutputError) Unwrap() error  { return e.Err }

// reasonWord is the word written to the cancel file for cause, "" for a
// cause that names no reason.
func reasonWord(cause error) string {
	var c *exception.CancelledError
	if errors.As(cause, &c) {
		return string(c.Reason)
	}
	var t *exception.TimeoutError
	if errors.As(cause, &t) {
		return string(exception.ReasonTimeout)
	}
	if errors.Is(cause, context.DeadlineExceeded) {
		return string(exception.ReasonDeadline)
	}
	return ""
}
