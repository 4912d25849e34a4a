package report

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

// RecordOptions say what a Recorder is recording.
type RecordOptions struct {
	Mode  event.Mode
	Title string    // what the run was, for report titles: "aiorun gather jobs.yaml"
	File  string    // the job file as named, for JUnit's classname
	Start time.Time // when the run began: time zero of traces and timelines
	// KeepOutput keeps each job's output, clipped to ClipBytes per stream
	// (the first and last halves), for JUnit's system-out and system-err
	// and CI log groups.
	KeepOutput bool
	// Now is the clock for what has no time of its own (signals, the end
	// of the run); nil: time.Now.
	Now func() time.Time
}

// ClipBytes is how much of each stream of each job a Recorder keeps: the
// first and the last ClipBytes/2 bytes, with the size of what was left out
// in between, so that memory stays bounded whatever jobs write (--log-dir
// keeps everything).
const ClipBytes = 32 << 10

// Recorder is a reporter that prints nothing: it keeps what happened to
// each job (attempts, times, pids, outcomes, and optionally their output)
// for the reports written when the run is over: JUnit XML, the Chrome
// trace, the SVG timeline, the timings table, CI summaries. It is safe for
// concurrent use: jobs' output writers and Signal come from other
// goroutines than the events.
type Recorder struct {
	opt RecordOptions

	mu       sync.Mutex
	jobs     map[string]*JobRecord
	finished []*JobRecord // in the order they finished
	instants []Instant
	result   *event.Result
	end      time.Time
}

var (
	_ event.Reporter       = (*Recorder)(nil)
	_ event.StdoutReporter = (*Recorder)(nil)
)

// JobRecord is what happened to one job.
type JobRecord struct {
	Name     string
	Selected bool // in the Result (not only needed by a selected job)
	Attempts []Attempt
	Finished bool
	End      time.Time
	Duration time.Duration // from its first start to its end; 0 if it never started
	Err      error         // nil when it succeeded
	Host     string

	// Stdout is the final value (clipped); Stderr every attempt's
	// standard error; Output both streams of every attempt in the order
	// aiorun read them, a retry's output after a line
	// "[aiorun: attempt N]". Kept only with RecordOptions.KeepOutput.
	Stdout, Stderr, Output Clip
}

// Attempt is one run of a job's command.
type Attempt struct {
	N          int // 1 for the first
	Start, End time.Time
	Pid        int
	Host       string
	Err        error // how it ended; nil when it succeeded
	Ended      bool
}

// Instant is a moment worth marking on a trace: a signal sent to a job, a
// retry scheduled, a cancellation.
type Instant struct {
	Time   time.Time
	Job    string
	Pid    int
	Name   string // "SIGTERM", "SIGKILL", "retry", "cancelled"
	Detail string
}

// NewRecorder returns a Recorder.
func NewRecorder(o RecordOptions) *Recorder {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Start.IsZero() {
		o.Start = o.Now()
	}
	return &Recorder{opt: o, jobs: make(map[string]*JobRecord)}
}

// Options returns what the recorder was told.
func (r *Recorder) Options() RecordOptions { return r.opt }

func (r *Recorder) job(name string) *JobRecord {
	j := r.jobs[name]
	if j == nil {
		j = &JobRecord{Name: name}
		r.jobs[name] = j
	}
	return j
}

func (r *Recorder) Started(e event.Started) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := r.job(e.Job)
	j.Attempts = append(j.Attempts, Attempt{N: max(e.Attempt, 1), Start: e.Time, Pid: e.Pid, Host: e.Host})
	if e.Attempt > 1 && j.Output.Len() > 0 {
		// A retry: say where its output begins.
		marker := "[aiorun: attempt " + strconv.Itoa(e.Attempt) + "]\n"
		if !j.Output.endsInNewline() {
			marker = "\n" + marker
		}
		j.Output.Write([]byte(marker))
	}
}

func (r *Recorder) Retrying(e event.Retrying) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := r.job(e.Job)
	if n := len(j.Attempts); n > 0 && !j.Attempts[n-1].Ended {
		a := &j.Attempts[n-1]
		a.End, a.Err, a.Ended = e.Time, e.Err, true
	}
	status := "failed"
	if e.Err != nil {
		status = exception.As(e.Err).Status()
	}
	r.instants = append(r.instants, Instant{Time: e.Time, Job: e.Job, Name: "retry",
		Detail: fmt.Sprintf("retry %d/%d after %s, in %s", e.Attempt, e.Of, status, exception.FormatDuration(e.Delay.Round(time.Millisecond)))})
}

