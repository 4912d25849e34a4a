package pyrepr

import "testing"

// Expected values are what CPython 3.11 prints for repr(s).
func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a", `'a'`},
		{"", `''`},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`it's "x"`, `'it\'s "x"'`},
		{"two\nlines", `'two\nlines'`},
		{"tab\there\r", `'tab\there\r'`},
		{`back\slash`, `'back\\slash'`},
		{"\x00\x1b\x7f", `'\x00\x1b\x7f'`},
		{"héllo wörld ✓ 日本", `'héllo wörld ✓ 日本'`},
		{"\u0085\u00a0", `'\x85\xa0'`},
		{"\u200b\u2028", `'\u200b\u2028'`},
		{"\U000e0001", `'\U000e0001'`},
		{"😀", `'😀'`},
		{"bad\xffbyte", `'bad\udcffbyte'`},
		{"\xe2\x82", `'\udce2\udc82'`},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestAppendChunksMatchWhole(t *testing.T) {
	s := []byte("日本語 it's\nfine ✓ \xff end")
	want := String(string(s))
	for split := 0; split <= len(s); split++ {
		out := []byte{'"'}
		out, rest := Append(out, s[:split], '"', false)
		out, _ = Append(out, append(rest, s[split:]...), '"', true)
		out = append(out, '"')
		if string(out) != want {
			t.Fatalf("split at %d: %s, want %s", split, out, want)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	line := []byte("an ordinary line of job output, 100 bytes long, with nothing to escape in it at all........\n")
	b.SetBytes(int64(len(line)))
	dst := make([]byte, 0, 256)
	for b.Loop() {
		dst, _ = Append(dst[:0], line, '\'', true)
	}
}
