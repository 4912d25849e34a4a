package report

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/aiorun/aiorun/internal/capture"
)

// Output is how a job's standard output is shown while the run lasts
// (--output). Whatever it is, the output is also captured as the job's
// value: Result lines and as-completed values do not change.
type Output string

const (
	// OutputValue (the default, SPEC §4): standard output is the value
	// only; a failed job's is printed on Err, prefixed, when it ends.
	OutputValue Output = "value"
	// OutputStream: each line of standard output is also written live to
	// Err as "NAME > line", beside the stderr lines "NAME | line", so that
	// Out keeps SPEC's lines only.
	OutputStream Output = "stream"
	// OutputGroup: a job's standard output and standard error, every
	// attempt, are held and written to Err as one block of prefixed lines
	// ("NAME > " and "NAME | ", in the order they were written) when the
	// job ends, so that no other job's lines come in between.
	OutputGroup Output = "group"
	// OutputRaw: standard output lines go to Out and standard error lines
	// to Err as the job writes them, unprefixed (whole lines: a line of
	// one job never splits another's, or a status line).
	OutputRaw Output = "raw"
)

// Outputs are the values --output takes, in the order help lists them.
var Outputs = []Output{OutputValue, OutputStream, OutputGroup, OutputRaw}

// ParseOutput checks an --output value ("" is OutputValue).
func ParseOutput(s string) (Output, error) {
	if s == "" {
		return OutputValue, nil
	}
	for _, o := range Outputs {
		if string(o) == s {
			return o, nil
		}
	}
	return "", fmt.Errorf("want value, stream, group or raw, got %q", s)
}

// shown reports whether a job's standard output was already shown, live or
// in its group, so a failed job's value is not dumped again.
func (r *Reporter) shown() bool {
	switch r.opt.Output {
	case OutputStream, OutputGroup, OutputRaw:
		return true
	}
	return false
}

// Stdout returns the writer for one attempt's live standard output, or nil
// in OutputValue mode (the executor then only captures it). The caller
// closes it when the attempt ends. It implements event.StdoutReporter.
func (r *Reporter) Stdout(job string) io.WriteCloser {
	switch r.opt.Output {
	case OutputStream:
		return newLineWriter(r, r.errPre.outPrefix(job))
	case OutputRaw:
		w := newLineWriter(r, nil)
		w.sink, w.dead = r.writeOutRaw, &r.outDead
		return w
	case OutputGroup:
		return r.group(job).writer(r, r.errPre.outPrefix(job))
	}
	return nil
}

// stderrWriter is Stderr's writer for the output mode.
func (r *Reporter) stderrWriter(job string) io.WriteCloser {
	switch r.opt.Output {
	case OutputRaw:
		return newLineWriter(r, nil)
	case OutputGroup:
		return r.group(job).writer(r, r.errPre.prefix(job))
	}
	return newLineWriter(r, r.errPre.prefix(job))
}

// writeOutRaw writes whole lines of a job's standard output to Out, under
// the lock the status lines use.
func (r *Reporter) writeOutRaw(p []byte) {
	r.emit(func() { _, _ = r.out.Write(p) })
	r.outMu.Lock()
	failed := r.outErr != nil
	r.outMu.Unlock()
	if failed {
		r.outDead.Store(true)
	}
}

// jobGroup holds a job's prefixed output lines until it ends (OutputGroup).
// Lines over capture.DefaultThreshold spill to a temporary file.
type jobGroup struct {
	mu  sync.Mutex
	buf *capture.Buffer
	err error
}

func (r *Reporter) group(job string) *jobGroup {
	r.groupMu.Lock()
	defer r.groupMu.Unlock()
	if r.groups == nil {
		r.groups = make(map[string]*jobGroup)
	}
	g := r.groups[job]
	if g == nil {
		g = &jobGroup{buf: capture.New("", 0)}
		r.groups[job] = g
	}
	return g
}

// writer is a line writer whose lines go to the group, not to Err.
func (g *jobGroup) writer(r *Reporter, prefix []byte) *lineWriter {
	w := newLineWriter(r, prefix)
	w.dead = new(atomic.Bool)
	w.sink = func(p []byte) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.err == nil {
			_, g.err = g.buf.Write(p)
		}
	}
	return w
}

// writeGroup writes a job's held lines to Err as one block, under the
// stderr lock, and forgets them.
func (r *Reporter) writeGroup(job string) {
	r.groupMu.Lock()
	g := r.groups[job]
	delete(r.groups, job)
	r.groupMu.Unlock()
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	v := g.buf.Value()
	defer func() { _ = v.Release() }()
	if g.err != nil {
		r.setFail(fmt.Errorf("hold the output of %s: %w", job, g.err))
	}
	r.errMu.Lock()
	defer r.errMu.Unlock()
	err := eachChunk(v, nil, func(p []byte, _ bool) []byte {
		if !r.errDead.Load() {
			if _, err := r.errOut.Write(p); err != nil {
				r.errDead.Store(true)
				r.setFail(err)
			}
		}
		return nil
	})
	if err != nil {
		r.setFail(fmt.Errorf("read the output of %s: %w", job, err))
	}
	if v.Len() > 0 && !r.errDead.Load() {
		// The value drops trailing newlines: give the block its last one.
		if _, err := r.errOut.Write([]byte{'\n'}); err != nil {
			r.errDead.Store(true)
			r.setFail(err)
		}
	}
}

// ErrWriter returns a writer whose every Write goes to Err whole, under the
// lock the jobs' stderr lines share, so that other reporters (CI groups,
// the timings table) never split a line. Its errors are the reporter's.
func (r *Reporter) ErrWriter() io.Writer { return errWriter{r} }

type errWriter struct{ r *Reporter }

func (w errWriter) Write(p []byte) (int, error) {
	w.r.writeErr(p)
	return len(p), nil
}
