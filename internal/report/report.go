// Package report turns the runner's events into what aiorun prints: SPEC
// §4's text lines or §5's JSON events on standard output, and every job's
// standard error, prefixed line by line, on standard error.
//
// It owns the two output streams while a run lasts: one lock per stream,
// a buffered writer on standard output flushed after each event, and the
// first error writing to either. Several jobs' stderr writers and Debugf
// share the stderr lock, so their lines never interleave mid-line.
//
// Beside the Reporter, the package has reporters for what a run leaves
// behind or shows besides SPEC's lines, each an event.Reporter that a
// Fanout feeds with the same events: Recorder keeps what happened, for the
// reports written from it when the run is over (WriteJUnit, WriteTrace,
// WriteTimeline, WriteTimings, WriteStepSummary); LogDir keeps every
// attempt's output in files; CI writes GitHub Actions and GitLab CI log
// groups; StatusLine keeps a live line on the terminal. Output modes
// (--output) are the Reporter's own.
//
// It must not decide anything about the run (exit status, cancellation,
// which jobs are selected): it prints what the events say. It never prints
// the command's final error line; the command layer does that once. It
// never blocks or fails a job because an output stream failed: the error
// is kept for Err, and standard output's first error goes to
// Options.OnWriteError so that the caller can cancel the run.
package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
)

// Streams are aiorun's standard output and standard error.
type Streams struct{ Out, Err io.Writer }

// Options say how to report.
type Options struct {
	Mode             event.Mode
	ReturnExceptions bool
	// Color enables colour on Out (text mode only); the caller decided it
	// (terminal, NO_COLOR, --color).
	Color bool
	// ErrColor enables colour on Err (the job name prefixes), decided
	// separately from Out.
	ErrColor bool
	// Output is how a job's standard output is shown (--output); ""
	// is OutputValue.
	Output Output
	// OnWriteError is called once, from the goroutine that delivers
	// events, with the first error writing to Out (EPIPE when the reader
	// went away, ENOSPC): the caller cancels the run. May be nil.
	OnWriteError func(error)
}

// timeLayout is the time of JSON events and debug lines: UTC, RFC 3339,
// milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Reporter implements event.Reporter. Its event methods are called from one
// goroutine; Stderr writers and Debugf may be used from any goroutine.
type Reporter struct {
	opt  Options
	json bool

	outMu   sync.Mutex
	out     *bufio.Writer
	outErr  error       // first error writing to Out; nothing more is written after it
	outDead atomic.Bool // outErr is set: raw output lines are discarded
	line    []byte      // scratch for one line of output
	chunk   []byte      // scratch for reading a value from its file
	paint   painter

	errMu   sync.Mutex
	errOut  io.Writer
	errDead atomic.Bool // a write to Err failed: discard what is left
	errPre  painter     // colours of the prefixes on Err

	groupMu sync.Mutex
	groups  map[string]*jobGroup // held output per job (OutputGroup)

	failMu sync.Mutex
	fail   error // first error of either stream, or reading a value
}

var _ event.Reporter = (*Reporter)(nil)

// NewText reports as SPEC §4's text lines.
func NewText(s Streams, o Options) *Reporter { return newReporter(s, o, false) }

// NewJSON reports as SPEC §5's JSON events, one per line.
func NewJSON(s Streams, o Options) *Reporter { return newReporter(s, o, true) }

func newReporter(s Streams, o Options, json bool) *Reporter {
	return &Reporter{
		opt:    o,
		json:   json,
		out:    bufio.NewWriterSize(s.Out, 32<<10),
		paint:  painter{on: o.Color && !json},
		errOut: s.Err,
		errPre: painter{on: o.ErrColor},
	}
}

// Err is the first error writing to Out or Err, or reading a value to
// print it; nil if none.
func (r *Reporter) Err() error {
	r.failMu.Lock()
	defer r.failMu.Unlock()
	return r.fail
}

func (r *Reporter) setFail(err error) {
	r.failMu.Lock()
	if r.fail == nil {
		r.fail = err
	}
	r.failMu.Unlock()
}

// Debugf writes one timestamped line on Err, in one write under the lock
// the jobs' stderr lines use: "2026-11-26T10:00:00.123Z aiorun: message".
func (r *Reporter) Debugf(format string, args ...any) {
	b := time.Now().UTC().AppendFormat(make([]byte, 0, 128), timeLayout)
	b = append(b, " aiorun: "...)
	b = fmt.Appendf(b, format, args...)
	if b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	r.writeErr(b)
}

// writeErr writes p to Err in one call under the stderr lock. After the
// first failure it discards p.
func (r *Reporter) writeErr(p []byte) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.errDead.Load() {
		return
	}
	if _, err := r.errOut.Write(p); err != nil {
		r.errDead.Store(true)
		r.setFail(err)
	}
}

