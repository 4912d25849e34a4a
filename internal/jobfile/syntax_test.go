package jobfile

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestSyntaxErrorPositions checks, for common mistakes, what yaml.v3
// reports (often a line early or late, never a column) and the position
// Parse reports: where a person would point at the mistake.
func TestSyntaxErrorPositions(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		v3   string // yaml.v3's own error
		want string // ours
	}{
		{"tab indenting a key", "jobs:\n  a:\n\trun: x\n",
			"yaml: line 3: found character that cannot start any token",
			"3:1: found character that cannot start any token (a tab: indent with spaces)"},
		{"tab indenting a job", "jobs:\n\ta: echo\n",
			"yaml: line 2: found character that cannot start any token",
			"2:1: found character that cannot start any token (a tab: indent with spaces)"},
		{"tab after spaces", "jobs:\n  a:\n    run: x\n  \t timeout: 5s\n",
			"yaml: line 3: found a tab character that violates indentation",
			"4:3: found a tab character that violates indentation"},
		{"tab, CR LF line ends", "jobs:\r\n  a: x\r\n\tb: y\r\n",
			"yaml: line 2: found a tab character that violates indentation",
			"3:1: found a tab character that violates indentation"},
		{"tab after a byte-order mark", "\xef\xbb\xbfjobs:\n\ta: x\n",
			"yaml: line 2: found character that cannot start any token",
			"2:1: found character that cannot start any token (a tab: indent with spaces)"},
		{"unclosed double quote", "jobs:\n  a: \"echo hi\n  b: x\n",
			"yaml: line 2: found unexpected end of stream",
			"2:6: found unexpected end of stream"},
		{"unclosed single quote", "jobs:\n  a: 'echo hi\n  b: x\n",
			"yaml: line 2: found unexpected end of stream",
			"2:6: found unexpected end of stream"},
		{"unclosed quote on the first line", "jobs: \"x\n  b: x\n",
			"yaml: line 3: found unexpected end of stream",
			"1:7: found unexpected end of stream"},
		{"unclosed quote after a closed multi-line one", "jobs:\n  a: \"multi\n    line\"\n  b: \"unclosed\n",
			"yaml: line 4: found unexpected end of stream",
			"4:6: found unexpected end of stream"},
		{"unclosed bracket", "jobs:\n  a:\n    run: x\n    needs: [b, c\n  b: y\n",
			"yaml: line 3: did not find expected ',' or ']'",
			`4:12: did not find expected ',' or ']' (is this [ closed?)`},
		{"unclosed bracket at the end", "jobs:\n  a:\n    run: x\n    needs: [b, c\n",
			"yaml: line 3: did not find expected ',' or ']'",
			`4:12: did not find expected ',' or ']' (is this [ closed?)`},
		{"unclosed brace on the first line", "env: {A: 1\njobs:\n  a: x\n",
			"yaml: line 1: did not find expected ',' or '}'",
			`1:6: did not find expected ',' or '}' (is this { closed?)`},
		{"wrong closing bracket", "env: {A: 1, B: 2]\njobs:\n  a: x\n",
			"yaml: did not find expected ',' or '}'",
			`1:17: did not find expected ',' or '}'`},
		{"key indented less than its siblings", "jobs:\n  a:\n    run: x\n   timeout: 5s\n",
			"yaml: line 1: did not find expected key",
			"4:4: did not find expected key"},
		{"key indented more than its siblings", "jobs:\n  a:\n    run: x\n      timeout: 5s\n",
			"yaml: line 4: mapping values are not allowed in this context",
			"4:7: mapping values are not allowed in this context (is this key indented too far?)"},
		{"key: value: other", "jobs:\n  a:\n    run: echo: hi\n",
			"yaml: line 3: mapping values are not allowed in this context",
			`3:14: mapping values are not allowed in this context (quote a value that contains ": ")`},
		{"key: value: other, short form", "jobs:\n  a: echo: hi\n",
			"yaml: line 2: mapping values are not allowed in this context",
			`2:10: mapping values are not allowed in this context (quote a value that contains ": ")`},
		{"stray sequence item in a job", "jobs:\n  a:\n    run: x\n    - y\n",
			"yaml: line 2: did not find expected key",
			"4:5: did not find expected key"},
		{"stray sequence item among jobs", "jobs:\n  a: x\n  - b\n",
			"yaml: line 1: did not find expected key",
			"3:3: did not find expected key"},
		{"stray sequence item at the top", "jobs:\n  a: x\n- b\n",
			"yaml: line 2: did not find expected key",
			"3:1: did not find expected key"},
		{"text after a quoted value", "jobs:\n  a: \"x\" y\n",
			"yaml: line 1: did not find expected key",
			"2:10: did not find expected key"},
		{"key without a colon", "jobs:\n  a: x\n  b\n  c: y\n",
			"yaml: line 3: could not find expected ':'",
			"3:3: could not find expected ':'"},
		{"block scalar left too early", "jobs:\n  a:\n    run: |\n      echo\n    x\n",
			"yaml: line 5: could not find expected ':'",
			"5:5: could not find expected ':'"},
		{"value starting with @", "jobs:\n  a: @x\n",
			"yaml: line 2: found character that cannot start any token",
			"2:6: found character that cannot start any token (quote a value that starts with @ or `)"},
		{"value starting with a backquote", "jobs:\n  a: `x`\n",
			"yaml: line 2: found character that cannot start any token",
			"2:6: found character that cannot start any token (quote a value that starts with @ or `)"},
		{"unknown escape", "jobs:\n  a: \"\\q\"\n",
			"yaml: line 2: found unknown escape character",
			"2:7: found unknown escape character"},
		{"unknown alias", "jobs:\n  a: *nope\n",
			"yaml: unknown anchor 'nope' referenced",
			"2:6: unknown anchor 'nope' referenced"},
		{"unknown directive", "%FOO\njobs: {}\n",
			"yaml: found unknown directive name",
			"1:2: found unknown directive name"},
		{"syntax error in a second document", "jobs: {a: x}\n---\n]\n",
			"", // yaml.Unmarshal reads the first document only
			"3:1: did not find expected node content"},
		{"multibyte characters before the mistake", "jobs:\n  é: \"ü\" ö\n",
			"yaml: line 1: did not find expected key",
			"2:10: did not find expected key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n yaml.Node
			v3 := ""
			if err := yaml.Unmarshal([]byte(tt.yaml), &n); err != nil {
				v3 = err.Error()
			}
			if v3 != tt.v3 {
				t.Errorf("yaml.v3 says %q, the table %q", v3, tt.v3)
			}
			_, err := Parse("jobs.yaml", []byte(tt.yaml), ".")
			if want := "jobs.yaml:" + tt.want; err == nil || err.Error() != want {
				t.Errorf("Parse(%q)\n got: %v\nwant: %s", tt.yaml, err, want)
			}
		})
	}
}

