package remote

import (
	"errors"
	"syscall"

	"github.com/aiorun/aiorun/internal/exception"
)

// StartFailure is the error inside the *exception.StartError of an
// attempt whose local client (ssh, srun) could not be started, or that
// has to wait for a free slot. Temporary is true when waiting for another
// job to end may help: lack of processes or descriptors, or every slot of
// the job's host busy.
type StartFailure struct {
	Err  error
	Busy bool // every slot the job may use is taken
}

func (e *StartFailure) Error() string { return e.Err.Error() }
func (e *StartFailure) Unwrap() error { return e.Err }

// Temporary implements task.Temporary.
func (e *StartFailure) Temporary() bool {
	if e.Busy {
		return true
	}
	var errno syscall.Errno
	if errors.As(e.Err, &errno) {
		switch errno {
		case syscall.EAGAIN, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM:
			return true
		}
	}
	return false
}

// StartError wraps err, a failure to start a local client, as an
// attempt's exception.
func StartError(err error) *exception.StartError {
	return &exception.StartError{Err: &StartFailure{Err: err}}
}

// BusyError is the exception of an attempt that found no free slot: the
// runner tries it again when another job ends.
func BusyError(err error) *exception.StartError {
	return &exception.StartError{Err: &StartFailure{Err: err, Busy: true}}
}
