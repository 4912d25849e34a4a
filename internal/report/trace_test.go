package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/event"
)

type parsedTrace struct {
	TraceEvents []struct {
		Name  string         `json:"name"`
		Cat   string         `json:"cat"`
		Ph    string         `json:"ph"`
		Ts    float64        `json:"ts"`
		Dur   *float64       `json:"dur"`
		Pid   int            `json:"pid"`
		Tid   int            `json:"tid"`
		Scope string         `json:"s"`
		Args  map[string]any `json:"args"`
	} `json:"traceEvents"`
	DisplayTimeUnit string         `json:"displayTimeUnit"`
	OtherData       map[string]any `json:"otherData"`
}

func TestTrace(t *testing.T) {
	run := sampleRun(t, event.Gather)
	var b bytes.Buffer
	if err := WriteTrace(&b, run); err != nil {
		t.Fatal(err)
	}
	var tr parsedTrace
	if err := json.Unmarshal(b.Bytes(), &tr); err != nil {
		t.Fatalf("the trace is not JSON: %v\n%s", err, b.String())
	}
	if tr.DisplayTimeUnit != "ms" || tr.OtherData["mode"] != "gather" || tr.OtherData["exit_code"] != 1.0 {
		t.Errorf("trace header: %q %v", tr.DisplayTimeUnit, tr.OtherData)
	}
	threads := map[int]string{}
	var complete, instants []string
	for _, e := range tr.TraceEvents {
		if e.Pid != os.Getpid() {
			t.Errorf("event %s: pid %d, want aiorun's", e.Name, e.Pid)
		}
		switch e.Ph {
		case "M":
			if e.Name == "thread_name" {
				threads[e.Tid] = e.Args["name"].(string)
			}
		case "X":
			if threads[e.Tid] != e.Name {
				t.Errorf("attempt of %s on the track of %s", e.Name, threads[e.Tid])
			}
			if e.Dur == nil || *e.Dur < 0 {
				t.Errorf("%s: no duration", e.Name)
			}
			complete = append(complete, e.Name+":"+e.Cat)
			if e.Name == "b" && e.Args["attempt"] == 2.0 {
				if e.Ts != 400000 || *e.Dur != 200000 || e.Args["pid"] != 105.0 || e.Args["exit_status"] != 3.0 ||
					e.Args["exception"] != "ExitError(3)" {
					t.Errorf("b's second attempt: ts %v dur %v args %v", e.Ts, *e.Dur, e.Args)
				}
			}
			if e.Name == "a" && (e.Args["exception"] != nil || e.Args["exit_status"] != 0.0) {
				t.Errorf("a's args %v", e.Args)
			}
			if e.Name == "t" && (e.Args["exit_status"] != nil || e.Args["exception"] != "TimeoutError()") {
				t.Errorf("t's args %v", e.Args)
			}
		case "i":
			if e.Scope != "t" || threads[e.Tid] != e.Args["job"] {
				t.Errorf("instant %s: scope %q on track %q of job %v", e.Name, e.Scope, threads[e.Tid], e.Args["job"])
			}
			instants = append(instants, e.Args["job"].(string)+":"+e.Name)
		default:
			t.Errorf("unexpected phase %q", e.Ph)
		}
	}
	// One complete event per attempt; n never started.
	if got, want := strings.Join(complete, " "), "h:ok a:ok b:failed b:failed t:timeout c:cancelled k:cancelled"; got != want {
		t.Errorf("complete events %q, want %q", got, want)
	}
	if got, want := strings.Join(instants, " "), "b:retry t:SIGTERM t:SIGKILL k:cancelled c:cancelled"; got != want {
		t.Errorf("instant events %q, want %q", got, want)
	}
	if lines := strings.Count(b.String(), "\n"); lines < len(tr.TraceEvents) {
		t.Errorf("want one event per line, got %d lines for %d events", lines, len(tr.TraceEvents))
	}
}

