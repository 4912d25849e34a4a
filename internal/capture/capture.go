// Package capture keeps a job's standard output, its value, with bounded
// memory: the first Threshold bytes stay in memory, the rest spills to a
// temporary file that Release removes.
//
// A Buffer is written by one goroutine (the job's stdout reader) and read
// only after the writer is done; it is not safe for concurrent use.
package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// DefaultThreshold is how much of a value stays in memory before it spills
// to a file: 1 MiB, so 1,000 concurrent jobs hold at most ~1 GiB only if
// every one of them writes that much; most values are a line.
const DefaultThreshold = 1 << 20

// Buffer collects a value. The zero value is not usable; use New.
type Buffer struct {
	threshold int
	dir       string // where a spill file goes ("" = os.TempDir())
	mem       []byte
	file      *os.File // the spill file while writing; closed by Value
	spill     string   // the spill file's name, "" while in memory
	closed    bool     // Close was called: the value is complete
	size      int64
	trailing  int64 // how many '\n' end what was written so far
	hasSingle bool
	hasDouble bool
	err       error
}

// New returns a Buffer that spills to a file in dir past threshold bytes.
func New(dir string, threshold int) *Buffer {
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	return &Buffer{threshold: threshold, dir: dir}
}

// Write appends p. A failure to spill is kept and returned by Write and
// Err; the job's output is never silently cut.
func (b *Buffer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.closed {
		return 0, errClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !b.hasSingle && bytes.IndexByte(p, '\'') >= 0 {
		b.hasSingle = true
	}
	if !b.hasDouble && bytes.IndexByte(p, '"') >= 0 {
		b.hasDouble = true
	}
	if n := countTrailingNewlines(p); n == len(p) {
		b.trailing += int64(n)
	} else {
		b.trailing = int64(n)
	}
	b.size += int64(len(p))
	if b.file == nil && len(b.mem)+len(p) <= b.threshold {
		b.mem = append(b.mem, p...)
		return len(p), nil
	}
	if b.file == nil {
		f, err := os.CreateTemp(b.dir, "aiorun-value-*")
		if err != nil {
			b.err = fmt.Errorf("spill value to a file: %w", err)
			return 0, b.err
		}
		b.file, b.spill = f, f.Name()
	}
	if _, err := b.file.Write(p); err != nil {
		b.err = fmt.Errorf("spill value to %s: %w", b.file.Name(), err)
		return 0, b.err
	}
	return len(p), nil
}

// Err is the first write error, if any.
func (b *Buffer) Err() error { return b.err }

func countTrailingNewlines(p []byte) int {
	n := 0
	for i := len(p) - 1; i >= 0 && p[i] == '\n'; i-- {
		n++
	}
	return n
}

// Close ends writing: the spill file's descriptor is closed, so that many
// large values do not hold many descriptors (readers reopen it by name).
// A later Write starts nothing new; it fails.
func (b *Buffer) Close() {
	if b.file != nil {
		if err := b.file.Close(); err != nil && b.err == nil {
			b.err = fmt.Errorf("spill value to %s: %w", b.spill, err)
		}
		b.file = nil
	}
	b.closed = true
}

var errClosed = errors.New("value already complete")

// Value returns the value (the output with trailing newlines removed) as
// it is when read: call it before or after the writing ends, but read it
// only after Close. It is safe to read from several goroutines.
func (b *Buffer) Value() *Value {
	return &Value{buf: b}
}

// Value is a job's value. A nil *Value is the empty value.
type Value struct{ buf *Buffer }

// FromString is a value held in memory (used by fakes and tests).
func FromString(s string) *Value {
	b := New("", len(s)+1)
	_, _ = b.Write([]byte(s))
	return b.Value()
}

// Len is the value's length in bytes, trailing newlines excluded.
func (v *Value) Len() int64 {
	if v == nil || v.buf == nil {
		return 0
	}
	return v.buf.size - v.buf.trailing
}

// Quotes reports whether the value contains ' and ", for pyrepr.Quote.
func (v *Value) Quotes() (single, double bool) {
	if v == nil || v.buf == nil {
		return false, false
	}
	return v.buf.hasSingle, v.buf.hasDouble
}

// Small reports whether the value is held in memory.
func (v *Value) Small() bool { return v == nil || v.buf == nil || v.buf.spill == "" }

// Bytes returns the value when it is held in memory, and nil, false when
// it spilled to a file: then read it with Open.
func (v *Value) Bytes() ([]byte, bool) {
	if v == nil || v.buf == nil {
		return nil, true
	}
	if v.buf.spill != "" {
		return nil, false
	}
	return v.buf.mem[:v.Len()], true
}

// String returns the whole value in memory. Use it where the value is known
// to be small, or is needed whole anyway (an environment variable).
func (v *Value) String() (string, error) {
	if b, ok := v.Bytes(); ok {
		return string(b), nil
	}
	r, err := v.Open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return string(data), err
}

// Open returns a reader of the whole value. Close it when done.
func (v *Value) Open() (io.ReadCloser, error) {
	if b, ok := v.Bytes(); ok {
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	f, err := os.Open(v.buf.spill)
	if err != nil {
		return nil, err
	}
	all := io.MultiReader(bytes.NewReader(v.buf.mem), f)
	return readCloser{io.LimitReader(all, v.Len()), f}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// WriteTo writes the value to w.
func (v *Value) WriteTo(w io.Writer) (int64, error) {
	r, err := v.Open()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return io.Copy(w, r)
}

// Release removes the spill file, if any. The value must not be read
// after. Releasing twice is harmless.
func (v *Value) Release() error {
	if v == nil || v.buf == nil || v.buf.spill == "" {
		return nil
	}
	b := v.buf
	var closeErr error
	if b.file != nil {
		closeErr = b.file.Close()
		b.file = nil
	}
	err := os.Remove(b.spill)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return errors.Join(closeErr, err)
}
