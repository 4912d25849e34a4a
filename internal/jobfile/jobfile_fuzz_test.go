package jobfile

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, and that every error is an
// *Error that starts with the file's name and points into the file.
// The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("jobs:\n  a: echo a\n  b:\n    run: echo b\n    needs: [a]\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yaml", data, dir)
		if err == nil {
			checkFile(t, file)
			return
		}
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("error %T %v, want an *Error", err, err)
		}
		if !strings.HasPrefix(e.Error(), "fuzz.yaml:") {
			t.Fatalf("error %q does not start with the file name", e)
		}
		lines := splitLines(string(data))
		if e.Pos.Line < 1 || e.Pos.Line > len(lines)+1 || e.Pos.Col < 1 {
			t.Fatalf("error %q: position outside the file's %d lines", e, len(lines))
		}
		if e.Pos.Line <= len(lines) && e.Pos.Col > utf8.RuneCountInString(lines[e.Pos.Line-1])+1 {
			t.Fatalf("error %q: column past the end of line %q", e, lines[e.Pos.Line-1])
		}
	})
}

// checkFile checks what Parse promises of a valid file.
func checkFile(t *testing.T, f *File) {
	t.Helper()
	if len(f.Jobs) == 0 || f.Shell == "" || f.Version != 1 || len(f.Digest) != 64 {
		t.Fatalf("file %+v", f)
	}
	for _, j := range f.Jobs {
		if !validJobName(j.Name) || f.Job(j.Name) != j || strings.TrimSpace(j.Run) == "" ||
			j.Timeout < 0 || j.RetryDelay < 0 || j.Retries < 0 || j.Retries > maxRetries {
			t.Fatalf("job %+v", *j)
		}
		for _, n := range j.Needs {
			if f.Job(n) == nil || n == j.Name {
				t.Fatalf("job %q needs %q", j.Name, n)
			}
		}
	}
}

// splitLines splits text into lines as YAML does, without the line
// breaks: at LF, CR LF, lone CR, NEL, LS and PS. A byte-order mark at the
// start is not part of the first line. The text after the last break is a
// line, even when empty.
func splitLines(text string) []string {
	text = strings.TrimPrefix(text, "\ufeff")
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n").Replace(text)
	return strings.Split(text, "\n")
}
