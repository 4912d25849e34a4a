package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/jobfile"
	"github.com/aiorun/aiorun/internal/report"
	"github.com/aiorun/aiorun/internal/runner"
)

// StatusInterval is how often the live status line is redrawn.
const StatusInterval = 100 * time.Millisecond

// outputs are what a run writes besides SPEC's lines: report files
// (--junit, --trace, --timeline), the job logs (--log-dir), the timings
// table, the CI log groups and step summary, the live status line. Files
// are opened before any job starts, so that a bad path stops the command
// with nothing run, and written when the run is over, on every path
// (success, failure, timeout, signal).
type outputs struct {
	opts    Options
	ci      report.CIKind
	streams Streams // the streams the reporter writes to (wrapped by the status line)

	rec    *report.Recorder
	logs   *report.LogDir
	status *report.StatusLine
	ciRep  *report.CI

	junit, trace, timeline *os.File

	// run mode: the entry job's passthrough, teed to the log dir and the
	// recorder.
	teeOut, teeErr io.WriteCloser
}

// ciKind resolves --ci auto against the environment.
func ciKind(opts Options) report.CIKind {
	if opts.CI != "" && opts.CI != "auto" {
		return report.CIKind(opts.CI)
	}
	return report.DetectCI(func(k string) string { return getenv(opts.Env, k) })
}

// openOutputs opens what the options ask for. Its errors are usage
// errors: nothing has started.
func openOutputs(s Streams, opts Options, f *jobfile.File, jobs []string) (*outputs, error) {
	o := &outputs{opts: opts, ci: ciKind(opts), streams: s}
	fail := func(flag string, err error) (*outputs, error) {
		o.closeFiles()
		return nil, &UsageError{Msg: fmt.Sprintf("%s: %v", flag, err)}
	}
	var err error
	for _, file := range []struct {
		flag, path string
		f          **os.File
	}{{"--junit", opts.JUnit, &o.junit}, {"--trace", opts.Trace, &o.trace}, {"--timeline", opts.Timeline, &o.timeline}} {
		if file.path == "" {
			continue
		}
		if *file.f, err = os.OpenFile(file.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
			return fail(file.flag, err)
		}
	}
	if opts.LogDir != "" {
		if o.logs, err = report.OpenLogDir(opts.LogDir, f.Names()); err != nil {
			return fail("--log-dir", err)
		}
	}
	keep := opts.JUnit != "" || o.ci == report.CIGitHub || o.ci == report.CIGitLab
	if keep || opts.Trace != "" || opts.Timeline != "" || opts.Timings || o.ci == report.CIGitHub {
		title := "aiorun " + string(opts.Mode) + " " + f.Path
		if len(opts.Jobs) > 0 {
			title += " " + strings.Join(opts.Jobs, " ")
		}
		o.rec = report.NewRecorder(report.RecordOptions{
			Mode: opts.Mode, Title: title, File: f.Path, Start: time.Now(), KeepOutput: keep,
		})
	}
	if o.wantStatusLine(s) {
		width := func() int { return 0 }
		if out, ok := s.Out.(*os.File); ok {
			fd := int(out.Fd())
			width = func() int {
				ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
				if err != nil {
					return 0
				}
				return int(ws.Col)
			}
		}
		o.status = report.NewStatusLine(s.Out, len(runner.Closure(f, jobs)), width)
		o.streams.Out = o.status.Wrap(s.Out)
		if s.ErrTTY {
			o.streams.Err = o.status.Wrap(s.Err)
		}
	}
	return o, nil
}

// wantStatusLine: only on a terminal, outside CI, not under --json, not
// for run (its output passes through), not on a dumb terminal, and not
// when --progress=false.
func (o *outputs) wantStatusLine(s Streams) bool {
	return o.opts.Progress && s.OutTTY && !o.opts.JSON && o.opts.Mode != event.Run &&
		o.ci == report.CINone && getenv(o.opts.Env, "TERM") != "dumb"
}

// colour reports whether colour is allowed at all: --color auto means no
// colour in CI, whose logs are plain text.
func (o *outputs) colour() bool { return o.opts.Color != "auto" || o.ci == report.CINone }