func (r *Recorder) Finished(e event.Finished) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := r.job(e.Job)
	end := e.Time
	if end.IsZero() {
		end = r.opt.Now()
	}
	j.Finished, j.End, j.Duration, j.Err, j.Host, j.Selected = true, end, e.Duration, e.Err, e.Host, e.Selected
	if n := len(j.Attempts); n > 0 && !j.Attempts[n-1].Ended {
		a := &j.Attempts[n-1]
		a.End, a.Err, a.Ended = end, e.Err, true
		if a.Host == "" {
			a.Host = e.Host
		}
	}
	r.finished = append(r.finished, j)
	var c *exception.CancelledError
	if errors.As(e.Err, &c) {
		detail := "cancelled"
		if c.Reason != "" {
			detail += " (" + string(c.Reason) + ")"
		} else if c.Signal != 0 {
			detail += " (killed by signal " + strconv.Itoa(c.Signal) + ")"
		}
		if !e.Started {
			detail += " before it started"
		}
		r.instants = append(r.instants, Instant{Time: end, Job: e.Job, Pid: e.Pid, Name: "cancelled", Detail: detail})
	}
	if r.opt.KeepOutput && e.Value.Len() > 0 {
		_ = eachChunk(e.Value, nil, func(p []byte, _ bool) []byte {
			j.Stdout.Write(p)
			return nil
		})
	}
}

func (r *Recorder) Result(e event.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.result = &e
	r.end = r.opt.Now()
}

// Signal records a signal sent to a job's process group (proc's OnSignal).
func (r *Recorder) Signal(job string, pid int, sig, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.instants = append(r.instants, Instant{Time: r.opt.Now(), Job: job, Pid: pid, Name: sig, Detail: why})
}

// Stderr keeps a job's standard error when output is kept; else nil.
func (r *Recorder) Stderr(job string) io.WriteCloser {
	if !r.opt.KeepOutput {
		return nil
	}
	return &recordWriter{r: r, job: job, stderr: true}
}

// Stdout keeps a job's live standard output (in Output) when output is
// kept; else nil.
func (r *Recorder) Stdout(job string) io.WriteCloser {
	if !r.opt.KeepOutput {
		return nil
	}
	return &recordWriter{r: r, job: job}
}

type recordWriter struct {
	r      *Recorder
	job    string
	stderr bool
}

func (w *recordWriter) Write(p []byte) (int, error) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	j := w.r.job(w.job)
	j.Output.Write(p)
	if w.stderr {
		j.Stderr.Write(p)
	}
	return len(p), nil
}

func (w *recordWriter) Close() error { return nil }

// Run is a finished run, as recorded.
type Run struct {
	RecordOptions
	End      time.Time
	Result   event.Result
	Jobs     []*JobRecord // in the order the mode reports them (see Rows)
	Instants []Instant
}

// Run returns what was recorded, with the jobs in the order the mode
// reports them: as-completed in completion order; gather and run the jobs
// that were only needed first, in the order they finished, then the
// selected ones in the Result's order (declaration or command-line order).
func (r *Recorder) Run() *Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := &Run{RecordOptions: r.opt, End: r.end, Instants: append([]Instant(nil), r.instants...)}
	if run.End.IsZero() {
		run.End = r.opt.Now()
	}
	if r.result != nil {
		run.Result = *r.result
	}
	if run.Mode == "" {
		run.Mode = run.Result.Mode
	}
	seen := make(map[string]bool)
	add := func(j *JobRecord) {
		if j != nil && !seen[j.Name] {
			seen[j.Name] = true
			run.Jobs = append(run.Jobs, j)
		}
	}
	if run.Mode != event.AsCompleted && r.result != nil {
		for _, j := range r.finished {
			if !j.Selected {
				add(j)
			}
		}
		for _, o := range r.result.Outcomes {
			add(r.jobs[o.Job])
		}
	}
	for _, j := range r.finished {
		add(j)
	}
	for _, j := range r.jobs { // started but never finished: cannot happen, but keep them
		add(j)
	}
	return run
}

// Wall is how long the run took.
func (run *Run) Wall() time.Duration { return max(run.End.Sub(run.Start), 0) }

