package report

import (
	"errors"
	"io"

	"github.com/aiorun/aiorun/internal/event"
)

// Fanout is a reporter that hands every event to several reporters, in
// order: put the one that must act first (the live status line, which
// erases itself before anything else is printed) at the front. A job's
// standard error and live standard output go to every member that wants
// them (a member's Stderr or Stdout returning nil does not).
type Fanout []event.Reporter

var (
	_ event.Reporter       = Fanout(nil)
	_ event.StdoutReporter = Fanout(nil)
)

func (f Fanout) Started(e event.Started) {
	for _, r := range f {
		r.Started(e)
	}
}

func (f Fanout) Finished(e event.Finished) {
	for _, r := range f {
		r.Finished(e)
	}
}

func (f Fanout) Retrying(e event.Retrying) {
	for _, r := range f {
		r.Retrying(e)
	}
}

func (f Fanout) Result(e event.Result) {
	for _, r := range f {
		r.Result(e)
	}
}

// Stderr tees one attempt's standard error to every member's writer.
func (f Fanout) Stderr(job string) io.WriteCloser {
	var ws []io.WriteCloser
	for _, r := range f {
		if w := r.Stderr(job); w != nil {
			ws = append(ws, w)
		}
	}
	return tee(ws)
}

// Stdout tees one attempt's live standard output to every member that
// wants it; nil when none does.
func (f Fanout) Stdout(job string) io.WriteCloser {
	var ws []io.WriteCloser
	for _, r := range f {
		if sr, ok := r.(event.StdoutReporter); ok {
			if w := sr.Stdout(job); w != nil {
				ws = append(ws, w)
			}
		}
	}
	return tee(ws)
}

func tee(ws []io.WriteCloser) io.WriteCloser {
	switch len(ws) {
	case 0:
		return nil
	case 1:
		return ws[0]
	}
	return teeWriteCloser(ws)
}

// teeWriteCloser writes to each writer in turn. The members' writers keep
// their own errors (they never fail a job's pipe), so Write always takes
// all of p; Close closes them all.
type teeWriteCloser []io.WriteCloser

func (t teeWriteCloser) Write(p []byte) (int, error) {
	for _, w := range t {
		_, _ = w.Write(p)
	}
	return len(p), nil
}

func (t teeWriteCloser) Close() error {
	var errs []error
	for _, w := range t {
		errs = append(errs, w.Close())
	}
	return errors.Join(errs...)
}
