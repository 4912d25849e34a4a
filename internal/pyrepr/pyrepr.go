// Package pyrepr writes text the way Python's repr() writes a str, so that
// gather's "Result: [...]" line reads exactly as asyncio's example prints it.
//
// The quote is ' unless the text contains ' and no ", as CPython chooses it.
// Backslash, the quote, \t, \n and \r are escaped; other characters that are
// not printable are written \xNN, \uNNNN or \UNNNNNNNN. Bytes that are not
// valid UTF-8 are written as CPython writes text decoded with
// errors="surrogateescape": \udcNN.
//
// Large values are written in chunks: Quote picks the quote from a scan,
// Append escapes one chunk at a time and hands back an incomplete trailing
// UTF-8 sequence for the next call.
package pyrepr

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// String is repr(s).
func String(s string) string {
	b := []byte(s)
	q := Quote(bytes.IndexByte(b, '\'') >= 0, bytes.IndexByte(b, '"') >= 0)
	out := make([]byte, 0, len(b)+2)
	out = append(out, q)
	out, _ = Append(out, b, q, true)
	return string(append(out, q))
}

// Quote is the quote CPython picks for a str that has single quotes
// (hasSingle) and double quotes (hasDouble) in it.
func Quote(hasSingle, hasDouble bool) byte {
	if hasSingle && !hasDouble {
		return '"'
	}
	return '\''
}

const hexDigits = "0123456789abcdef"

// Append appends src escaped for a repr quoted with q. Unless final is set,
// an incomplete UTF-8 sequence at the end of src is not written but
// returned as rest, to be put in front of the next chunk.
func Append(dst, src []byte, q byte, final bool) (out, rest []byte) {
	for len(src) > 0 {
		// Most text needs no escape: copy a run of it in one append.
		if n := plainRun(src, q); n > 0 {
			dst = append(dst, src[:n]...)
			src = src[n:]
			continue
		}
		c := src[0]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\' || c == q:
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			src = src[1:]
			continue
		}
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			if !final && !utf8.FullRune(src) {
				return dst, src
			}
			dst = append(dst, '\\', 'u', 'd', 'c', hexDigits[c>>4], hexDigits[c&15])
			src = src[1:]
			continue
		}
		if unicode.IsPrint(r) {
			dst = append(dst, src[:size]...)
		} else {
			dst = appendEscapedRune(dst, r)
		}
		src = src[size:]
	}
	return dst, nil
}

// plain marks the ASCII bytes written as they are in any repr: printable,
// neither a quote nor a backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '\\' && c != '\'' && c != '"'
	}
	return t
}()

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun is how many bytes at the start of src need no escape in a repr
// quoted with q: printable ASCII other than '\\' and q. Eight bytes are
// checked at a time: a word is plain when no byte is below 0x20, 0x7f or
// above, '\\' or q.
func plainRun(src []byte, q byte) int {
	bs, bq := uint64('\\')*ones, uint64(q)*ones
	n := 0
	for ; n+8 <= len(src); n += 8 {
		x := binary.LittleEndian.Uint64(src[n:])
		if hasLess(x, 0x20)|hasLess(x^0x7f7f7f7f7f7f7f7f, 1)|x&highs|hasLess(x^bs, 1)|hasLess(x^bq, 1) != 0 {
			break
		}
	}
	for n < len(src) && (plain[src[n]] || src[n] == '"'+'\''-q) {
		n++
	}
	return n
}

// hasLess is not zero when a byte of x is below b (b <= 0x80; a byte of
// x at 0x80 or above may be reported too, which plainRun excludes anyway).
func hasLess(x uint64, b byte) uint64 { return (x - uint64(b)*ones) & ^x & highs }

func appendEscapedRune(dst []byte, r rune) []byte {
	var width int
	switch {
	case r <= 0xff:
		dst, width = append(dst, '\\', 'x'), 2
	case r <= 0xffff:
		dst, width = append(dst, '\\', 'u'), 4
	default:
		dst, width = append(dst, '\\', 'U'), 8
	}
	h := strconv.FormatInt(int64(r), 16)
	for i := len(h); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, h...)
}
