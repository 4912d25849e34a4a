package guard

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	outer := Parse(Stack(nil).Push("d1", "build"))
	for _, tc := range []struct {
		name   string
		st     Stack
		digest string
		jobs   []string
		want   string
	}{
		{"top level", nil, "d1", []string{"build"}, ""},
		{"same file, same job", outer, "d1", []string{"test", "build"}, "recursive run of build"},
		{"same file, other job", outer, "d1", []string{"test"}, ""},
		{"other file, same job name", outer, "d2", []string{"build"}, ""},
		{"too deep", deep(MaxDepth), "x", []string{"a"}, "nested 17 deep"},
		{"just deep enough", deep(MaxDepth - 1), "x", []string{"a"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.st.Check(tc.digest, tc.jobs)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Check: %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Check: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func deep(n int) Stack {
	var st Stack
	for i := range n {
		st = Parse(st.Push("d", "j"+string(rune('a'+i))))
	}
	return st
}

func TestParseIgnoresJunk(t *testing.T) {
	st := Parse("garbage\nd1 a\n\n d2\n")
	if len(st) != 1 || st[0] != (Frame{"d1", "a"}) {
		t.Fatalf("Parse = %v", st)
	}
}
