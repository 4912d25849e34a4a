package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/aiorun/aiorun/internal/event"
)

func newTestReporter(errOut io.Writer) *Reporter {
	return NewText(Streams{Out: io.Discard, Err: errOut}, Options{Mode: event.Gather})
}

// writeChunks writes s to w in pieces of random sizes up to max.
func writeChunks(t testing.TB, w io.Writer, s string, rng *rand.Rand, max int) {
	for len(s) > 0 {
		n := min(1+rng.IntN(max), len(s))
		if m, err := w.Write([]byte(s[:n])); m != n || err != nil {
			t.Errorf("Write = %d, %v; want %d, nil", m, err, n)
			return
		}
		s = s[n:]
	}
}

func TestLineWriter(t *testing.T) {
	long := strings.Repeat("x", 150<<10)
	utf := "a" + strings.Repeat("é", 40000) // a 2-byte character straddles 64 KiB
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"lines", []string{"one\ntwo\n"}, "j | one\nj | two\n"},
		{"partial lines joined", []string{"hel", "lo\nwor", "ld", "\n"}, "j | hello\nj | world\n"},
		{"last partial line flushed on Close", []string{"a\nno newline"}, "j | a\nj | no newline\n"},
		{"empty lines", []string{"\n\n", "x\n"}, "j | \nj | \nj | x\n"},
		{"nothing", nil, ""},
		{"CRLF kept", []string{"dos\r\n"}, "j | dos\r\n"},
		{"exactly 64 KiB", []string{strings.Repeat("y", maxLine) + "\n"}, "j | " + strings.Repeat("y", maxLine) + "\n"},
		{"exactly 64 KiB held, then newline", []string{strings.Repeat("y", maxLine), "\n"}, "j | " + strings.Repeat("y", maxLine) + "\n"},
		{"long line split in 64 KiB pieces", []string{long + "\nend\n"},
			"j | " + long[:maxLine] + "\nj | " + long[maxLine:2*maxLine] + "\nj | " + long[2*maxLine:] + "\nj | end\n"},
		{"long line without newline", []string{long},
			"j | " + long[:maxLine] + "\nj | " + long[maxLine:2*maxLine] + "\nj | " + long[2*maxLine:] + "\n"},
		{"long UTF-8 line cut between characters", []string{utf + "\n"},
			"j | " + utf[:maxLine-1] + "\nj | " + utf[maxLine-1:] + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Written as given, and again in random pieces: the same output.
			for chunked := range 2 {
				var errOut bytes.Buffer
				r := newTestReporter(&errOut)
				w := r.Stderr("j")
				if chunked == 0 {
					for _, s := range tt.writes {
						if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
							t.Fatalf("Write = %d, %v", n, err)
						}
					}
				} else {
					writeChunks(t, w, strings.Join(tt.writes, ""), rand.New(rand.NewPCG(3, 4)), 9000)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if got := errOut.String(); got != tt.want {
					t.Errorf("chunked=%d: got %.200q (len %d), want %.200q (len %d)", chunked, got, len(got), tt.want, len(tt.want))
				}
			}
		})
	}

	t.Run("long line pieces are valid UTF-8", func(t *testing.T) {
		var errOut bytes.Buffer
		w := newTestReporter(&errOut).Stderr("j")
		_, _ = w.Write([]byte(strings.Repeat("€", 100000)))
		_ = w.Close()
		var joined strings.Builder
		for line := range strings.Lines(errOut.String()) {
			s := strings.TrimSuffix(strings.TrimPrefix(line, "j | "), "\n")
			if !utf8.ValidString(s) || len(s) > maxLine {
				t.Fatalf("piece of %d bytes, valid %v", len(s), utf8.ValidString(s))
			}
			joined.WriteString(s)
		}
		if joined.String() != strings.Repeat("€", 100000) {
			t.Error("pieces do not join up to the line")
		}
	})

	t.Run("Close twice, Write after Close", func(t *testing.T) {
		var errOut bytes.Buffer
		w := newTestReporter(&errOut).Stderr("j")
		_, _ = w.Write([]byte("x"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("y\n")); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Write after Close: %v", err)
		}
		if got := errOut.String(); got != "j | x\n" {
			t.Errorf("got %q", got)
		}
	})

	t.Run("one Write of many lines is one write to Err", func(t *testing.T) {
		errOut := &failWriter{ok: 1 << 30}
		w := newTestReporter(errOut).Stderr("j")
		_, _ = w.Write([]byte(strings.Repeat("0123456789\n", 3000) + "part"))
		if errOut.writes != 1 {
			t.Errorf("%d writes, want 1", errOut.writes)
		}
	})
}