// Counts are how many jobs ended how.
type Counts struct{ Total, OK, Failed, Timeout, Cancelled int }

// Count counts the run's jobs by outcome.
func (run *Run) Count() Counts {
	var c Counts
	for _, j := range run.Jobs {
		c.Total++
		switch StatusWord(j.Err) {
		case "ok":
			c.OK++
		case "timeout":
			c.Timeout++
		case "cancelled":
			c.Cancelled++
		default:
			c.Failed++
		}
	}
	return c
}

// StatusWord is SPEC §5's status of an outcome: ok, failed, timeout or
// cancelled.
func StatusWord(err error) string {
	if err == nil {
		return "ok"
	}
	return jsonStatus(exception.As(err))
}

// StatusText is the tail of the outcome's status line: "finished",
// "failed: exit status 3", "timed out after 1s", "cancelled".
func StatusText(err error) string {
	if err == nil {
		return "finished"
	}
	return exception.As(err).Status()
}

// ExitText is how the job's process ended, for tables: "0", "3",
// "signal 9" (killed from outside), or "-" when aiorun stopped it or it
// never ran.
func ExitText(err error) string {
	code, sig, ok := exitOf(err)
	switch {
	case sig != 0:
		return "signal " + strconv.Itoa(sig)
	case ok:
		return strconv.Itoa(code)
	}
	return "-"
}

// exitOf is the process's own exit status (ok set) or the signal from
// outside that killed it.
func exitOf(err error) (code, sig int, ok bool) {
	if err == nil {
		return 0, 0, true
	}
	var (
		exit   *exception.ExitError
		cancel *exception.CancelledError
		needs  *exception.NeedsError
	)
	switch {
	case errors.As(err, &needs):
		return 0, 0, false
	case errors.As(err, &exit):
		return exit.Code, 0, true
	case errors.As(err, &cancel) && cancel.Reason == "" && cancel.Signal != 0:
		return 0, cancel.Signal, false
	}
	return 0, 0, false
}

// Clip keeps the first and last ClipBytes/2 bytes written to it and counts
// the rest.
type Clip struct {
	head  []byte
	tail  []byte
	total int64
}

const clipHalf = ClipBytes / 2

// Write keeps p's part in the head or tail.
func (c *Clip) Write(p []byte) {
	c.total += int64(len(p))
	if room := clipHalf - len(c.head); room > 0 {
		n := min(room, len(p))
		c.head = append(c.head, p[:n]...)
		p = p[n:]
	}
	if len(p) == 0 {
		return
	}
	c.tail = append(c.tail, p...)
	if len(c.tail) > 2*clipHalf {
		c.tail = append(c.tail[:0], c.tail[len(c.tail)-clipHalf:]...)
	}
}

func (c *Clip) endsInNewline() bool {
	last := c.head
	if len(c.tail) > 0 {
		last = c.tail
	}
	return len(last) == 0 || last[len(last)-1] == '\n'
}

// Len is how many bytes were written.
func (c *Clip) Len() int64 { return c.total }

// String is what was kept: everything when it fit, else the head, a line
// saying how much was left out, and the tail.
func (c *Clip) String() string {
	tail := c.tail
	if len(tail) > clipHalf {
		tail = tail[len(tail)-clipHalf:]
	}
	omitted := c.total - int64(len(c.head)) - int64(len(tail))
	if omitted <= 0 {
		return string(c.head) + string(tail)
	}
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	head := c.head[:runeCut(c.head)]
	return fmt.Sprintf("%s\n[... %d bytes left out ...]\n%s", head, omitted, tail)
}

// Tail is the last n lines kept, without a trailing newline.
func (c *Clip) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(c.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Summary is the run in one line, as the step summary and the timeline
// head it: "7 jobs in 3.71s · exit status 1 · 4 finished · 2 failed".
func (run *Run) Summary() string {
	c := run.Count()
	summary := fmt.Sprintf("%d job%s in %s · exit status %d", c.Total, plural(c.Total), fmtSeconds(run.Wall()), run.Result.ExitCode)
	for _, part := range []struct {
		n    int
		word string
	}{{c.OK, "finished"}, {c.Failed, "failed"}, {c.Timeout, "timed out"}, {c.Cancelled, "cancelled"}} {
		if part.n > 0 {
			summary += fmt.Sprintf(" · %d %s", part.n, part.word)
		}
	}
	return summary
}
