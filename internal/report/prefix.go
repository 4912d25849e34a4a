package report

import (
	"bytes"
	"os"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

const (
	// maxLine is the longest line a lineWriter holds: a longer line is
	// written in pieces of at most maxLine bytes, each as its own prefixed
	// line, so that a job writing without newlines cannot grow aiorun's
	// memory. A piece ends on a UTF-8 character boundary where the text
	// is valid UTF-8.
	maxLine = 64 << 10
	// maxBatch is how many bytes of prefixed lines a lineWriter gathers
	// before it writes them. A Write of up to about maxBatch bytes becomes
	// one write to Err; a larger Write becomes several, each of whole lines.
	maxBatch = 256 << 10
)

// lineWriter writes one job attempt's standard error to the reporter's Err,
// each line prefixed with the job's name ("b | message").
//
// Each Write gathers its complete lines, prefixed, in a buffer the writer
// reuses, and writes them in one call under the stderr lock that every
// job's writer and Debugf share: lines of different jobs never interleave
// mid-line. A partial line is held until its newline arrives, or until
// Close, which writes it with a newline added. No byte is dropped, but a
// line longer than maxLine is split (see maxLine).
//
// Write never fails because Err failed: the reporter keeps that error (Err)
// and from then on input is accepted and discarded, so the job's pipe keeps
// draining. A lineWriter is safe for concurrent use.
type lineWriter struct {
	r      *Reporter
	prefix []byte
	// sink writes a batch of whole lines; dead reports that it failed
	// and input is to be discarded. Both default to Err's.
	sink func([]byte)
	dead *atomic.Bool

	mu     sync.Mutex
	part   []byte // the held partial line, at most maxLine bytes
	batch  []byte // prefixed complete lines waiting to be written
	closed bool
}

func newLineWriter(r *Reporter, prefix []byte) *lineWriter {
	return &lineWriter{r: r, prefix: prefix, sink: r.writeErr, dead: &r.errDead}
}

// Write writes p's complete lines and holds a trailing partial line. It
// returns len(p), nil, or os.ErrClosed after Close.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, os.ErrClosed
	}
	n := len(p)
	if w.dead.Load() {
		return n, nil
	}
	if len(w.part) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.hold(p)
			p = nil
		} else {
			w.endLine(p[:i])
			p = p[i+1:]
		}
	}
	// The common case, lines up to maxLine, works on locals only.
	b, prefix := w.batch, w.prefix
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		if i > maxLine {
			w.batch = b
			w.endLine(p[:i])
			b = w.batch
		} else {
			b = append(b, prefix...)
			b = append(b, p[:i+1]...)
			if len(b) >= maxBatch {
				w.batch = b
				w.flush()
				b = w.batch
			}
		}
		p = p[i+1:]
	}
	w.batch = b
	w.hold(p)
	w.flush()
	return n, nil
}

// Close writes a held partial line, with a newline added. It always
// returns nil: an error writing to Err is the reporter's (Err).
func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if len(w.part) > 0 {
		w.add(w.part)
	}
	w.flush()
	w.part, w.batch = nil, nil
	return nil
}

// hold appends p, which has no newline, to the partial line, first writing
// maxLine-sized pieces while the line would grow past maxLine.
func (w *lineWriter) hold(p []byte) {
	for len(w.part)+len(p) > maxLine {
		need := maxLine - len(w.part)
		w.part = append(w.part, p[:need]...)
		p = p[need:]
		cut := runeCut(w.part)
		w.add(w.part[:cut])
		w.part = append(w.part[:0], w.part[cut:]...)
	}
	w.part = append(w.part, p...)
}

// endLine ends the held partial line with p, its last part (no newline).
func (w *lineWriter) endLine(p []byte) {
	w.hold(p)
	w.add(w.part)
	w.part = w.part[:0]
}

// add appends one prefixed line, line being its text without the newline.
func (w *lineWriter) add(line []byte) {
	w.batch = append(w.batch, w.prefix...)
	w.batch = append(w.batch, line...)
	w.batch = append(w.batch, '\n')
	if len(w.batch) >= maxBatch {
		w.flush()
	}
}

// flush writes the gathered lines to Err in one write.
func (w *lineWriter) flush() {
	if len(w.batch) > 0 {
		w.sink(w.batch)
		w.batch = w.batch[:0]
	}
}

// runeCut is where to end a piece of a long line: len(b), or before a UTF-8
// sequence that b's end would cut in two.
func runeCut(b []byte) int {
	for j := len(b) - 1; j > 0 && j >= len(b)-utf8.UTFMax+1; j-- {
		if utf8.RuneStart(b[j]) {
			if !utf8.FullRune(b[j:]) {
				return j
			}
			break
		}
	}
	return len(b)
}