// TestSyntaxErrorInLargeFile checks that a mistake deep in a large file is
// placed exactly, and in reasonable time.
func TestSyntaxErrorInLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a 20,000-job file many times")
	}
	var b strings.Builder
	b.WriteString("jobs:\n")
	for i := range 20000 {
		if i == 15000 {
			b.WriteString("  broken:\n    run: echo: x\n")
		}
		fmt.Fprintf(&b, "  job-%d: echo %d\n", i, i)
	}
	start := time.Now()
	_, err := Parse("big.yaml", []byte(b.String()), ".")
	const want = `big.yaml:15003:14: mapping values are not allowed in this context (quote a value that contains ": ")`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	t.Logf("took %v", time.Since(start))
}

// TestSyntaxErrorOverBudget checks where an error goes when the search
// may not re-parse enough: on the line found so far, at its first
// character that is not a space.
func TestSyntaxErrorOverBudget(t *testing.T) {
	const stray = "jobs:\n  a:\n    run: x\n    - y\n  b: x\n"
	tests := []struct {
		yaml   string
		budget int
		want   string
	}{
		// The probe alone: the line where yaml.v3 stopped reading.
		{stray, 0, "5:3: did not find expected key"},
		// The probe and one more parse: the line found.
		{stray, 2 * len(stray), "4:5: did not find expected key"},
		{stray, 1 << 20, "4:5: did not find expected key"},
		{"jobs:\n  a:\n    run: echo: hi\n", 0, "3:5: mapping values are not allowed in this context"},
		{"jobs:\n  a:\n    run: echo: hi\n", 1 << 20, `3:14: mapping values are not allowed in this context (quote a value that contains ": ")`},
	}
	for _, tt := range tests {
		_, _, err := decodeDocuments(bytes.NewReader([]byte(tt.yaml)))
		if got := syntaxError("f.yaml", []byte(tt.yaml), err, tt.budget).Error(); got != "f.yaml:"+tt.want {
			t.Errorf("%q, budget %d:\n got: %s\nwant: f.yaml:%s", tt.yaml, tt.budget, got, tt.want)
		}
	}
}

func TestYAMLMessage(t *testing.T) {
	for in, want := range map[string]string{
		"yaml: line 3: did not find expected key": "did not find expected key",
		"yaml: unknown anchor 'a' referenced":     "unknown anchor 'a' referenced",
		"yaml: line x: odd":                       "line x: odd",
	} {
		if got := yamlMessage(in); got != want {
			t.Errorf("yamlMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPositions checks that posAt and lineIndex agree with each other and
// with yaml.v3 on where lines break and how columns count.
func TestPositions(t *testing.T) {
	data := []byte("\xef\xbb\xbfa: é\r\nb: x\rc: \u2028d: y\u0085e:\u2029\n\nf: z")
	x := newLineIndex(data)
	for off := range len(data) + 1 {
		if got, want := posAt(data, off), x.pos(off); got != want {
			t.Errorf("offset %d: posAt %v, lineIndex %v", off, got, want)
		}
	}
	for _, tt := range []struct {
		off  int
		want Pos
	}{{3, Pos{1, 1}}, {6, Pos{1, 4}}, {8, Pos{1, 5}}, {10, Pos{2, 1}}, {15, Pos{3, 1}}, {len(data) - 4, Pos{8, 1}}} {
		if got := x.pos(tt.off); got != tt.want {
			t.Errorf("pos(%d) = %v, want %v", tt.off, got, tt.want)
		}
	}
	if x.lines() != 8 {
		t.Errorf("%d lines, want 8", x.lines())
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Content[0]
	for i := 0; i < len(m.Content); i += 2 {
		k := m.Content[i]
		off := bytes.Index(data, []byte(k.Value+":"))
		if got := x.pos(off); got != posOf(k) {
			t.Errorf("key %q at offset %d: lineIndex %v, yaml.v3 %v", k.Value, off, got, posOf(k))
		}
	}
}
