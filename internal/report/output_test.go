package report

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/aiorun/aiorun/internal/event"
)

// outputRun plays two jobs through a reporter in mode: b writes stdout and
// stderr, interleaved, and fails; a writes a partial last line and
// succeeds. It returns what went to Out and Err.
func outputRun(t *testing.T, mode Output, asCompleted bool) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := event.Gather
	if asCompleted {
		m = event.AsCompleted
	}
	r := NewText(Streams{Out: &out, Err: &errOut}, Options{Mode: m, ReturnExceptions: true, Output: mode})
	r.Started(started("a"))
	r.Started(started("b"))
	aOut, aErr := r.Stdout("a"), r.Stderr("a")
	bOut, bErr := r.Stdout("b"), r.Stderr("b")
	if mode == OutputValue {
		if aOut != nil {
			t.Fatal("value mode wants no live stdout")
		}
		aOut, bOut = nopWC{}, nopWC{}
	}
	_, _ = bOut.Write([]byte("b says\n"))
	_, _ = aOut.Write([]byte("a says"))
	_, _ = bErr.Write([]byte("b warns\n"))
	_, _ = aErr.Write([]byte("a warns\n"))
	_, _ = bOut.Write([]byte("b again\n"))
	for _, w := range []io.Closer{bOut, bErr} {
		_ = w.Close()
	}
	r.Finished(failed("b", exitErr(3), "b says\nb again"))
	for _, w := range []io.Closer{aOut, aErr} {
		_ = w.Close()
	}
	r.Finished(ok("a", "a says"))
	r.Result(event.Result{Mode: m, ExitCode: 1, Outcomes: []event.Outcome{outcome("a", "a says"), {Job: "b", Err: exitErr(3)}}})
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

type nopWC struct{}

func (nopWC) Write(p []byte) (int, error) { return len(p), nil }
func (nopWC) Close() error                { return nil }

func TestOutputModes(t *testing.T) {
	status := "a: started\nb: started\nb: failed: exit status 3\na: finished\nResult: ['a says', ExitError(3)]\n"
	for _, tt := range []struct {
		mode         Output
		wantOut      string
		wantErr      string
		asCompleted  bool
		wantOutAsCmp string
	}{
		{
			mode:    OutputValue,
			wantOut: status,
			// Live stderr; a failed job's stdout when it ends.
			wantErr: "b | b warns\na | a warns\nb | b says\nb | b again\n",
		},
		{
			mode:    OutputStream,
			wantOut: status,
			// stdout lines live as "NAME > "; nothing dumped again.
			wantErr: "b > b says\nb | b warns\na | a warns\nb > b again\na > a says\n",
		},
		{
			mode:    OutputGroup,
			wantOut: status,
			// Each job's lines in one block when it ends, in the order
			// they were completed (a's partial line at the end).
			wantErr: "b > b says\nb | b warns\nb > b again\na | a warns\na > a says\n",
		},
		{
			mode: OutputRaw,
			// Whole lines, unprefixed, live; status lines stay whole.
			wantOut: "a: started\nb: started\nb says\nb again\nb: failed: exit status 3\na says\na: finished\nResult: ['a says', ExitError(3)]\n",
			wantErr: "b warns\na warns\n",
		},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			out, errOut := outputRun(t, tt.mode, false)
			if out != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tt.wantOut)
			}
			if errOut != tt.wantErr {
				t.Errorf("stderr:\n%s\nwant:\n%s", errOut, tt.wantErr)
			}
		})
	}
}

// In as-completed mode the value still follows the finished line, whatever
// the output mode.
func TestOutputModesKeepValues(t *testing.T) {
	for _, mode := range Outputs {
		out, _ := outputRun(t, mode, true)
		if !strings.Contains(out, "a: finished\na says\n") {
			t.Errorf("%s: the value does not follow the status line:\n%s", mode, out)
		}
	}
}

func TestParseOutput(t *testing.T) {
	for _, s := range []string{"", "value", "stream", "group", "raw"} {
		if _, err := ParseOutput(s); err != nil {
			t.Errorf("ParseOutput(%q): %v", s, err)
		}
	}
	if _, err := ParseOutput("grouped"); err == nil || !strings.Contains(err.Error(), "value, stream, group or raw") {
		t.Errorf("ParseOutput(grouped) = %v", err)
	}
}

// A group bigger than what stays in memory spills to a file and is still
// written whole, in one block.
func TestOutputGroupLarge(t *testing.T) {
	var out, errOut bytes.Buffer
	r := NewText(Streams{Out: &out, Err: &errOut}, Options{Mode: event.Gather, Output: OutputGroup})
	w := r.Stdout("big")
	line := strings.Repeat("x", 1000) + "\n"
	for range 1500 { // 1.5 MB
		_, _ = w.Write([]byte(line))
	}
	_ = w.Close()
	r.Finished(ok("big", ""))
	if got, want := errOut.Len(), 1500*(len("big > ")+len(line)); got != want {
		t.Errorf("group block of %d bytes, want %d", got, want)
	}
	if !strings.HasSuffix(errOut.String(), "x\n") {
		t.Error("the block does not end with its last newline")
	}
}

func TestFanout(t *testing.T) {
	var out1, err1, out2 bytes.Buffer
	main := NewText(Streams{Out: &out1, Err: &err1}, Options{Mode: event.Gather})
	rec := NewRecorder(RecordOptions{Mode: event.Gather, KeepOutput: true})
	second := NewJSON(Streams{Out: &out2, Err: io.Discard}, Options{Mode: event.Gather})
	f := Fanout{main, rec, second}
	f.Started(started("a"))
	w := f.Stderr("a")
	_, _ = w.Write([]byte("to all\n"))
	_ = w.Close()
	if so := f.Stdout("a"); so == nil {
		t.Error("the recorder wants stdout")
	} else {
		_ = so.Close()
	}
	if (Fanout{main}).Stdout("a") != nil {
		t.Error("nobody wants stdout, yet Stdout is not nil")
	}
	f.Retrying(event.Retrying{Job: "a", Attempt: 1, Of: 1, Err: exitErr(1)})
	f.Finished(ok("a", "a"))
	f.Result(event.Result{Mode: event.Gather, Outcomes: []event.Outcome{outcome("a", "a")}})
	if got := out1.String(); got != "a: started\na: retrying (1/1) after failed: exit status 1\na: finished\nResult: ['a']\n" {
		t.Errorf("first member: %q", got)
	}
	if err1.String() != "a | to all\n" {
		t.Errorf("first member's stderr: %q", err1.String())
	}
	if n := strings.Count(out2.String(), "\n"); n != 4 {
		t.Errorf("second member got %d events", n)
	}
	run := rec.Run()
	if len(run.Jobs) != 1 || run.Jobs[0].Stderr.String() != "to all\n" {
		t.Errorf("recorder: %+v", run.Jobs)
	}
}
