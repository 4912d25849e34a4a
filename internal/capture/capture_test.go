package capture

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// write feeds b the chunks and returns its value.
func write(t *testing.T, b *Buffer, chunks ...string) *Value {
	t.Helper()
	for _, c := range chunks {
		n, err := b.Write([]byte(c))
		if err != nil || n != len(c) {
			t.Fatalf("write %q: %d, %v", c, n, err)
		}
	}
	return b.Value()
}

// read gives the value through String, Open and WriteTo, and checks that
// they agree.
func read(t *testing.T, v *Value) string {
	t.Helper()
	s, err := v.String()
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.Open()
	if err != nil {
		t.Fatal(err)
	}
	opened, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	n, err := v.WriteTo(&w)
	if err != nil || n != int64(w.Len()) {
		t.Fatalf("WriteTo: %d, %v", n, err)
	}
	if string(opened) != s || w.String() != s {
		t.Fatalf("String %q, Open %q, WriteTo %q", s, opened, w.String())
	}
	if int64(len(s)) != v.Len() {
		t.Fatalf("Len %d, value %q", v.Len(), s)
	}
	if b, ok := v.Bytes(); ok != v.Small() || (ok && string(b) != s) {
		t.Fatalf("Bytes %q %v, Small %v", b, ok, v.Small())
	}
	return s
}

func TestTrailingNewlines(t *testing.T) {
	for _, tt := range []struct {
		name      string
		threshold int
		chunks    []string
		want      string
		small     bool
	}{
		{"none", 100, nil, "", true},
		{"only newlines", 100, []string{"\n\n", "\n"}, "", true},
		{"one line", 100, []string{"a\n"}, "a", true},
		{"inner kept", 100, []string{"a\n\nb\n\n"}, "a\n\nb", true},
		{"across writes", 100, []string{"a\n", "\n", "\n"}, "a", true},
		{"newlines then text", 100, []string{"a\n\n", "b"}, "a\n\nb", true},
		{"text after newline-only writes", 100, []string{"a", "\n", "\n", "b\n"}, "a\n\nb", true},
		{"no trailing newline", 100, []string{"a\nb"}, "a\nb", true},
		{"exactly the threshold", 4, []string{"abc\n"}, "abc", true},
		{"spilled", 4, []string{"abcdef\n\n"}, "abcdef", false},
		{"newlines straddle the threshold", 4, []string{"abc", "\n\n", "\n"}, "abc", false},
		{"newlines all spilled", 4, []string{"abcd", "\n", "\n"}, "abcd", false},
		{"text after spilled newlines", 4, []string{"ab\n", "\n\n", "c\n"}, "ab\n\n\nc", false},
		{"memory part trimmed to nothing", 4, []string{"\n\n\n\n", "\n\n"}, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := New(t.TempDir(), tt.threshold)
			v := write(t, b, tt.chunks...)
			defer v.Release()
			if got := read(t, v); got != tt.want {
				t.Errorf("value %q, want %q", got, tt.want)
			}
			if v.Small() != tt.small {
				t.Errorf("small %v, want %v", v.Small(), tt.small)
			}
		})
	}
}

func TestQuotes(t *testing.T) {
	for _, tt := range []struct {
		chunks         []string
		single, double bool
	}{
		{[]string{"plain"}, false, false},
		{[]string{"it's"}, true, false},
		{[]string{`say "hi"`}, false, true},
		{[]string{"it's", ` "both"`}, true, true},
		{[]string{"012345", "6789'"}, true, false}, // in the spilled part
	} {
		b := New(t.TempDir(), 8)
		v := write(t, b, tt.chunks...)
		single, double := v.Quotes()
		if single != tt.single || double != tt.double {
			t.Errorf("%q: quotes %v %v, want %v %v", tt.chunks, single, double, tt.single, tt.double)
		}
		_ = v.Release()
	}
}

func TestSpillAndRelease(t *testing.T) {
	dir := t.TempDir()
	b := New(dir, 10)
	big := strings.Repeat("0123456789", 1000) + "\n"
	v := write(t, b, "head\n", big[:7], big[7:])
	if v.Small() {
		t.Fatal("not spilled")
	}
	if got := read(t, v); got != "head\n"+strings.TrimSuffix(big, "\n") {
		t.Errorf("value of %d bytes, want %d", len(got), len(big)+4)
	}
	if b, ok := v.Bytes(); ok || b != nil {
		t.Errorf("Bytes of a spilled value: %d bytes, %v", len(b), ok)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("%d files in the spill dir", len(files))
	}
	if err := v.Release(); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d files left after Release", len(files))
	}
}

func TestSmallValues(t *testing.T) {
	var nilValue *Value
	if got := read(t, nilValue); got != "" {
		t.Errorf("nil value %q", got)
	}
	if err := nilValue.Release(); err != nil {
		t.Error(err)
	}
	if s, d := nilValue.Quotes(); s || d {
		t.Error("quotes in the nil value")
	}
	v := FromString("it's\n")
	if got := read(t, v); got != "it's" {
		t.Errorf("FromString: %q", got)
	}
	if err := v.Release(); err != nil {
		t.Errorf("Release of a small value: %v", err)
	}
	if New("", 0).threshold != DefaultThreshold {
		t.Error("threshold 0 is not the default")
	}
}

func TestSpillFailure(t *testing.T) {
	b := New("/nonexistent-aiorun-dir", 2)
	if _, err := b.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write([]byte("bcd")); err == nil {
		t.Fatal("spill to a missing directory did not fail")
	}
	if b.Err() == nil {
		t.Error("Err is nil after a failed spill")
	}
	if _, err := b.Write([]byte("e")); err == nil {
		t.Error("a write after a failure succeeded")
	}
}
