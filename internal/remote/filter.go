package remote

import (
	"bytes"
	"io"
)

// RecordMark starts a record of the executor's wrapper: RecordMark, the
// filter's Tag, a payload, a newline. The byte (ASCII unit separator)
// does not occur in text, so a job's output is scanned at memchr speed
// and nothing of it is held back.
const RecordMark = 0x1f

// Limits past which held bytes are not what they looked like: a record
// longer than maxRecord is the job's own text; a diverted line is handed
// on in pieces of maxLine.
const (
	maxRecord = 256
	maxLine   = 4096
)

// Filter is the writer a remote job's standard output or standard error
// is copied into. It passes the job's bytes to Out, unchanged and as they
// come, and takes out what is not the job's:
//
//   - records of the executor's wrapper, anywhere in the stream:
//     RecordMark, Tag, payload, newline; each payload goes to OnRecord;
//   - when Gated, everything before the first record (what a login shell
//     or ssh said before the wrapper started): each line goes to Before,
//     or is dropped when Before is nil;
//   - whole lines that start with one of LinePrefixes (srun's own
//     messages): each goes to OnLine, without its newline.
//
// Only bytes that may begin a record or a diverted line are held until
// they are known not to; a line that ends without a newline is flushed by
// Close. Write never fails, so that the pipe it is copied from keeps
// draining: the first error of Out is kept for Err and nothing more is
// written to Out. Filter is for one goroutine.
type Filter struct {
	Out      io.Writer
	Tag      string
	OnRecord func(payload string)
	Gated    bool
	Before   func(line string)
	// PassAfterOpen, when set with Gated, passes everything after the gate opened
	// straight through, unscanned (standard output, where no record
	// follows the first).
	PassAfterOpen bool
	LinePrefixes  []string
	OnLine        func(line string)

	mode    int
	hold    []byte // bytes that may begin a record or a diverted line
	holdBOL bool   // hold began at the start of a line
	acc     []byte // the record or diverted line being read
	pre     []byte // before the gate opened: the line being read
	open    bool
	started bool
	bol     bool // the job's output is at the start of a line
	out     []byte
	err     error
}

const (
	modePass = iota
	modeRecord
	modeLine
)

func (f *Filter) init() {
	if !f.started {
		f.started = true
		f.bol = true
	}
}

// Write implements io.Writer; it always returns len(p), nil.
func (f *Filter) Write(p []byte) (int, error) {
	f.init()
	n := len(p)
	f.out = f.out[:0]
	for len(p) > 0 {
		if f.open && f.PassAfterOpen && f.mode == modePass && len(f.hold) == 0 {
			f.out = append(f.out, p...)
			break
		}
		if f.mode == modePass && len(f.hold) == 0 && (f.open || !f.Gated) && !(f.bol && len(f.LinePrefixes) > 0) {
			i := f.nextSpecial(p)
			if i < 0 {
				f.out = append(f.out, p...)
				f.bol = p[len(p)-1] == '\n'
				break
			}
			if i > 0 {
				f.out = append(f.out, p[:i]...)
				f.bol = p[i-1] == '\n'
				p = p[i:]
				continue
			}
		}
		f.feed(p[0])
		p = p[1:]
	}
	f.flush()
	return n, nil
}

// nextSpecial is the index of the first byte of p that needs a look: the
// record mark, or (with line prefixes) the byte after a newline; -1 if
// none.
func (f *Filter) nextSpecial(p []byte) int {
	i := bytes.IndexByte(p, RecordMark)
	if len(f.LinePrefixes) == 0 {
		return i
	}
	j := bytes.IndexByte(p, '\n')
	switch {
	case j < 0:
		return i
	case i >= 0 && i < j:
		return i
	}
	// the byte after the newline starts a line: pass the newline itself
	// through first (nextSpecial's caller writes p[:j+1]).
	if j+1 < len(p) {
		return j + 1
	}
	return -1
}

