package report

import (
	"strings"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

// clock is a settable time source for a Recorder.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// sampleRun records a gather run with one of each outcome:
//
//	a  finished at 1.2s, value "a", wrote a warning on stderr
//	b  failed twice (exit 1, then exit 3), retried once; coloured stderr
//	t  its own timeout of 1s passed: SIGTERM, then SIGKILL
//	n  needs b: never started
//	c  cancelled by fail-fast at 1.3s
//	k  killed by signal 9 from outside
//	h  needed by a only (not selected)
func sampleRun(t *testing.T, mode event.Mode) *Run {
	t.Helper()
	clk := &clock{t: t0}
	rec := NewRecorder(RecordOptions{Mode: mode, Title: "aiorun gather ci/jobs.yaml", File: "ci/jobs.yaml",
		Start: t0, KeepOutput: true, Now: clk.now})
	stderr := func(job, text string) {
		w := rec.Stderr(job)
		_, _ = w.Write([]byte(text))
		_ = w.Close()
	}
	st := func(job string, ms, pid, attempt int) {
		rec.Started(event.Started{Job: job, Time: at(ms), Pid: pid, Attempt: attempt})
	}
	fin := func(job string, ms, durMS int, err error, value string, attempts int, selected bool) {
		rec.Finished(event.Finished{Job: job, Time: at(ms), Duration: time.Duration(durMS) * time.Millisecond,
			Started: attempts > 0, Value: val(value), Err: err, Attempts: attempts, Selected: selected})
	}
	st("h", 0, 100, 1)
	fin("h", 100, 100, nil, "h", 1, false)
	st("a", 100, 101, 1)
	st("b", 100, 102, 1)
	st("t", 100, 104, 1)
	st("c", 100, 106, 1)
	st("k", 100, 107, 1)
	stderr("a", "warning: <old> & \"deprecated\"\n")
	stderr("b", "compiling\n")
	rec.Retrying(event.Retrying{Job: "b", Time: at(300), Attempt: 1, Of: 1, Delay: 100 * time.Millisecond, Err: exitErr(1)})
	st("b", 400, 105, 2)
	stderr("b", "\x1b[31merror\x1b[0m: bad\n")
	fin("b", 600, 500, exitErr(3), "partial", 2, true)
	fin("n", 600, 0, &exception.NeedsError{Need: "b", Err: &exception.ExitError{Code: 3}}, "", 0, true)
	clk.t = at(1100)
	rec.Signal("t", 104, "SIGTERM", "reason timeout")
	clk.t = at(1150)
	rec.Signal("t", 104, "SIGKILL", "grace 50ms passed")
	fin("t", 1160, 1060, timeout1s, "", 1, true)
	fin("k", 1170, 1070, killed9, "", 1, true)
	fin("a", 1200, 1100, nil, "a", 1, true)
	fin("c", 1300, 1200, failFast, "", 1, true)
	outcomes := []event.Outcome{outcome("a", "a"), {Job: "b", Err: exitErr(3)}, {Job: "t", Err: timeout1s},
		{Job: "n", Err: exitErr(3)}, {Job: "c", Err: failFast}, {Job: "k", Err: killed9}}
	if mode == event.AsCompleted {
		outcomes = []event.Outcome{{Job: "b", Err: exitErr(3)}, {Job: "n", Err: exitErr(3)}, {Job: "t", Err: timeout1s},
			{Job: "k", Err: killed9}, outcome("a", "a"), {Job: "c", Err: failFast}}
	}
	clk.t = at(1310)
	rec.Result(event.Result{Mode: mode, Outcomes: outcomes, ExitCode: 1, Err: exitErr(3)})
	return rec.Run()
}

func names(run *Run) string {
	var out []string
	for _, j := range run.Jobs {
		out = append(out, j.Name)
	}
	return strings.Join(out, " ")
}

func TestRecorderOrder(t *testing.T) {
	for _, tt := range []struct {
		mode event.Mode
		want string
	}{
		// Needed-only jobs first, then the Result's order.
		{event.Gather, "h a b t n c k"},
		// Completion order.
		{event.AsCompleted, "h b n t k a c"},
	} {
		run := sampleRun(t, tt.mode)
		if got := names(run); got != tt.want {
			t.Errorf("%s: jobs %q, want %q", tt.mode, got, tt.want)
		}
	}
}

func TestRecorderAttempts(t *testing.T) {
	run := sampleRun(t, event.Gather)
	var b *JobRecord
	for _, j := range run.Jobs {
		if j.Name == "b" {
			b = j
		}
	}
	if len(b.Attempts) != 2 {
		t.Fatalf("b: %d attempts, want 2", len(b.Attempts))
	}
	first, second := b.Attempts[0], b.Attempts[1]
	if first.Pid != 102 || !first.End.Equal(at(300)) || first.Err.Error() != "exit status 1" {
		t.Errorf("first attempt %+v", first)
	}
	if second.N != 2 || second.Pid != 105 || !second.End.Equal(at(600)) || second.Err.Error() != "exit status 3" {
		t.Errorf("second attempt %+v", second)
	}
	if got := b.Stderr.String(); got != "compiling\n\x1b[31merror\x1b[0m: bad\n" {
		t.Errorf("b stderr %q", got)
	}
	if got := b.Output.String(); got != "compiling\n[aiorun: attempt 2]\n\x1b[31merror\x1b[0m: bad\n" {
		t.Errorf("b output %q", got)
	}
	if got := b.Stdout.String(); got != "partial" {
		t.Errorf("b stdout %q", got)
	}
	if run.Wall() != 1310*time.Millisecond {
		t.Errorf("wall %s", run.Wall())
	}
	c := run.Count()
	if c != (Counts{Total: 7, OK: 2, Failed: 2, Timeout: 1, Cancelled: 2}) {
		t.Errorf("counts %+v", c)
	}
	var instants []string
	for _, in := range run.Instants {
		instants = append(instants, in.Job+" "+in.Name)
	}
	if got, want := strings.Join(instants, ", "), "b retry, t SIGTERM, t SIGKILL, k cancelled, c cancelled"; got != want {
		t.Errorf("instants %q, want %q", got, want)
	}
}

func TestRecorderKeepsNoOutputUnasked(t *testing.T) {
	rec := NewRecorder(RecordOptions{Mode: event.Gather})
	if rec.Stderr("a") != nil || rec.Stdout("a") != nil {
		t.Fatal("a recorder that keeps no output wants none")
	}
}

func TestClip(t *testing.T) {
	var small Clip
	small.Write([]byte("one\n"))
	small.Write([]byte("two\nthree"))
	if got := small.String(); got != "one\ntwo\nthree" {
		t.Errorf("small %q", got)
	}
	if got := small.Tail(2); got != "two\nthree" {
		t.Errorf("tail %q", got)
	}

	var big Clip
	line := strings.Repeat("x", 99) + "\n"
	for range 2000 { // 200 KB, in pieces
		big.Write([]byte(line))
	}
	big.Write([]byte("the end\n"))
	got := big.String()
	if len(got) > ClipBytes+100 {
		t.Errorf("clip holds %d bytes, want about %d", len(got), ClipBytes)
	}
	if !strings.HasPrefix(got, line) || !strings.HasSuffix(got, "the end\n") {
		t.Errorf("clip lost its head or tail")
	}
	if want := "bytes left out ...]"; !strings.Contains(got, want) {
		t.Errorf("clip does not say what it left out")
	}
	if big.Len() != 200008 {
		t.Errorf("Len %d", big.Len())
	}
	if got := big.Tail(1); got != "the end" {
		t.Errorf("tail %q", got)
	}
}

func TestExitText(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, "0"},
		{exitErr(3), "3"},
		{timeout1s, "-"},
		{failFast, "-"},
		{killed9, "signal 9"},
		{&exception.NeedsError{Need: "b", Err: &exception.ExitError{Code: 3}}, "-"},
	} {
		if got := ExitText(tt.err); got != tt.want {
			t.Errorf("ExitText(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