// Stderr returns the writer for one attempt's standard error. Each line is
// written to Err as "NAME | line", whole, in one write under the lock all
// jobs share; a partial line waits for its newline or for Close, which adds
// one; a line over 64 KiB is written in 64 KiB pieces, each its own line.
// Write always returns len(p), nil (after Close: os.ErrClosed): an error
// writing to Err is kept for Err and the rest is discarded, so the job's
// pipe keeps draining. The writer is safe for concurrent use.
func (r *Reporter) Stderr(job string) io.WriteCloser {
	return r.stderrWriter(job)
}

// Started reports that an attempt of a job started.
func (r *Reporter) Started(e event.Started) {
	r.emit(func() {
		if r.json {
			r.jsonStarted(e)
		} else {
			r.textStarted(e)
		}
	})
}

// Finished reports a job's final state. A failed job's captured standard
// output is first written to Err, prefixed as its live stderr.
func (r *Reporter) Finished(e event.Finished) {
	if r.opt.Output == OutputGroup {
		r.writeGroup(e.Job)
	}
	if e.Err != nil && e.Value.Len() > 0 && !r.shown() {
		r.dump(e.Job, e.Value)
	}
	r.emit(func() {
		if r.json {
			r.jsonFinished(e)
		} else {
			r.textFinished(e)
		}
	})
}

// Retrying reports that a job will be tried again.
func (r *Reporter) Retrying(e event.Retrying) {
	if !r.json && r.opt.Mode == event.Run {
		r.textRetryingRun(e)
		return
	}
	r.emit(func() {
		if r.json {
			r.jsonRetrying(e)
		} else {
			r.textRetrying(e)
		}
	})
}

// Result reports how the run ended.
func (r *Reporter) Result(e event.Result) {
	if e.Mode == "" {
		e.Mode = r.opt.Mode
	}
	r.emit(func() {
		if r.json {
			r.jsonResult(e)
		} else {
			r.textResult(e)
		}
	})
}

// emit runs write under the stdout lock and flushes. The first write error
// is kept and handed to OnWriteError, outside the lock; from then on
// nothing more is written to Out.
func (r *Reporter) emit(write func()) {
	r.outMu.Lock()
	if r.outErr != nil {
		r.outMu.Unlock()
		return
	}
	write()
	err := r.out.Flush()
	if err != nil {
		r.outErr = err
		r.setFail(err)
	}
	r.outMu.Unlock()
	if err != nil && r.opt.OnWriteError != nil {
		r.opt.OnWriteError(err)
	}
}

// dump writes a failed job's value to Err, each line prefixed with its name.
func (r *Reporter) dump(job string, v *capture.Value) {
	w := newLineWriter(r, r.errPre.prefix(job))
	err := eachChunk(v, nil, func(p []byte, _ bool) []byte {
		_, _ = w.Write(p)
		return nil
	})
	_ = w.Close()
	if err != nil {
		r.setFail(fmt.Errorf("read value of %s: %w", job, err))
	}
}

// writeValue writes v to Out through esc, which appends a chunk's bytes
// in their printed form to dst and gives back an incomplete trailing UTF-8
// sequence to put in front of the next chunk; a nil esc writes the bytes
// as they are (as print() does). A value held in memory is one
// final chunk; a value in a file is read in pieces, never whole.
// Called with outMu held.
func (r *Reporter) writeValue(job string, v *capture.Value, esc func(dst, src []byte, final bool) (out, rest []byte)) {
	if r.chunk == nil && !v.Small() {
		r.chunk = make([]byte, 32<<10)
	}
	err := eachChunk(v, r.chunk, func(p []byte, final bool) []byte {
		if esc == nil { // as it is: no copy into the line buffer
			_, _ = r.out.Write(p)
			return nil
		}
		out, rest := esc(r.line[:0], p, final)
		_, _ = r.out.Write(out)
		r.line = out[:0]
		return rest
	})
	if err != nil {
		r.setFail(fmt.Errorf("read value of %s: %w", job, err))
	}
}

// eachChunk calls f with v's bytes: once with final set when v is held in
// memory, else in chunks read into buf (allocated when nil), the last with
// final set. What f returns is put in front of the next chunk; it must be
// shorter than buf. It returns the first error reading v.
func eachChunk(v *capture.Value, buf []byte, f func(p []byte, final bool) (rest []byte)) error {
	if b, ok := v.Bytes(); ok {
		f(b, true)
		return nil
	}
	rd, err := v.Open()
	if err != nil {
		return err
	}
	defer rd.Close()
	if buf == nil {
		buf = make([]byte, 32<<10)
	}
	held := 0
	for {
		n, err := rd.Read(buf[held:])
		n += held
		if err != nil {
			f(buf[:n], true)
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		held = copy(buf, f(buf[:n], false))
	}
}
