package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		name    string
		events  []any
		want    string
		wantErr string
	}{
		{
			name:   "started",
			events: []any{event.Started{Job: "a", Time: t0, Attempt: 1}},
			want:   `{"event":"started","job":"a","time":"2026-11-25T10:00:00.000Z"}`,
		},
		{
			name: "started with pid, host, needs, attempt; time in UTC, milliseconds truncated",
			events: []any{event.Started{Job: "t", Pid: 4242, Host: "build1", Needs: []string{"a", "b"}, Attempt: 2,
				Time: time.Date(2026, 11, 25, 11, 0, 0, 123987654, time.FixedZone("CET", 3600))}},
			want: `{"event":"started","job":"t","pid":4242,"host":"build1","needs":["a","b"],"attempt":2,"time":"2026-11-25T10:00:00.123Z"}`,
		},
		{
			name:   "finished ok",
			events: []any{event.Finished{Job: "a", Value: val("a"), Duration: 2003 * time.Millisecond, Time: at(2003), Selected: true}},
			want:   `{"event":"finished","job":"a","status":"ok","exit_code":0,"duration_s":2.003,"value":"a","time":"2026-11-25T10:00:02.003Z"}`,
		},
		{
			name: "finished failed; its stdout also goes to stderr",
			events: []any{event.Finished{Job: "b", Value: val("half\n"), Err: exitErr(3),
				Duration: 200*time.Millisecond + 400*time.Microsecond, Time: at(200), Selected: true}},
			want:    `{"event":"finished","job":"b","status":"failed","exit_code":3,"error":"ExitError(3)","duration_s":0.2,"value":"half","time":"2026-11-25T10:00:00.200Z"}`,
			wantErr: "b | half\n",
		},
		{
			name:   "finished timeout, with host",
			events: []any{event.Finished{Job: "c", Err: timeout1s, Duration: 1000600 * time.Microsecond, Host: "build2", Time: at(1001)}},
			want:   `{"event":"finished","job":"c","status":"timeout","exit_code":124,"error":"TimeoutError()","duration_s":1.001,"value":"","host":"build2","time":"2026-11-25T10:00:01.001Z"}`,
		},
		{
			name:   "finished cancelled, never started",
			events: []any{event.Finished{Job: "d", Err: failFast, Time: t0}},
			want:   `{"event":"finished","job":"d","status":"cancelled","exit_code":130,"error":"CancelledError()","duration_s":0.0,"value":"","time":"2026-11-25T10:00:00.000Z"}`,
		},
		{
			name:   "finished: needs a failed job",
			events: []any{event.Finished{Job: "e", Err: &exception.NeedsError{Need: "c", Err: timeout1s}, Time: t0}},
			want:   `{"event":"finished","job":"e","status":"failed","exit_code":124,"error":"TimeoutError()","duration_s":0.0,"value":"","time":"2026-11-25T10:00:00.000Z"}`,
		},
		{
			name:    "finished: escaped value and error",
			events:  []any{event.Finished{Job: "f", Err: &exception.ConnectionError{Host: "h", Msg: `say "hi"`}, Value: val("<tab>\t"), Time: t0}},
			want:    `{"event":"finished","job":"f","status":"failed","exit_code":255,"error":"ConnectionError('h: say \"hi\"')","duration_s":0.0,"value":"<tab>\t","time":"2026-11-25T10:00:00.000Z"}`,
			wantErr: "f | <tab>\t\n",
		},
		{
			name:   "retry",
			events: []any{event.Retrying{Job: "a", Attempt: 1, Of: 3, Delay: time.Second, Err: exitErr(1), Time: t0}},
			want:   `{"event":"retry","job":"a","attempt":1,"of":3,"delay_s":1.0,"error":"ExitError(1)","time":"2026-11-25T10:00:00.000Z"}`,
		},
		{
			name: "result, SPEC's example",
			events: []any{event.Result{Mode: event.Gather, ExitCode: 3,
				Outcomes: []event.Outcome{outcome("a", "a"), {Job: "b", Err: exitErr(3)}}}},
			want: `{"event":"result","mode":"gather","values":["a",{"error":"ExitError(3)"}],"exit_code":3}`,
		},
		{
			name: "result with the command's error",
			events: []any{event.Result{Mode: event.AsCompleted, ExitCode: 3, Err: &exception.Group{
				Jobs: []string{"b"}, Errs: []exception.Exception{&exception.ExitError{Code: 3}}},
				Outcomes: []event.Outcome{{Job: "b", Err: exitErr(3)}, outcome("a", "two\nlines \"q\"")}}},
			want: `{"event":"result","mode":"as-completed","values":[{"error":"ExitError(3)"},"two\nlines \"q\""],"exit_code":3,"error":"b: exit status 3"}`,
		},
		{
			name:   "result with no values",
			events: []any{event.Result{Mode: event.Run, ExitCode: 124, Err: errors.New("TimeoutError: 1 of 1 jobs not done after 1s")}},
			want:   `{"event":"result","mode":"run","values":[],"exit_code":124,"error":"TimeoutError: 1 of 1 jobs not done after 1s"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			r := NewJSON(Streams{Out: &out, Err: &errOut}, Options{Mode: event.Gather, Color: true})
			feed(r, tt.events)
			if got := out.String(); got != tt.want+"\n" {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
			if got := errOut.String(); got != tt.wantErr {
				t.Errorf("stderr: got %q want %q", got, tt.wantErr)
			}
			checkJSONLines(t, out.String())
		})
	}
}

// checkJSONLines checks that every line of s is one JSON object.
func checkJSONLines(t *testing.T, s string) {
	t.Helper()
	for line := range strings.Lines(s) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not a JSON object: %v: %.200s", err, line)
		}
	}
}

// stdJSON is s as encoding/json writes it without HTML escaping.
func stdJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	alphabet := []string{"a", " ", "\"", "\\", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "<", "&",
		"é", "€", "😀", "\u2028", "\u2029", "\ufffd", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf0\x9f"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var sb strings.Builder
		for range rng.IntN(20) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := sb.String()
		want := stdJSON(t, s)
		if got := string(appendJSONString(nil, s)); got != want {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
		// Every split into two chunks gives the same text.
		for cut := 0; cut <= len(s); cut++ {
			out, rest := appendJSON([]byte{'"'}, []byte(s[:cut]), false)
			next := append(append([]byte(nil), rest...), s[cut:]...)
			out, rest = appendJSON(out, next, true)
			if got := string(append(out, '"')); got != want || rest != nil {
				t.Fatalf("appendJSON(%q) split at %d = %s, want %s", s, cut, got, want)
			}
		}
	}
}

func TestAppendSeconds(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.0"},
		{time.Second, "1.0"},
		{2003 * time.Millisecond, "2.003"},
		{200 * time.Millisecond, "0.2"},
		{1500 * time.Microsecond, "0.002"},
		{1499 * time.Microsecond, "0.001"},
		{90 * time.Second, "90.0"},
		{10 * time.Millisecond, "0.01"},
		{-1500 * time.Millisecond, "-1.5"},
	} {
		if got := string(appendSeconds(nil, tt.d)); got != tt.want {
			t.Errorf("appendSeconds(%v) = %s, want %s", tt.d, got, tt.want)
		}
	}
}

func TestJSONZeroTimeIsNow(t *testing.T) {
	var out bytes.Buffer
	r := NewJSON(Streams{Out: &out, Err: &bytes.Buffer{}}, Options{Mode: event.Gather})
	before := time.Now().Truncate(time.Millisecond)
	r.Started(event.Started{Job: "a"})
	var e struct{ Time time.Time }
	if err := json.Unmarshal(out.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if e.Time.Before(before) || e.Time.After(time.Now()) || e.Time.Location() != time.UTC {
		t.Errorf("time %v, want now in UTC", e.Time)
	}
}
