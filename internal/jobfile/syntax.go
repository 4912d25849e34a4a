package jobfile

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Locating a syntax error.
//
// yaml.v3 reports a syntax error as "yaml: line N: message", without a
// column, and N is often not the line of the mistake. libyaml keeps two
// marks, the problem (where parsing failed) and the context (where the
// construct being parsed began, e.g. the enclosing block mapping), and
// yaml.v3 prints the context's line when the context is past the first
// line, else the problem's line; for parser errors (as opposed to scanner
// errors) it prints that 0-based line as is, one line early.
//
// The parser reads the file as a stream and fails at the first token that
// cannot continue the document, so the mistake is where a prefix of the
// file starts to fail with the same error. syntaxError finds the shortest
// prefix that reproduces yaml.v3's error text exactly (message and
// reported line): a search over lines, then over the characters of the
// line found. The last character of that prefix is the one a person would
// point at: the tab that cannot indent, the second ':' of
// "key: value: other", the "-" of a stray sequence item, the key that is
// indented wrongly, the opening quote of an unclosed string. Two cases are
// moved afterwards:
//   - an unclosed flow collection ("needs: [a, b" with no "]") fails, once
//     the input ends, after its first entry; its opening bracket is reported;
//   - an unknown alias ("*nope") fails at its last character; its "*" is
//     reported.
//
// The search starts from an upper bound: the whole file is parsed once
// more, fed to yaml.v3 one byte per Read, and the bytes it had read when
// it failed are a prefix that fails the same way (the parser never saw the
// rest). That is usually a line or two past the mistake; the search walks
// back from there, doubling its steps, then bisects.
//
// Every prefix is parsed behind an added comment line: with it no context
// is on the first line, so yaml.v3 always prints the context's line when
// there is a context, and the text of the error does not depend on where
// the prefix ends (a problem found at the end of the input would otherwise
// move with it).
//
// The search re-parses up to searchBudget bytes: for a file of 20,000 jobs
// that is no limit; for a file of several MiB it can be. Past it, the error
// is placed on the line found so far (at the last, the line where yaml.v3
// stopped reading), at its first character that is not a space.

// searchBudget bounds the bytes re-parsed to locate one syntax error.
const searchBudget = 64 << 20

// shiftLine is the comment line put before every parsed prefix.
const shiftLine = "#\n"

// syntaxError is err, yaml.v3's syntax error for data, as an *Error at the
// mistake's position, found re-parsing at most budget bytes.
func syntaxError(name string, data []byte, err error, budget int) *Error {
	l := &locator{data: data, lines: newLineIndex(data), budget: budget}
	if bytes.HasPrefix(data, []byte(bom)) {
		l.bom = len(bom)
	}
	end := l.probe()
	if l.want == "" {
		return newError(name, Pos{Line: 1, Col: 1}, nil, "%s", yamlMessage(err.Error()))
	}
	msg := yamlMessage(l.want)
	off, found := l.search(l.failsWith(""), end)
	if !found {
		return newError(name, l.lines.pos(off), nil, "%s", msg)
	}
	off = l.adjust(off, msg)
	return newError(name, l.lines.pos(off), nil, "%s%s", msg, syntaxHint(msg, data, off))
}

// locator searches for the shortest prefix of data that fails as the whole
// does.
type locator struct {
	data   []byte
	lines  *lineIndex
	bom    int    // length of a leading byte-order mark
	want   string // the error text of the whole data, comment line added
	budget int    // bytes that may still be parsed
	buf    []byte // the prefix being parsed
}

// shifted is data[:cut] followed by extra, with the comment line added.
func (l *locator) shifted(cut int, extra string) []byte {
	cut = max(cut, l.bom)
	l.buf = append(l.buf[:0], l.data[:l.bom]...)
	l.buf = append(l.buf, shiftLine...)
	l.buf = append(l.buf, l.data[l.bom:cut]...)
	l.buf = append(l.buf, extra...)
	l.budget -= len(l.buf)
	return l.buf
}

// probe parses the whole data, sets want to its error text and returns
// the offset in data up to which yaml.v3 had read when it failed.
func (l *locator) probe() int {
	r := &byteReader{data: l.shifted(len(l.data), "")}
	if _, _, err := decodeDocuments(r); err != nil {
		l.want = err.Error()
	}
	return min(max(r.n-len(shiftLine), l.bom), len(l.data))
}

// byteReader hands out its data one byte per Read, so that n tells how
// far the reader's user has read.
type byteReader struct {
	data []byte
	n    int
}

