package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

func TestLogStems(t *testing.T) {
	stems := logStems([]string{"build", "Build", "BUILD", "a.2", "a", "x..y", "test-1_b"})
	for name, want := range map[string]string{
		"build": "build", "Build": "Build+2", "BUILD": "BUILD+3",
		"a.2": "a.2", "a": "a", "x..y": "x..y", "test-1_b": "test-1_b",
	} {
		if got := stems[name]; got != want {
			t.Errorf("stem of %q = %q, want %q", name, got, want)
		}
	}
	// Never a path out of the directory, even for names a file cannot have.
	for _, bad := range []string{"..", ".", "../x", "a/b", ".hidden", ""} {
		s := safeName(bad)
		if strings.ContainsAny(s, "/\\") || strings.HasPrefix(s, ".") || s == "" {
			t.Errorf("safeName(%q) = %q", bad, s)
		}
	}
}

func TestLogDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs", "run1")
	l, err := OpenLogDir(dir, []string{"a", "a.2", "A"})
	if err != nil {
		t.Fatal(err)
	}
	write := func(w interface {
		Write([]byte) (int, error)
		Close() error
	}, s string) {
		_, _ = w.Write([]byte(s))
		_ = w.Close()
	}
	// a: two attempts; a.2 and A: one each. Names never collide.
	write(l.Stdout("a"), "out 1\n")
	write(l.Stderr("a"), "err 1\n")
	write(l.Stdout("a"), "out 2\n")
	write(l.Stderr("a"), "err 2\tno newline")
	write(l.Stdout("a.2"), "other job\n")
	write(l.Stderr("a.2"), "")
	write(l.Stdout("A"), "upper\n")
	write(l.Stderr("A"), "")
	start := time.Unix(1700000000, 250e6)
	l.Finished(event.Finished{Job: "a", Time: start.Add(1500 * time.Millisecond), Duration: 1500 * time.Millisecond,
		Started: true, Err: exitErr(3), Attempts: 2})
	l.Finished(event.Finished{Job: "A", Time: start.Add(time.Second), Duration: time.Second, Started: true, Attempts: 1, Host: "build1"})
	l.Finished(event.Finished{Job: "a.2", Started: false, Err: &exception.StartError{Err: errString("no\tsuch\nshell")}})
	l.Finished(event.Finished{Job: "k", Time: start.Add(time.Second), Duration: time.Second, Started: true, Err: killed9, Attempts: 1})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"a.stdout":   "out 1\n",
		"a.stderr":   "err 1\n",
		"a~2.stdout": "out 2\n",
		"a~2.stderr": "err 2\tno newline",
		"a.2.stdout": "other job\n",
		"a.2.stderr": "",
		"A+2.stdout": "upper\n",
		"A+2.stderr": "",
		JobLogName: JobLogHeader + "\n" +
			"a\t:\t1700000000.250\t1.500\t2\t3\t0\tfailed\tExitError(3)\n" +
			"A\tbuild1\t1700000000.250\t1.000\t1\t0\t0\tok\t\n" +
			`a.2	:	-	0.000	0	-1	0	failed	OSError('no\\tsuch\\nshell')` + "\n" +
			"k\t:\t1700000000.250\t1.000\t1\t-1\t9\tcancelled\tCancelledError()\n",
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if string(data) != want {
			t.Errorf("%s:\n%q\nwant\n%q", file, data, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 9 {
		t.Errorf("%d files in the log dir, want 9", len(entries))
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestLogDirErrors(t *testing.T) {
	dir := t.TempDir()
	// A file that cannot be created (a directory is in its place), and a
	// symbolic link that must not be followed.
	if err := os.Mkdir(filepath.Join(dir, "a.stdout"), 0o755); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(outside, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "b.stderr")); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLogDir(dir, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	w := l.Stdout("a")
	if n, err := w.Write([]byte("lost")); n != 4 || err != nil {
		t.Errorf("a log writer failed the job's pipe: %d, %v", n, err)
	}
	_ = w.Close()
	w = l.Stderr("b")
	_, _ = w.Write([]byte("through the link"))
	_ = w.Close()
	err = l.Close()
	if err == nil || !strings.Contains(err.Error(), "a.stdout") {
		t.Errorf("Close() = %v, want the first error, naming a.stdout", err)
	}
	if data, _ := os.ReadFile(outside); string(data) != "keep me" {
		t.Errorf("a log file followed a symbolic link: %q", data)
	}
	if _, err := OpenLogDir(filepath.Join(outside, "sub"), nil); err == nil {
		t.Error("OpenLogDir under a regular file succeeded")
	}
}
