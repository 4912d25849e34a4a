package report

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/pyrepr"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// feed delivers events to r in order.
func feed(r *Reporter, events []any) {
	for _, ev := range events {
		switch e := ev.(type) {
		case event.Started:
			r.Started(e)
		case event.Finished:
			r.Finished(e)
		case event.Retrying:
			r.Retrying(e)
		case event.Result:
			r.Result(e)
		default:
			panic("unknown event")
		}
	}
}

func val(s string) *capture.Value { return capture.FromString(s) }

func started(job string) event.Started { return event.Started{Job: job, Time: t0, Attempt: 1} }

func ok(job, value string) event.Finished {
	return event.Finished{Job: job, Value: val(value), Started: true, Selected: true, Attempts: 1}
}

func failed(job string, err error, value string) event.Finished {
	return event.Finished{Job: job, Value: val(value), Err: err, Started: true, Selected: true, Attempts: 1}
}

func exitErr(code int) error { return &exception.ExitError{Code: code} }

func outcome(job, value string) event.Outcome { return event.Outcome{Job: job, Value: val(value)} }

var (
	timeout1s = &exception.TimeoutError{After: time.Second}
	failFast  = &exception.CancelledError{Reason: exception.ReasonFailFast}
	deadline  = &exception.CancelledError{Reason: exception.ReasonDeadline}
	killed9   = &exception.CancelledError{Signal: 9}
)