func (r *byteReader) Read(p []byte) (int, error) {
	if r.n == len(r.data) {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.data[r.n]
	r.n++
	return 1, nil
}

// errorText is the text of the error yaml.v3 reports for data[:cut]
// followed by extra, with the comment line added, or "" when it parses.
func (l *locator) errorText(cut int, extra string) string {
	if _, _, err := decodeDocuments(bytes.NewReader(l.shifted(cut, extra))); err != nil {
		return err.Error()
	}
	return ""
}

// failsWith returns a test of whether data[:cut], followed by extra,
// fails as the whole data does.
func (l *locator) failsWith(extra string) func(cut int) bool {
	return func(cut int) bool { return l.errorText(cut, extra) == l.want }
}

// search returns the offset of the last character of the shortest prefix
// of data that fails, given that every prefix of end bytes or more fails:
// the line first, walking back from end's line, then the character. When
// the budget runs out it returns false and the start of the line found so
// far (its first character that is not a space).
func (l *locator) search(fails func(cut int) bool, end int) (int, bool) {
	after := func(k int) int { return l.lines.lineStart(k + 1) } // the cut after line k
	// Invariant: the first lo lines do not fail (or lo is 0); the first hi
	// lines do.
	hi := l.lines.pos(max(end-1, 0)).Line
	lo := 0
	for step := 1; hi-step > 0; step *= 2 {
		if l.budget <= 0 {
			return l.lineStart(hi), false
		}
		if !fails(after(hi - step)) {
			lo = hi - step
			break
		}
		hi -= step
	}
	for hi-lo > 1 {
		if l.budget <= 0 {
			return l.lineStart(hi), false
		}
		mid := lo + (hi-lo)/2
		if fails(after(mid)) {
			hi = mid
		} else {
			lo = mid
		}
	}
	// The cuts inside line hi: after each character, then after its break.
	start, stop := after(hi-1), l.lines.lineEnd(hi)
	clo, chi := start, after(hi) // cutting at clo does not fail; at chi it does
	for {
		mid := l.cutBetween(clo, chi, stop)
		if mid < 0 {
			break
		}
		if l.budget <= 0 {
			return l.lineStart(hi), false
		}
		if fails(mid) {
			chi = mid
		} else {
			clo = mid
		}
	}
	if chi > stop {
		return stop, true // the line break itself
	}
	_, size := utf8.DecodeLastRune(l.data[start:chi])
	return chi - size, true
}

// cutBetween returns a cut strictly between lo and hi, near the middle:
// the start of a character, at most stop (the line's break). It returns -1
// when there is none.
func (l *locator) cutBetween(lo, hi, stop int) int {
	m := min(lo+(hi-lo)/2, stop)
	for m > lo && !utf8.RuneStart(l.data[m]) {
		m--
	}
	if m > lo {
		return m
	}
	for m = lo + 1; m < hi && m <= stop; m++ {
		if utf8.RuneStart(l.data[m]) {
			return m
		}
	}
	return -1
}

// lineStart is the offset of the first character of 1-based line n that
// is not a space (or of its end).
func (l *locator) lineStart(n int) int {
	off, end := l.lines.lineStart(n), l.lines.lineEnd(n)
	for off < end && l.data[off] == ' ' {
		off++
	}
	return off
}

// adjust moves the offset found by search for the mistakes that fail
// after the character to point at (see the comment at the top).
func (l *locator) adjust(off int, msg string) int {
	switch {
	case msg == "did not find expected ',' or ']'" || msg == "did not find expected ',' or '}'":
		return l.adjustFlow(off, msg[len(msg)-2:len(msg)-1])
	case msg == "mapping values are not allowed in this context":
		// "key: value: other" fails at the second ':', which is the
		// mistake. A key indented deeper than its siblings continues the
		// value above it and fails at its ':' too; its start is the mistake.
		start := l.lines.lineStart(l.lines.pos(off).Line)
		if !bytes.Contains(l.data[start:off], []byte(": ")) {
			return start + len(l.data[start:off]) - len(bytes.TrimLeft(l.data[start:off], " "))
		}
	case strings.HasPrefix(msg, "unknown anchor "):
		for i := off; i >= 0 && l.data[i] != '\n'; i-- {
			if l.data[i] == '*' {
				return i
			}
		}
	}
	return off
}

// adjustFlow places an error about a flow collection that search found at
// off, the end of the collection's first entry (what the error looks like
// when the input ends there). The mistake is a wrong token inside the
// collection when the collection still fails with its closer added at the
// end of the file, at the token where it starts to fail so, and the token
// is a closing bracket (the wrong one) or on the line of the opening
// bracket. Otherwise the collection was left open and the block lines
// that follow were read as its content: the opening bracket is the place
// to point at.
func (l *locator) adjustFlow(off int, closer string) int {
	open := unclosedBracket(l.data[:off+1])
	if l.budget <= 0 || open < 0 {
		return off
	}
	if l.errorText(len(l.data), closer) != l.want {
		return open
	}
	wrong, ok := l.search(l.failsWith(closer), len(l.data))
	if ok && wrong < len(l.data) && (l.data[wrong] == ']' || l.data[wrong] == '}' ||
		l.lines.pos(wrong).Line == l.lines.pos(open).Line) {
		return wrong
	}
	return open
}

// unclosedBracket is the offset of the last "[" or "{" of text that is not
// closed within text, or -1. It does not know about quotes, which is good
// enough for the few characters between a bracket and its first entry.
func unclosedBracket(text []byte) int {
	depth := 0
	for i := len(text) - 1; i >= 0; i-- {
		switch text[i] {
		case ']', '}':
			depth++
		case '[', '{':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// syntaxHint is advice for the commonest mistakes, found by the
// character at off.
func syntaxHint(msg string, data []byte, off int) string {
	if off >= len(data) {
		return ""
	}
	switch c := data[off]; {
	case msg == "found character that cannot start any token" && c == '\t':
		return " (a tab: indent with spaces)"
	case msg == "found character that cannot start any token" && (c == '@' || c == '`'):
		return " (quote a value that starts with @ or `)"
	case msg == "mapping values are not allowed in this context" && c == ':':
		return ` (quote a value that contains ": ")`
	case msg == "mapping values are not allowed in this context":
		return " (is this key indented too far?)"
	case strings.HasPrefix(msg, "did not find expected ',' or ") && (c == '[' || c == '{'):
		return " (is this " + string(c) + " closed?)"
	}
	return ""
}

// yamlMessage is yaml.v3's error text without "yaml: " and "line N: ".
func yamlMessage(text string) string {
	text = strings.TrimPrefix(text, "yaml: ")
	if rest, ok := strings.CutPrefix(text, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if _, err := strconv.Atoi(rest[:i]); err == nil {
				return rest[i+2:]
			}
		}
	}
	return text
}
