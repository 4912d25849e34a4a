package report

import (
	"errors"
	"strconv"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/pyrepr"
)

// The text methods are called with outMu held and write to r.out. In run
// mode they print nothing on Out: there the job's own standard output
// passes through (SPEC §4).

func (r *Reporter) textStarted(e event.Started) {
	if r.opt.Mode == event.Run || e.Attempt > 1 {
		return // a retry's start was announced by its retrying line
	}
	b := append(r.line[:0], r.paint.name(e.Job)...)
	b = append(b, ": started\n"...)
	r.writeLine(b)
}

func (r *Reporter) textFinished(e event.Finished) {
	if r.opt.Mode == event.Run {
		return
	}
	b := append(r.line[:0], r.paint.name(e.Job)...)
	b = append(b, ": "...)
	var x exception.Exception
	if e.Err == nil {
		b = append(b, r.paint.paint("finished", okColor)...)
	} else {
		x = exception.As(e.Err)
		b = append(b, r.paint.status(x)...)
	}
	r.writeLine(append(b, '\n'))

	if r.opt.Mode != event.AsCompleted || !e.Selected {
		return
	}
	switch {
	case x == nil:
		r.writeValue(e.Job, e.Value, nil)
		_ = r.out.WriteByte('\n')
	case r.opt.ReturnExceptions && !cancelledByCommand(x):
		r.writeLine(append(append(r.line[:0], x.Repr()...), '\n'))
	}
}

// cancelledByCommand reports whether x is aiorun cancelling the job because
// the command is ending (deadline, signal): not a failure of its own, so
// as-completed does not print it as a value.
func cancelledByCommand(x exception.Exception) bool {
	c, ok := x.(*exception.CancelledError)
	return ok && c.Reason != ""
}

func (r *Reporter) textRetrying(e event.Retrying) {
	r.writeLine(r.appendRetrying(r.line[:0], e, r.paint))
}

// textRetryingRun writes the retrying line on Err in run mode, where Out
// carries only the job's own output.
func (r *Reporter) textRetryingRun(e event.Retrying) {
	r.writeErr(r.appendRetrying(nil, e, r.errPre))
}

// appendRetrying appends "NAME: retrying (K/N) after STATUS\n".
func (r *Reporter) appendRetrying(b []byte, e event.Retrying, p painter) []byte {
	tail := append([]byte("retrying ("), strconv.Itoa(e.Attempt)...)
	tail = append(tail, '/')
	tail = append(tail, strconv.Itoa(e.Of)...)
	tail = append(tail, ") after "...)
	if e.Err != nil {
		tail = append(tail, exception.As(e.Err).Status()...)
	} else {
		tail = append(tail, "failed"...)
	}
	b = append(b, p.name(e.Job)...)
	b = append(b, ": "...)
	b = append(b, p.paint(string(tail), cancelColor)...)
	return append(b, '\n')
}

// textResult writes gather's "Result: [...]" line, when the command
// succeeded or ran under --return-exceptions (see printsResult).
func (r *Reporter) textResult(e event.Result) {
	if e.Mode != event.Gather || !printsResult(e) {
		return
	}
	_, _ = r.out.WriteString("Result: [")
	for i, o := range e.Outcomes {
		if i > 0 {
			_, _ = r.out.WriteString(", ")
		}
		if o.Err != nil {
			_, _ = r.out.WriteString(exception.As(o.Err).Repr())
			continue
		}
		r.writeRepr(o.Job, o.Value)
	}
	_, _ = r.out.WriteString("]\n")
}

// printsResult reports whether the Result line is printed: the command
// succeeded (0), or --return-exceptions turned failures into values (1),
// and it was not ended by fail-fast, its --timeout or a signal.
func printsResult(e event.Result) bool {
	if e.ExitCode != 0 && e.ExitCode != 1 {
		return false
	}
	var (
		group   *exception.Group
		timeout *exception.CommandTimeout
	)
	if errors.As(e.Err, &group) || errors.As(e.Err, &timeout) {
		return false
	}
	// Only the command's own CancelledError: a summary under
	// --return-exceptions may wrap jobs' cancellations.
	_, cancelled := e.Err.(*exception.CancelledError)
	return !cancelled
}

// writeRepr writes v as Python's repr() writes a str.
func (r *Reporter) writeRepr(job string, v *capture.Value) {
	q := pyrepr.Quote(v.Quotes())
	_ = r.out.WriteByte(q)
	r.writeValue(job, v, func(dst, src []byte, final bool) ([]byte, []byte) {
		return pyrepr.Append(dst, src, q, final)
	})
	_ = r.out.WriteByte(q)
}

// writeLine writes b, built in r.line, and keeps its storage for the next.
func (r *Reporter) writeLine(b []byte) {
	_, _ = r.out.Write(b)
	r.line = b[:0]
}
