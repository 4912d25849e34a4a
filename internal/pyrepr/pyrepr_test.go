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

// BenchmarkAppendChunk escapes a 32 KiB chunk of 100-byte lines, as gather
// writes a large value.
func BenchmarkAppendChunk(b *testing.B) {
	line := "0000000001 abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklm\n"
	var chunk []byte
	for len(chunk) < 32<<10 {
		chunk = append(chunk, line...)
	}
	b.SetBytes(int64(len(chunk)))
	dst := make([]byte, 0, 2*len(chunk))
	for b.Loop() {
		dst, _ = Append(dst[:0], chunk, '\'', false)
	}
}

// TestPlainRun compares plainRun, which checks eight bytes at a time, with
// the byte-by-byte definition: every byte value at every offset of a
// 20-byte run, for both quotes.
func TestPlainRun(t *testing.T) {
	ref := func(src []byte, q byte) int {
		n := 0
		for n < len(src) && src[n] >= 0x20 && src[n] < 0x7f && src[n] != '\\' && src[n] != q {
			n++
		}
		return n
	}
	for _, q := range []byte{'\'', '"'} {
		for c := 0; c < 256; c++ {
			for at := 0; at < 20; at++ {
				src := []byte("abcdefghij'\"klmnopqrst")[:20]
				for i := range src {
					src[i] = 'a' + byte(i)
				}
				src[at] = byte(c)
				if got, want := plainRun(src, q), ref(src, q); got != want {
					t.Fatalf("quote %c, byte %#x at %d: plainRun %d, want %d", q, c, at, got, want)
				}
			}
		}
	}
}