// feed handles one byte, slowly.
func (f *Filter) feed(c byte) {
	switch f.mode {
	case modeRecord:
		if c == '\n' {
			payload := string(f.acc)
			f.acc = f.acc[:0]
			f.mode = modePass
			if !f.open {
				f.open = true
				f.bol = true
			}
			if f.OnRecord != nil {
				f.OnRecord(payload)
			}
			return
		}
		if len(f.acc) >= maxRecord {
			// Not a record after all: the job's own bytes.
			held := append([]byte{RecordMark}, f.Tag...)
			held = append(held, f.acc...)
			f.acc = f.acc[:0]
			f.mode = modePass
			for _, b := range held {
				f.emit(b)
			}
			f.feed(c)
			return
		}
		f.acc = append(f.acc, c)
		return
	case modeLine:
		f.acc = append(f.acc, c)
		if c == '\n' || len(f.acc) >= maxLine {
			line := f.acc
			if c == '\n' {
				line = line[:len(line)-1]
				f.mode = modePass
				f.bol = true
			}
			if f.OnLine != nil {
				f.OnLine(string(line))
			}
			f.acc = f.acc[:0]
		}
		return
	}
	if len(f.hold) == 0 {
		if c != RecordMark && !(f.bol && f.startsLine(c)) {
			f.emit(c)
			return
		}
		f.holdBOL = f.bol
	}
	f.hold = append(f.hold, c)
	rec := f.recordPrefix()
	if len(f.hold) == len(rec) && string(f.hold) == rec {
		f.hold = f.hold[:0]
		f.mode = modeRecord
		return
	}
	maybe := len(f.hold) < len(rec) && rec[:len(f.hold)] == string(f.hold)
	if f.holdBOL {
		for _, p := range f.LinePrefixes {
			if len(f.hold) <= len(p) && p[:len(f.hold)] == string(f.hold) {
				if len(f.hold) == len(p) {
					f.acc = append(f.acc[:0], f.hold...)
					f.hold = f.hold[:0]
					f.mode = modeLine
					return
				}
				maybe = true
			}
		}
	}
	if maybe {
		return
	}
	// Neither: the first held byte is the job's; look at the rest again.
	held := append([]byte(nil), f.hold...)
	f.hold = f.hold[:0]
	f.emit(held[0])
	for _, b := range held[1:] {
		f.feed(b)
	}
}

func (f *Filter) recordPrefix() string { return string(rune(RecordMark)) + f.Tag }

func (f *Filter) startsLine(c byte) bool {
	for _, p := range f.LinePrefixes {
		if p != "" && p[0] == c {
			return true
		}
	}
	return false
}

// emit hands one byte of the job's output on (or, before the gate opens,
// to Before).
func (f *Filter) emit(c byte) {
	if f.Gated && !f.open {
		f.pre = append(f.pre, c)
		if c == '\n' || len(f.pre) >= maxLine {
			f.before()
		}
		return
	}
	f.out = append(f.out, c)
	f.bol = c == '\n'
}

func (f *Filter) before() {
	line := bytes.TrimSuffix(f.pre, []byte{'\n'})
	if f.Before != nil && len(f.pre) > 0 {
		f.Before(string(line))
	}
	f.pre = f.pre[:0]
}

func (f *Filter) flush() {
	if len(f.out) == 0 || f.err != nil {
		f.out = f.out[:0]
		return
	}
	if _, err := f.Out.Write(f.out); err != nil {
		f.err = err
	}
	f.out = f.out[:0]
}

// Close hands on what is held: bytes that began no record after all, a
// diverted line without its newline, the last line before the gate. It
// does not close Out.
func (f *Filter) Close() error {
	f.init()
	f.out = f.out[:0]
	switch f.mode {
	case modeRecord:
		held := append([]byte{RecordMark}, f.Tag...)
		held = append(held, f.acc...)
		f.hold = append(held, f.hold...)
	case modeLine:
		if len(f.acc) > 0 && f.OnLine != nil {
			f.OnLine(string(f.acc))
		}
	}
	f.mode = modePass
	f.acc = f.acc[:0]
	for _, b := range f.hold {
		f.emit(b)
	}
	f.hold = f.hold[:0]
	if len(f.pre) > 0 {
		f.before()
	}
	f.flush()
	return nil
}

// Opened reports whether the gate opened: the wrapper's first record was
// seen.
func (f *Filter) Opened() bool { return f.open }

// Err is the first error writing to Out.
func (f *Filter) Err() error { return f.err }