func TestTimeline(t *testing.T) {
	run := sampleRun(t, event.Gather)
	var b bytes.Buffer
	if err := WriteTimeline(&b, run); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	if len(svg) > 12<<10 {
		t.Errorf("the timeline of 7 jobs takes %d bytes", len(svg))
	}
	// Well-formed XML, an <svg> root with a size, and the pieces.
	d := xml.NewDecoder(strings.NewReader(svg))
	var root *xml.StartElement
	counts := map[string]int{}
	fills := map[string]int{}
	var texts []string
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("the timeline is not well-formed: %v", err)
			}
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == nil {
				tt := tok.Copy()
				root = &tt
			}
			counts[tok.Name.Local]++
			for _, a := range tok.Attr {
				if a.Name.Local == "fill" && tok.Name.Local == "rect" {
					fills[a.Value]++
				}
			}
		case xml.CharData:
			texts = append(texts, string(tok))
		}
	}
	if root == nil || root.Name.Local != "svg" || root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root %v", root)
	}
	attrs := map[string]string{}
	for _, a := range root.Attr {
		attrs[a.Name.Local] = a.Value
	}
	if attrs["width"] == "" || attrs["height"] == "" || attrs["viewBox"] == "" {
		t.Errorf("svg size %v", attrs)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"aiorun gather ci/jobs.yaml", "7 jobs in 1.31s", "0", "0.2s", "1.2s",
		"finished", "failed", "timed out", "cancelled", "attempt retried", "SIGTERM sent",
		"not started: failed: needs b: failed: exit status 3", "b, attempt 1: failed: exit status 1"} {
		if !strings.Contains(all, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	// Bars: h a b b t c k = 7, each in its outcome's colour, plus the legend's swatches.
	if fills[tlOK] != 2+1 || fills[tlFailed] != 2+2 || fills[tlTimeout] != 1+1 || fills[tlCancelled] != 2+1 {
		t.Errorf("bar colours %v", fills)
	}
	if counts["path"] != 2+2 { // t's two signals, two legend markers
		t.Errorf("%d markers", counts["path"])
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, "href") {
		t.Error("the timeline must be self-contained")
	}
}

func TestTickStep(t *testing.T) {
	for _, tt := range []struct {
		total time.Duration
		want  time.Duration
		label string
	}{
		{1310 * time.Millisecond, 200 * time.Millisecond, "0.2s"},
		{3 * time.Second, 500 * time.Millisecond, "0.5s"},
		{40 * time.Millisecond, 5 * time.Millisecond, "5ms"},
		{10 * time.Minute, 2 * time.Minute, "2m"},
		{90 * time.Second, 10 * time.Second, "10s"},
		{2 * time.Hour, 15 * time.Minute, "15m"},
	} {
		step := tickStep(tt.total, 9)
		if step != tt.want {
			t.Errorf("tickStep(%s) = %s, want %s", tt.total, step, tt.want)
		}
		if got := fmtTick(step, step); got != tt.label {
			t.Errorf("fmtTick(%s) = %q, want %q", step, got, tt.label)
		}
	}
}

func TestTimings(t *testing.T) {
	run := sampleRun(t, event.Gather)
	var b bytes.Buffer
	if err := WriteTimings(&b, run); err != nil {
		t.Fatal(err)
	}
	want := `job    status                                  duration  exit      attempts
h      finished                                  0.100s  0         1
a      finished                                   1.10s  0         1
b      failed: exit status 3                     0.500s  3         2
t      timed out after 1s                         1.06s  -         1
n      failed: needs b: failed: exit status 3         -  -         0
c      cancelled                                  1.20s  -         1
k      cancelled                                  1.07s  signal 9  1
total  7 jobs                                     1.31s
`
	if got := b.String(); got != want {
		t.Errorf("timings:\n%s\nwant:\n%s", got, want)
	}
}