// reporter is the reporter the runner talks to: main alone when nothing
// else is asked for, else a fan-out with the status line first (it erases
// itself before main prints the Result line) and the recorder before the
// CI reporter (which reads what the recorder kept).
func (o *outputs) reporter(main *report.Reporter) event.Reporter {
	var rs report.Fanout
	if o.status != nil {
		rs = append(rs, o.status)
	}
	rs = append(rs, main)
	if o.rec != nil {
		rs = append(rs, o.rec)
	}
	if o.logs != nil {
		rs = append(rs, o.logs)
	}
	if o.rec != nil {
		if c := report.NewCI(o.ci, main.ErrWriter(), o.rec); c != nil {
			o.ciRep = c
			rs = append(rs, c)
		}
	}
	if len(rs) == 1 {
		return main
	}
	if o.status != nil {
		o.status.Start(StatusInterval)
	}
	return rs
}

// extras are the members that want a job's output besides main: for run's
// passthrough.
func (o *outputs) extras() report.Fanout {
	var rs report.Fanout
	if o.rec != nil {
		rs = append(rs, o.rec)
	}
	if o.logs != nil {
		rs = append(rs, o.logs)
	}
	return rs
}

// passthrough tees run's entry job's output (which goes to the terminal
// as it is) to the log dir and the recorder, every attempt in one file.
func (o *outputs) passthrough(out, errOut io.Writer, job string) (io.Writer, io.Writer) {
	ex := o.extras()
	if len(ex) == 0 {
		return out, errOut
	}
	o.teeOut, o.teeErr = ex.Stdout(job), ex.Stderr(job)
	return teeTo(out, o.teeOut), teeTo(errOut, o.teeErr)
}

func teeTo(w io.Writer, extra io.WriteCloser) io.Writer {
	if extra == nil {
		return w
	}
	return &passTee{w: w, extra: extra}
}

// passTee writes to w, and to extra, whose writers never fail.
type passTee struct {
	w     io.Writer
	extra io.Writer
}

func (t *passTee) Write(p []byte) (int, error) {
	_, _ = t.extra.Write(p)
	return t.w.Write(p)
}

// onSignal records signals sent to jobs, for the trace and the timeline.
func (o *outputs) onSignal() func(job string, pid int, sig, why string) {
	if o.rec == nil {
		return nil
	}
	return o.rec.Signal
}

// finish ends the status line and writes what the run leaves behind: the
// timings table on standard error, the report files, the step summary. It
// prints each failure to write on standard error, and returns whether any.
func (o *outputs) finish(main *report.Reporter) bool {
	if o.status != nil {
		o.status.Stop()
	}
	for _, w := range []io.WriteCloser{o.teeOut, o.teeErr} {
		if w != nil {
			_ = w.Close()
		}
	}
	errw := main.ErrWriter()
	failed := false
	complain := func(flag string, err error) {
		if err != nil {
			failed = true
			fmt.Fprintf(errw, "aiorun: %s: %v\n", flag, err)
		}
	}
	var run *report.Run
	if o.rec != nil {
		run = o.rec.Run()
	}
	if o.opts.Timings && run != nil {
		_ = report.WriteTimings(errw, run)
	}
	for _, file := range []struct {
		flag  string
		f     *os.File
		write func(io.Writer, *report.Run) error
	}{{"--junit", o.junit, report.WriteJUnit}, {"--trace", o.trace, report.WriteTrace}, {"--timeline", o.timeline, report.WriteTimeline}} {
		if file.f == nil {
			continue
		}
		complain(file.flag, writeFile(file.f, run, file.write))
	}
	if o.ci == report.CIGitHub && run != nil {
		if path := getenv(o.opts.Env, "GITHUB_STEP_SUMMARY"); path != "" {
			complain("GITHUB_STEP_SUMMARY", appendFile(path, func(w io.Writer) error { return report.WriteStepSummary(w, run) }))
		}
	}
	if o.logs != nil {
		complain("--log-dir", o.logs.Close())
	}
	return failed
}

// writeFile writes run to f through a buffer, and closes f.
func writeFile(f *os.File, run *report.Run, write func(io.Writer, *report.Run) error) error {
	var b strings.Builder
	err := write(&b, run)
	if err == nil {
		_, err = io.WriteString(f, b.String())
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func appendFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	var b strings.Builder
	err = write(&b)
	if err == nil {
		_, err = io.WriteString(f, b.String())
	}
	return errors.Join(err, f.Close())
}

func (o *outputs) closeFiles() {
	for _, f := range []*os.File{o.junit, o.trace, o.timeline} {
		if f != nil {
			_ = f.Close()
		}
	}
	if o.logs != nil {
		_ = o.logs.Close()
	}
}

// exit is the command's end once outputs failed to be written: the run's
// own status when it failed, else 1 (the failure was printed).
func exit(err error, outputFailed bool) error {
	if err != nil || !outputFailed {
		return err
	}
	return &ExitStatus{Code: 1}
}