func TestText(t *testing.T) {
	abc := []any{
		started("a"), started("b"), started("c"),
		ok("b", "b"), ok("a", "a"), ok("c", "c"),
	}
	tests := []struct {
		name    string
		opt     Options
		events  []any
		wantOut string
		wantErr string
	}{
		{
			name: "asyncio gather example",
			opt:  Options{Mode: event.Gather},
			events: append(abc, event.Result{Mode: event.Gather, Outcomes: []event.Outcome{
				outcome("a", "a"), outcome("b", "b"), outcome("c", "c"),
			}}),
			wantOut: "a: started\nb: started\nc: started\n" +
				"b: finished\na: finished\nc: finished\n" +
				"Result: ['a', 'b', 'c']\n",
		},
		{
			name: "asyncio as_completed example",
			opt:  Options{Mode: event.AsCompleted},
			events: append(abc, event.Result{Mode: event.AsCompleted, Outcomes: []event.Outcome{
				outcome("b", "b"), outcome("a", "a"), outcome("c", "c"),
			}}),
			wantOut: "a: started\nb: started\nc: started\n" +
				"b: finished\nb\na: finished\na\nc: finished\nc\n",
		},
		{
			name: "as-completed values: empty, multi-line, quotes; a needed job prints no value",
			opt:  Options{Mode: event.AsCompleted},
			events: []any{
				event.Finished{Job: "build", Value: val("dist/app"), Started: true},
				ok("empty", ""),
				ok("two", "two\nlines"),
				ok("q", `it's "q"`),
			},
			wantOut: "build: finished\n" +
				"empty: finished\n\n" +
				"two: finished\ntwo\nlines\n" +
				"q: finished\nit's \"q\"\n",
		},
		{
			name: "gather return-exceptions: failures are entries",
			opt:  Options{Mode: event.Gather, ReturnExceptions: true},
			events: []any{
				failed("b", exitErr(3), ""),
				event.Result{Mode: event.Gather, ExitCode: 1, Err: errors.New("1 of 4 jobs failed"),
					Outcomes: []event.Outcome{
						outcome("a", "a"),
						{Job: "b", Err: exitErr(3)},
						outcome("c", "it's"),
						outcome("d", "two\nlines"),
					}},
			},
			wantOut: "b: failed: exit status 3\n" +
				"Result: ['a', ExitError(3), \"it's\", 'two\\nlines']\n",
		},
		{
			name: "as-completed return-exceptions: failures follow their status line",
			opt:  Options{Mode: event.AsCompleted, ReturnExceptions: true},
			events: []any{
				failed("b", exitErr(3), "partial\nout"),
				failed("t", timeout1s, ""),
				failed("k", killed9, ""),
				failed("n", &exception.NeedsError{Need: "b", Err: &exception.ExitError{Code: 3}}, ""),
				failed("c", deadline, ""),
				event.Result{Mode: event.AsCompleted, ExitCode: 124, Err: &exception.CommandTimeout{After: time.Second, Pending: 1, Total: 5}},
			},
			wantOut: "b: failed: exit status 3\nExitError(3)\n" +
				"t: timed out after 1s\nTimeoutError()\n" +
				"k: cancelled\nCancelledError()\n" +
				"n: failed: needs b: failed: exit status 3\nExitError(3)\n" +
				"c: cancelled\n",
			wantErr: "b | partial\nb | out\n",
		},
		{
			name: "every status line form; fail-fast prints no Result",
			opt:  Options{Mode: event.Gather},
			events: []any{
				started("a"),
				event.Started{Job: "d", Time: t0, Needs: []string{"b"}, Attempt: 1},
				event.Retrying{Job: "a", Attempt: 1, Of: 3, Delay: time.Second, Err: exitErr(1)},
				event.Started{Job: "a", Time: t0, Attempt: 2},
				event.Retrying{Job: "a", Attempt: 2, Of: 3, Delay: 2 * time.Second, Err: timeout1s},
				failed("b", exitErr(3), ""),
				failed("c", timeout1s, ""),
				failed("a", failFast, ""),
				event.Finished{Job: "d", Err: &exception.NeedsError{Need: "b", Err: &exception.ExitError{Code: 3}}, Selected: true},
				failed("e", &exception.ConnectionError{Host: "build1", Msg: "Connection refused"}, ""),
				failed("f", &exception.StartError{Err: errors.New("fork/exec /bin/sh: no such file or directory")}, ""),
				failed("g", errors.New("not an exception"), ""),
				ok("h", "h"),
				event.Result{Mode: event.Gather, ExitCode: 3, Err: &exception.Group{
					Jobs: []string{"b", "c"}, Errs: []exception.Exception{&exception.ExitError{Code: 3}, timeout1s},
				}, Outcomes: []event.Outcome{outcome("h", "h")}},
			},
			wantOut: "a: started\n" +
				"d: started\n" +
				"a: retrying (1/3) after failed: exit status 1\n" +
				"a: retrying (2/3) after timed out after 1s\n" +
				"b: failed: exit status 3\n" +
				"c: timed out after 1s\n" +
				"a: cancelled\n" +
				"d: failed: needs b: failed: exit status 3\n" +
				"e: failed: connection error: build1: Connection refused\n" +
				"f: failed: cannot start: fork/exec /bin/sh: no such file or directory\n" +
				"g: failed: cannot start: not an exception\n" +
				"h: finished\n",
		},
		{
			name:    "fail-fast with exit status 1 prints no Result",
			opt:     Options{Mode: event.Gather},
			events:  []any{failed("b", exitErr(1), "said\n"), resultEndedBy(1, &exception.Group{Jobs: []string{"b"}, Errs: []exception.Exception{&exception.ExitError{Code: 1}}})},
			wantOut: "b: failed: exit status 1\n",
			wantErr: "b | said\n",
		},
		{
			name:   "command timeout prints no Result",
			opt:    Options{Mode: event.Gather, ReturnExceptions: true},
			events: []any{resultEndedBy(124, &exception.CommandTimeout{After: time.Second, Pending: 1, Total: 1})},
		},
		{
			name:   "a signal to aiorun prints no Result",
			opt:    Options{Mode: event.Gather, ReturnExceptions: true},
			events: []any{resultEndedBy(130, &exception.CancelledError{Reason: exception.ReasonSignal})},
		},
		{
			name:    "a summary error wrapping a job's cancellation still prints Result",
			opt:     Options{Mode: event.Gather, ReturnExceptions: true},
			events:  []any{resultEndedBy(1, errors.Join(errors.New("1 of 1 jobs failed"), killed9))},
			wantOut: "Result: ['x']\n",
		},
		{
			name: "run: nothing on Out; a retry is told on Err",
			opt:  Options{Mode: event.Run},
			events: []any{
				started("main"),
				event.Retrying{Job: "main", Attempt: 1, Of: 1, Delay: time.Second, Err: exitErr(1)},
				event.Started{Job: "main", Time: t0, Attempt: 2},
				ok("main", ""),
				event.Result{Mode: event.Run, Outcomes: []event.Outcome{outcome("main", "")}},
			},
			wantErr: "main: retrying (1/1) after failed: exit status 1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			r := NewText(Streams{Out: &out, Err: &errOut}, tt.opt)
			feed(r, tt.events)
			if got := out.String(); got != tt.wantOut {
				t.Errorf("stdout:\n got %q\nwant %q", got, tt.wantOut)
			}
			if got := errOut.String(); got != tt.wantErr {
				t.Errorf("stderr:\n got %q\nwant %q", got, tt.wantErr)
			}
			if err := r.Err(); err != nil {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

func resultEndedBy(code int, err error) event.Result {
	return event.Result{Mode: event.Gather, ExitCode: code, Err: err, Outcomes: []event.Outcome{outcome("x", "x")}}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestColour(t *testing.T) {
	events := []any{
		started("a"), started("b"),
		event.Retrying{Job: "a", Attempt: 1, Of: 2, Delay: time.Second, Err: exitErr(1)},
		failed("b", exitErr(3), "b's stdout"),
		failed("c", failFast, ""),
		ok("a", "a"),
		event.Result{Mode: event.Gather, ExitCode: 1, Err: errors.New("1 of 3 jobs failed"),
			Outcomes: []event.Outcome{outcome("a", "a"), {Job: "b", Err: exitErr(3)}}},
	}
	run := func(opt Options, stderrLine string) (string, string) {
		var out, errOut bytes.Buffer
		r := NewText(Streams{Out: &out, Err: &errOut}, opt)
		feed(r, events)
		w := r.Stderr("a")
		_, _ = w.Write([]byte(stderrLine))
		_ = w.Close()
		return out.String(), errOut.String()
	}
	base := Options{Mode: event.Gather, ReturnExceptions: true}
	plainOut, plainErr := run(base, "oops\n")
	if strings.Contains(plainOut+plainErr, "\x1b") {
		t.Fatalf("colour off wrote an escape:\n%q\n%q", plainOut, plainErr)
	}
	wantPlainOut := "a: started\nb: started\na: retrying (1/2) after failed: exit status 1\n" +
		"b: failed: exit status 3\nc: cancelled\na: finished\nResult: ['a', ExitError(3)]\n"
	if plainOut != wantPlainOut {
		t.Errorf("colour off: got %q want %q", plainOut, wantPlainOut)
	}
	if want := "b | b's stdout\na | oops\n"; plainErr != want {
		t.Errorf("colour off: got %q want %q", plainErr, want)
	}

	for _, tt := range []struct {
		name           string
		color, errCol  bool
		wantOutEscapes bool
		wantErrEscapes bool
	}{
		{"stdout only", true, false, true, false},
		{"stderr only", false, true, false, true},
		{"both", true, true, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := base
			opt.Color, opt.ErrColor = tt.color, tt.errCol
			out, errOut := run(opt, "oops\n")
			if got := strings.Contains(out, "\x1b["); got != tt.wantOutEscapes {
				t.Errorf("stdout has escapes = %v, want %v: %q", got, tt.wantOutEscapes, out)
			}
			if got := strings.Contains(errOut, "\x1b["); got != tt.wantErrEscapes {
				t.Errorf("stderr has escapes = %v, want %v: %q", got, tt.wantErrEscapes, errOut)
			}
			if got := ansi.ReplaceAllString(out, ""); got != plainOut {
				t.Errorf("stdout without escapes differs:\n got %q\nwant %q", got, plainOut)
			}
			if got := ansi.ReplaceAllString(errOut, ""); got != plainErr {
				t.Errorf("stderr without escapes differs:\n got %q\nwant %q", got, plainErr)
			}
		})
	}

	// The Result line and the values are never coloured; a name has one
	// colour wherever it appears.
	var out, errOut bytes.Buffer
	r := NewText(Streams{Out: &out, Err: &errOut}, Options{Mode: event.Gather, Color: true, ErrColor: true})
	feed(r, []any{started("job1"), event.Result{Mode: event.Gather, Outcomes: []event.Outcome{outcome("job1", "v")}}})
	w := r.Stderr("job1")
	_, _ = w.Write([]byte("x\n"))
	_ = w.Close()
	if !strings.HasSuffix(out.String(), "\nResult: ['v']\n") {
		t.Errorf("Result line coloured: %q", out.String())
	}
	nameCode := ansi.FindString(out.String())
	if !strings.HasPrefix(errOut.String(), nameCode+"job1 |") {
		t.Errorf("prefix %q not in the name's colour %q", errOut.String(), nameCode)
	}
}

func TestLargeValue(t *testing.T) {
	// A spilled value with multi-byte characters, quotes, control and
	// invalid bytes across the 32 KiB read chunks.
	var sb strings.Builder
	for sb.Len() < 200<<10 {
		sb.WriteString("it's é – 😀 \t\"x\"\x01 \xff\xe2\x82 line\n")
	}
	b := capture.New(t.TempDir(), 16)
	if _, err := b.Write([]byte(sb.String() + "\n\n")); err != nil {
		t.Fatal(err)
	}
	v := b.Value()
	defer v.Release()
	text := strings.TrimRight(sb.String(), "\n")
	if v.Small() {
		t.Fatal("value did not spill")
	}

	t.Run("text", func(t *testing.T) {
		var out, errOut bytes.Buffer
		r := NewText(Streams{Out: &out, Err: &errOut}, Options{Mode: event.Gather, ReturnExceptions: true})
		r.Result(event.Result{Mode: event.Gather, Outcomes: []event.Outcome{
			outcome("a", "a"), {Job: "big", Value: v},
		}})
		want := "Result: ['a', " + pyrepr.String(text) + "]\n"
		if got := out.String(); got != want {
			t.Errorf("Result line differs (len %d, want %d)", len(got), len(want))
		}

		out.Reset()
		r = NewText(Streams{Out: &out, Err: &errOut}, Options{Mode: event.AsCompleted})
		r.Finished(event.Finished{Job: "big", Value: v, Selected: true})
		if got, want := out.String(), "big: finished\n"+text+"\n"; got != want {
			t.Errorf("as-completed value differs (len %d, want %d)", len(got), len(want))
		}

		r.Finished(event.Finished{Job: "big", Value: v, Selected: true, Err: exitErr(1)})
		wantErr := "big | " + strings.ReplaceAll(text, "\n", "\nbig | ") + "\n"
		if got := errOut.String(); got != wantErr {
			t.Errorf("failed value on stderr differs (len %d, want %d)", len(got), len(wantErr))
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("json", func(t *testing.T) {
		var out bytes.Buffer
		r := NewJSON(Streams{Out: &out, Err: &bytes.Buffer{}}, Options{Mode: event.Gather})
		r.Finished(event.Finished{Job: "big", Value: v, Selected: true, Time: t0})
		r.Result(event.Result{Mode: event.Gather, Outcomes: []event.Outcome{{Job: "big", Value: v}}})
		enc := stdJSON(t, text)
		want := `{"event":"finished","job":"big","status":"ok","exit_code":0,"duration_s":0.0,"value":` + enc +
			`,"time":"2026-11-25T10:00:00.000Z"}` + "\n" +
			`{"event":"result","mode":"gather","values":[` + enc + `],"exit_code":0}` + "\n"
		if got := out.String(); got != want {
			t.Errorf("JSON differs (len %d, want %d)", len(got), len(want))
		}
		checkJSONLines(t, out.String())
	})
}

// failWriter fails every write after the first ok ones.
type failWriter struct {
	mu     sync.Mutex
	ok     int
	err    error
	writes int
	buf    bytes.Buffer
}

func (w *failWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	if w.writes > w.ok {
		return 0, w.err
	}
	return w.buf.Write(p)
}

func TestOutWriteError(t *testing.T) {
	epipe := errors.New("write |1: broken pipe")
	out := &failWriter{ok: 1, err: epipe}
	var calls []error
	r := NewText(Streams{Out: out, Err: &bytes.Buffer{}}, Options{
		Mode:         event.Gather,
		OnWriteError: func(err error) { calls = append(calls, err) },
	})
	feed(r, []any{started("a"), started("b"), ok("a", "a"), ok("b", "b"),
		event.Result{Mode: event.Gather, Outcomes: []event.Outcome{outcome("a", "a")}}})
	if len(calls) != 1 || calls[0] != epipe {
		t.Errorf("OnWriteError calls = %v, want one with %v", calls, epipe)
	}
	if err := r.Err(); err != epipe {
		t.Errorf("Err() = %v, want %v", err, epipe)
	}
	if got := out.buf.String(); got != "a: started\n" {
		t.Errorf("out = %q", got)
	}
	if out.writes != 2 {
		t.Errorf("%d writes to Out, want none after the failure", out.writes)
	}

	// Without OnWriteError, the error is only kept.
	r = NewJSON(Streams{Out: &failWriter{err: epipe}, Err: &bytes.Buffer{}}, Options{Mode: event.Gather})
	r.Started(started("a"))
	if err := r.Err(); err != epipe {
		t.Errorf("Err() = %v, want %v", err, epipe)
	}
}

func TestDebugf(t *testing.T) {
	var errOut bytes.Buffer
	r := NewText(Streams{Out: &bytes.Buffer{}, Err: &errOut}, Options{Mode: event.Gather})
	r.Debugf("spawn %s pid %d", "a", 42)
	r.Debugf("exit a: %v\n", exitErr(3))
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z aiorun: spawn a pid 42\n` +
		`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z aiorun: exit a: exit status 3\n$`)
	if !re.MatchString(errOut.String()) {
		t.Errorf("debug lines: %q", errOut.String())
	}
}
