package jobfile

import (
	"bytes"
	"fmt"
	"sort"
	"unicode/utf8"
)

// bom is the UTF-8 byte-order mark, which yaml.v3 skips at the start.
const bom = "\xef\xbb\xbf"

// lineIndex maps byte offsets of a job file to 1-based positions counted
// as yaml.v3 counts them, so that positions computed here and positions
// of yaml.Nodes agree: a line ends at LF, CR LF, a lone CR, NEL (U+0085),
// LS (U+2028) or PS (U+2029); a column counts characters, not bytes; a
// leading byte-order mark takes no column. Offsets are int32: a job file
// is at most maxSize bytes.
type lineIndex struct {
	data   []byte
	starts []int32 // byte offset of each line's first byte; starts[0] == 0
}

func newLineIndex(data []byte) *lineIndex {
	breaks := 0
	for i := 0; i < len(data); i += max(breakLen(data, i), 1) {
		if breakLen(data, i) > 0 {
			breaks++
		}
	}
	x := &lineIndex{data: data, starts: make([]int32, 1, breaks+1)}
	for i := 0; i < len(data); {
		n := breakLen(data, i)
		if n == 0 {
			i++
			continue
		}
		i += n
		x.starts = append(x.starts, int32(i))
	}
	return x
}

// posAt is the position of the byte at offset off of data, found without
// an index, for a single position.
func posAt(data []byte, off int) Pos {
	line, start := 1, 0
	for i := 0; i < off; {
		n := breakLen(data, i)
		if n == 0 {
			i++
			continue
		}
		i += n
		if i > off {
			break // off is inside a CR LF
		}
		line, start = line+1, i
	}
	return Pos{Line: line, Col: column(data, start, off)}
}

// column is the 1-based column of offset off on the line that starts at
// offset start.
func column(data []byte, start, off int) int {
	if start == 0 && bytes.HasPrefix(data, []byte(bom)) && off >= len(bom) {
		start = len(bom)
	}
	return 1 + utf8.RuneCount(data[start:off])
}

// breakLen is the length of the line break at data[i], or 0.
func breakLen(data []byte, i int) int {
	switch b := data[i]; {
	case b == '\n':
		return 1
	case b == '\r':
		if i+1 < len(data) && data[i+1] == '\n' {
			return 2
		}
		return 1
	case b == 0xc2 && i+1 < len(data) && data[i+1] == 0x85:
		return 2
	case b == 0xe2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xa8 || data[i+2] == 0xa9):
		return 3
	}
	return 0
}

// lines is the number of lines, counting an unterminated last line and
// the empty line after a final line break.
func (x *lineIndex) lines() int { return len(x.starts) }

// lineStart is the offset of the first byte of 1-based line n, or the
// length of the data for the line after the last.
func (x *lineIndex) lineStart(n int) int {
	if n > len(x.starts) {
		return len(x.data)
	}
	return int(x.starts[n-1])
}

// lineEnd is the offset of the line break that ends 1-based line n (the
// length of the data when none does).
func (x *lineIndex) lineEnd(n int) int {
	end := x.lineStart(n + 1)
	for i := x.lineStart(n); i < end; i++ {
		if breakLen(x.data, i) > 0 {
			return i
		}
	}
	return end
}

// pos is the position of the byte at offset off (at most len(data)).
func (x *lineIndex) pos(off int) Pos {
	line := sort.Search(len(x.starts), func(i int) bool { return int(x.starts[i]) > off }) // starts[line-1] <= off
	return Pos{Line: line, Col: column(x.data, int(x.starts[line-1]), off)}
}

// checkText finds the first character yaml.v3 would refuse: a byte that
// is not UTF-8, a NUL, or a control character outside tab, LF and CR
// (YAML's printable set). It returns the character's offset and a
// message, or ok true.
func checkText(data []byte) (off int, msg string, ok bool) {
	start := 0
	if bytes.HasPrefix(data, []byte(bom)) {
		start = len(bom)
	}
	for i := start; i < len(data); {
		b := data[i]
		if b >= 0x20 && b < 0x7f || b == '\n' || b == '\r' || b == '\t' {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			if i == 0 && (bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff"))) {
				return i, msgUTF16, false
			}
			return i, fmt.Sprintf(msgInvalidUTF8, b), false
		case r == 0:
			return i, msgNUL, false
		case !printable(r):
			return i, fmt.Sprintf(msgControl, r), false
		}
		i += size
	}
	return 0, "", true
}

// printable reports whether YAML allows r in a stream (YAML 1.1 c-printable,
// the set yaml.v3's reader enforces), for r outside printable ASCII.
func printable(r rune) bool {
	return r == 0x85 ||
		r >= 0xa0 && r <= 0xd7ff ||
		r >= 0xe000 && r <= 0xfffd ||
		r >= 0x10000 && r <= 0x10ffff
}
