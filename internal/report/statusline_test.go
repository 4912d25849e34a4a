package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/event"
)

// newTestStatusLine is a status line on a fake terminal of width columns,
// with a settable clock.
func newTestStatusLine(total, width int) (*StatusLine, *bytes.Buffer, *clock) {
	var term bytes.Buffer
	clk := &clock{t: t0}
	s := NewStatusLine(&term, total, func() int { return width })
	s.now = clk.now
	return s, &term, clk
}

func TestStatusLineRender(t *testing.T) {
	s, _, clk := newTestStatusLine(5, 80)
	s.Started(event.Started{Job: "build", Time: t0, Attempt: 1})
	s.Started(event.Started{Job: "lint", Time: at(500), Attempt: 1})
	s.Started(event.Started{Job: "test", Time: at(900), Attempt: 1})
	s.Finished(event.Finished{Job: "lint", Err: exitErr(1)})
	clk.t = at(3200)
	for _, tt := range []struct {
		width int
		want  string
	}{
		{80, "[1/5 done · 2 running · 1 failed] build 3.2s · test 2.3s"},
		{54, "[1/5 done · 2 running · 1 failed] build 3.2s · +1 more"},
		{50, "[1/5 done · 2 running · 1 failed] +2 more"},
		{40, "[1/5 done · 2 running · 1 failed] +2 mo…"},
		{20, "[1/5 done · 2 runni…"},
	} {
		if got := s.render(tt.width); got != tt.want {
			t.Errorf("width %d: %q, want %q", tt.width, got, tt.want)
		}
		if n := len([]rune(s.render(tt.width))); n > tt.width {
			t.Errorf("width %d: %d columns", tt.width, n)
		}
	}
	clk.t = at(75 * 1000)
	if got := s.render(200); !strings.Contains(got, "build 1m15s · test 1m14s") {
		t.Errorf("long elapsed: %q", got)
	}
	// A retrying job is not running until its next attempt starts, which
	// is marked.
	s.Retrying(event.Retrying{Job: "test", Attempt: 1, Of: 2})
	if got := s.render(200); got != "[1/5 done · 1 running · 1 failed] build 1m15s" {
		t.Errorf("after retrying: %q", got)
	}
	s.Started(event.Started{Job: "test", Time: at(75 * 1000), Attempt: 2})
	if got := s.render(200); got != "[1/5 done · 2 running · 1 failed] build 1m15s · test#2 0.0s" {
		t.Errorf("the retry: %q", got)
	}
}

func TestStatusLineErasesBeforeOutput(t *testing.T) {
	s, term, clk := newTestStatusLine(2, 60)
	out := s.Wrap(term)
	s.Started(event.Started{Job: "a", Time: t0, Attempt: 1})
	s.mu.Lock()
	s.drawLocked()
	s.mu.Unlock()
	if got := term.String(); got != "\r[0/2 done · 1 running] a 0.0s\x1b[K" {
		t.Fatalf("drawn: %q", got)
	}
	term.Reset()
	// Output erases the line first. Right after a draw the line is not
	// drawn again at once (that waits redrawWait): the ticker will.
	_, _ = out.Write([]byte("a: started\n"))
	if got := term.String(); got != "\r\x1b[K"+"a: started\n" {
		t.Errorf("after output: %q", got)
	}
	term.Reset()
	// A partial line: the status line must not be drawn over it.
	clk.t = at(1000)
	_, _ = out.Write([]byte("partial"))
	s.mu.Lock()
	if s.atBOL {
		t.Error("after a partial line the cursor is not at the start of a line")
	}
	s.mu.Unlock()
	_, _ = out.Write([]byte(" line\n"))
	if got := term.String(); got != "partial line\n\r[0/2 done · 1 running] a 1.0s\x1b[K" {
		t.Errorf("after the partial line: %q", got)
	}
	term.Reset()
	// The Result erases it for good.
	s.Result(event.Result{})
	_, _ = out.Write([]byte("Result: ['a']\n"))
	s.Stop()
	if got := term.String(); got != "\r\x1b[K"+"Result: ['a']\n" {
		t.Errorf("at the end: %q", got)
	}
}

func TestStatusLineTicks(t *testing.T) {
	var mu sync.Mutex
	var term bytes.Buffer
	s := NewStatusLine(lockedWriter{&mu, &term}, 1, nil)
	s.Started(event.Started{Job: "slow", Time: time.Now(), Attempt: 1})
	s.Start(5 * time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := strings.Count(term.String(), "\r[0/1 done · 1 running] slow ")
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the status line is not redrawn")
		}
		time.Sleep(time.Millisecond)
	}
	s.Stop()
	s.Stop()
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasSuffix(term.String(), "\x1b[K\r\x1b[K") {
		t.Errorf("Stop did not erase the line: %q", term.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
