package remote

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", "plain", "it's", `"double" $HOME ${x} $(id) ` + "`id`", "two\nlines\n", "tab\there",
		"back\\slash", "ünïcødé ✓", "'", "''", `'\''`, "-n", "a b  c", "*?[x]", "~user", "!bang",
	} {
		out, err := exec.Command("sh", "-c", "printf '%s' "+Quote(s)).Output()
		if err != nil {
			t.Fatalf("sh -c printf %s: %v", Quote(s), err)
		}
		if string(out) != s {
			t.Errorf("Quote(%q) = %s; sh read it back as %q", s, Quote(s), out)
		}
	}
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "ssh", want: []string{"ssh"}},
		{in: "  ssh  -F ci/ssh_config ", want: []string{"ssh", "-F", "ci/ssh_config"}},
		{in: `ssh -F 'my config' -o "ProxyJump=a b"`, want: []string{"ssh", "-F", "my config", "-o", "ProxyJump=a b"}},
		{in: `ssh -o x\ y "a\"b" ''`, want: []string{"ssh", "-o", "x y", `a"b`, ""}},
		{in: `ssh 'x`, bad: true},
		{in: `ssh "x`, bad: true},
		{in: "", want: nil},
	} {
		got, err := SplitWords(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("SplitWords(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("SplitWords(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestTravelling(t *testing.T) {
	got := Travelling([]string{"A=1", "AIORUN_VALUES=/tmp/x", "AIORUN_CANCEL_FILE=/tmp/c", "AIORUN_VALUE_B=v", "AIORUN_DEADLINE=d", "1BAD=x", "=C:"})
	want := []string{"A=1", "AIORUN_VALUE_B=v", "AIORUN_DEADLINE=d"}
	if !slices.Equal(got, want) {
		t.Errorf("Travelling = %q, want %q", got, want)
	}
}

// filterRun writes in to a Filter in every split into chunks of size
// n, and returns what reached Out, the records, and the diverted lines.
func filterRun(f Filter, in string, n int) (out string, records, lines, before []string) {
	var buf bytes.Buffer
	f.Out = &buf
	f.OnRecord = func(p string) { records = append(records, p) }
	f.OnLine = func(l string) { lines = append(lines, l) }
	if f.Gated {
		f.Before = func(l string) { before = append(before, l) }
	}
	for p := []byte(in); len(p) > 0; {
		k := min(n, len(p))
		_, _ = f.Write(p[:k])
		p = p[k:]
	}
	_ = f.Close()
	return buf.String(), records, lines, before
}

func TestFilter(t *testing.T) {
	const m = "\x1fTAG"
	for _, tc := range []struct {
		name                  string
		f                     Filter
		in                    string
		out                   string
		records, lines, befor []string
	}{
		{name: "plain", in: "a\nb\nc", out: "a\nb\nc"},
		{name: "record at end", in: "err\n" + m + "exit 3\n", out: "err\n", records: []string{"exit 3"}},
		{name: "record mid line", in: "no newline" + m + "exit 0\n", out: "no newline", records: []string{"exit 0"}},
		{name: "lone mark", in: "a\x1fb\x1fTA\n", out: "a\x1fb\x1fTA\n"},
		{name: "unterminated record", in: "x" + m + "exit", out: "x" + m + "exit"},
		{name: "gated", f: Filter{Gated: true}, in: "motd\nnoise" + m + "start\nvalue\n" + m + "exit 0\n",
			out: "value\n", records: []string{"start", "exit 0"}, befor: []string{"motd", "noise"}},
		{name: "gated never opened", f: Filter{Gated: true}, in: "ssh: connect refused\n", out: "", befor: []string{"ssh: connect refused"}},
		{name: "pass after open", f: Filter{Gated: true, PassAfterOpen: true}, in: "x" + m + "start\n" + m + "not a record\n",
			out: m + "not a record\n", records: []string{"start"}, befor: []string{"x"}},
		{name: "srun lines", f: Filter{LinePrefixes: []string{"srun: ", "slurmstepd: "}},
			in:  "srun: error: x\njob line\nsrun is not it\nslurmstepd: error: *** STEP 1.2 CANCELLED ***\nsrun: no newline",
			out: "job line\nsrun is not it\n", lines: []string{"srun: error: x", "slurmstepd: error: *** STEP 1.2 CANCELLED ***", "srun: no newline"}},
		{name: "srun mid line is the job's", f: Filter{LinePrefixes: []string{"srun: "}}, in: "a srun: b\n", out: "a srun: b\n"},
		{name: "prefix and record", f: Filter{LinePrefixes: []string{"srun: "}}, in: m + "step 5.0\nsr\nsrun: x\n", out: "sr\n",
			records: []string{"step 5.0"}, lines: []string{"srun: x"}},
	} {
		for _, n := range []int{1, 2, 3, 7, 1 << 20} {
			tc.f.Tag = "TAG"
			out, rec, lines, before := filterRun(tc.f, tc.in, n)
			if out != tc.out || !slices.Equal(rec, tc.records) || !slices.Equal(lines, tc.lines) || !slices.Equal(before, tc.befor) {
				t.Errorf("%s (chunks of %d): out %q records %q lines %q before %q; want %q %q %q %q",
					tc.name, n, out, rec, lines, before, tc.out, tc.records, tc.lines, tc.befor)
			}
		}
	}
}

func TestFilterLongRecordIsText(t *testing.T) {
	in := "\x1fTAG" + strings.Repeat("x", 300) + "\n"
	out, rec, _, _ := filterRun(Filter{Tag: "TAG"}, in, 5)
	if out != in || len(rec) != 0 {
		t.Errorf("out %q records %q; want the text back and no record", out, rec)
	}
}