// TestLineWriterConcurrent: 8 jobs write at once in random pieces; every
// output line is whole, and each job's lines join up to what it wrote.
func TestLineWriterConcurrent(t *testing.T) {
	const jobs = 8
	var errOut bytes.Buffer // written under the reporter's stderr lock only
	r := newTestReporter(&errOut)
	inputs := make([]string, jobs)
	for j := range jobs {
		rng := rand.New(rand.NewPCG(uint64(j), 7))
		var sb strings.Builder
		for i := range 2000 {
			fmt.Fprintf(&sb, "job%d line %d %s\n", j, i, strings.Repeat("z", rng.IntN(300)))
		}
		sb.WriteString("no newline at the end")
		inputs[j] = sb.String()
	}
	var wg sync.WaitGroup
	for j := range jobs {
		wg.Go(func() {
			// Two attempts of the job, each with its own writer.
			half := len(inputs[j]) / 2
			half = strings.IndexByte(inputs[j][half:], '\n') + half + 1
			rng := rand.New(rand.NewPCG(uint64(j), 9))
			for _, part := range []string{inputs[j][:half], inputs[j][half:]} {
				w := r.Stderr(fmt.Sprintf("job%d", j))
				writeChunks(t, w, part, rng, 700)
				_ = w.Close()
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			r.Debugf("debug %d", i)
		}
	})
	wg.Wait()

	got := make([]strings.Builder, jobs)
	debug := 0
	for line := range strings.Lines(errOut.String()) {
		if strings.Contains(line, " aiorun: debug ") {
			debug++
			continue
		}
		var j int
		if _, err := fmt.Sscanf(line, "job%d | ", &j); err != nil || j < 0 || j >= jobs {
			t.Fatalf("line without a job prefix: %.100q", line)
		}
		rest := strings.TrimPrefix(line, fmt.Sprintf("job%d | ", j))
		if !strings.HasPrefix(rest, fmt.Sprintf("job%d ", j)) && !strings.HasPrefix(rest, "no newline") {
			t.Fatalf("line of job%d interleaved: %.100q", j, line)
		}
		got[j].WriteString(rest)
	}
	for j := range jobs {
		if want := inputs[j] + "\n"; got[j].String() != want {
			t.Errorf("job%d: got %d bytes, want %d", j, got[j].Len(), len(want))
		}
	}
	if debug != 200 {
		t.Errorf("%d debug lines, want 200", debug)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestLineWriterErrors(t *testing.T) {
	enospc := errors.New("write /dev/stderr: no space left on device")
	errOut := &failWriter{ok: 1, err: enospc}
	var outErrs []error
	r := NewText(Streams{Out: io.Discard, Err: errOut}, Options{
		Mode:         event.Gather,
		OnWriteError: func(err error) { outErrs = append(outErrs, err) },
	})
	w := r.Stderr("j")
	for i, s := range []string{"first\n", "second\n", "third\npartial"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("write %d = %d, %v; want %d, nil", i, n, err, len(s))
		}
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	r.Debugf("after the failure")
	if err := r.Err(); err != enospc {
		t.Errorf("Err() = %v, want %v", err, enospc)
	}
	if errOut.writes != 2 {
		t.Errorf("%d writes to Err, want 2 (none after the failure)", errOut.writes)
	}
	if got := errOut.buf.String(); got != "j | first\n" {
		t.Errorf("Err got %q", got)
	}
	if len(outErrs) != 0 {
		t.Errorf("OnWriteError called for a stderr error: %v", outErrs)
	}
	// Out still works.
	var out bytes.Buffer
	r = NewText(Streams{Out: &out, Err: &failWriter{err: enospc}}, Options{Mode: event.Gather})
	r.Finished(failed("b", exitErr(3), "its stdout"))
	if out.String() != "b: failed: exit status 3\n" || r.Err() != enospc {
		t.Errorf("out %q, Err() %v", out.String(), r.Err())
	}
}
