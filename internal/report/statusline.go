package report

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aiorun/aiorun/internal/event"
)

// StatusLine is a reporter that keeps one live line at the bottom of the
// terminal while jobs run:
//
//	[2/5 done · 2 running · 1 failed] build 3.2s · test#2 0.4s
//
// (test#2 is the second attempt of test, a retry). It is redrawn in place
// ("\r" ... "\x1b[K") every tick, and erased before
// anything else is printed: every write to aiorun's standard output and
// (when it is the same terminal) standard error goes through Wrap, which
// erases the line first. The line is only drawn when the cursor is at the
// start of a line, so a partly written line is never overwritten, and it is
// cut to the terminal's width so that it never wraps. It is erased for
// good when the Result comes (before the Result line is printed: put the
// StatusLine first in a Fanout) or on Stop.
//
// The caller decides whether to have one: only when standard output is a
// terminal, not in CI, not under --json, not for run (whose output passes
// through unchanged).
type StatusLine struct {
	out   io.Writer  // the terminal: standard output, unwrapped
	width func() int // the terminal's columns; 0 when unknown
	total int
	now   func() time.Time

	mu       sync.Mutex
	drawn    bool // the line is on the screen
	atBOL    bool // the cursor is at the start of a line
	halted   bool // no more drawing
	lastDraw time.Time
	running  []runningJob // in the order they started
	done     int
	failed   int

	quit chan struct{}
	wg   sync.WaitGroup
}

type runningJob struct {
	name    string
	attempt int
	since   time.Time
}

const (
	eraseLine  = "\r\x1b[K"
	redrawWait = 50 * time.Millisecond // after other output, before drawing again at once
)

// NewStatusLine returns a status line drawn on out, a terminal, for a run
// of total jobs. width gives the terminal's width (nil or 0: 80).
func NewStatusLine(out io.Writer, total int, width func() int) *StatusLine {
	return &StatusLine{out: out, width: width, total: total, now: time.Now, atBOL: true, quit: make(chan struct{})}
}

var _ event.Reporter = (*StatusLine)(nil)

// Wrap returns w (standard output or standard error, on the same
// terminal) so that each write first erases the status line.
func (s *StatusLine) Wrap(w io.Writer) io.Writer { return &eraseWriter{s: s, w: w} }

type eraseWriter struct {
	s *StatusLine
	w io.Writer
}

func (e *eraseWriter) Write(p []byte) (int, error) {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eraseLocked()
	n, err := e.w.Write(p)
	if n > 0 {
		s.atBOL = p[n-1] == '\n'
	}
	if s.atBOL && s.now().Sub(s.lastDraw) >= redrawWait {
		s.drawLocked()
	}
	return n, err
}

// Start redraws the line every interval (elapsed times move) until Stop.
func (s *StatusLine) Start(interval time.Duration) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-t.C:
				s.mu.Lock()
				if s.atBOL {
					s.drawLocked()
				}
				s.mu.Unlock()
			}
		}
	}()
}

// Stop erases the line for good and ends the redrawing. It may be called
// more than once.
func (s *StatusLine) Stop() {
	s.halt()
	s.mu.Lock()
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *StatusLine) halt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eraseLocked()
	s.halted = true
}

func (s *StatusLine) eraseLocked() {
	if s.drawn {
		_, _ = io.WriteString(s.out, eraseLine)
		s.drawn = false
	}
}

func (s *StatusLine) drawLocked() {
	if s.halted {
		return
	}
	width := 80
	if s.width != nil {
		if w := s.width(); w > 0 {
			width = w
		}
	}
	line := s.render(width - 1)
	_, _ = io.WriteString(s.out, "\r"+line+"\x1b[K")
	s.drawn = true
	s.lastDraw = s.now()
}

// render is the line's text, at most limit columns (every rune is one
// column: job names are ASCII). Running jobs that do not fit are counted
// ("+3 more").
func (s *StatusLine) render(limit int) string {
	line := "[" + strconv.Itoa(s.done) + "/" + strconv.Itoa(s.total) + " done · " +
		strconv.Itoa(len(s.running)) + " running"
	if s.failed > 0 {
		line += " · " + strconv.Itoa(s.failed) + " failed"
	}
	line += "]"
	now := s.now()
	for i, r := range s.running {
		sep := " · "
		if i == 0 {
			sep = " "
		}
		name := r.name
		if r.attempt > 1 {
			name += "#" + strconv.Itoa(r.attempt) // a retry
		}
		item := sep + name + " " + elapsed(now.Sub(r.since))
		more := ""
		if rest := len(s.running) - i - 1; rest > 0 {
			more = " · +" + strconv.Itoa(rest) + " more"
		}
		if utf8.RuneCountInString(line+item+more) > limit {
			line += sep + "+" + strconv.Itoa(len(s.running)-i) + " more"
			break
		}
		line += item
	}
	if n := utf8.RuneCountInString(line); n > limit {
		if limit <= 1 {
			return ""
		}
		line = string([]rune(line)[:limit-1]) + "…"
	}
	return line
}

// elapsed writes a running time briefly: "0.4s", "12s", "1m05s".
func elapsed(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	}
	d = d.Truncate(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

func (s *StatusLine) remove(job string) {
	for i, r := range s.running {
		if r.name == job {
			s.running = append(s.running[:i], s.running[i+1:]...)
			return
		}
	}
}

func (s *StatusLine) Started(e event.Started) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(e.Job)
	since := e.Time
	if since.IsZero() {
		since = s.now()
	}
	s.running = append(s.running, runningJob{name: e.Job, attempt: e.Attempt, since: since})
}

func (s *StatusLine) Retrying(e event.Retrying) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(e.Job)
}

func (s *StatusLine) Finished(e event.Finished) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(e.Job)
	s.done++
	if e.Err != nil {
		s.failed++
	}
}

// Result erases the line for good, before the Result line is printed.
func (s *StatusLine) Result(event.Result) { s.halt() }

func (s *StatusLine) Stderr(string) io.WriteCloser { return nil }
