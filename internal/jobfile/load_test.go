package jobfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "jobs.yaml")
	writeFile(t, path, "jobs:\n  a: {run: x, dir: sub}\n")
	link := filepath.Join(dir, "link.yml")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, link} {
		f, err := Load(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f.Path != p || f.Dir != dir || f.Job("a").Dir != filepath.Join(dir, "sub") {
			t.Errorf("Load(%q): Path %q, Dir %q, job dir %q", p, f.Path, f.Dir, f.Job("a").Dir)
		}
	}
}

func TestLoadStdin(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Load("-", strings.NewReader("jobs:\n  a: echo a\n  b: {run: echo b, dir: .}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != "<stdin>" || f.Dir != wd || f.Job("b").Dir != wd || len(f.Jobs) != 2 {
		t.Errorf("Path %q, Dir %q, names %v, b's dir %q", f.Path, f.Dir, f.Names(), f.Job("b").Dir)
	}
	_, err = Load("-", strings.NewReader("jobs:\n  a: [x]\n"))
	if want := `<stdin>:2:6: job "a": want a command or a mapping, got a sequence`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestLoadErrors checks the errors about the file as a whole: a message
// naming the file, no position.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if f, err := os.Create(big); err != nil {
		t.Fatal(err)
	} else if err := errors.Join(f.Truncate(maxSize+1), f.Close()); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.yaml")
	tests := []struct {
		name  string
		path  string
		stdin io.Reader
		want  string
		is    error
	}{
		{"missing", missing, nil, missing + ": no such file or directory", fs.ErrNotExist},
		{"below a file", filepath.Join(big, "x.yaml"), nil, filepath.Join(big, "x.yaml") + ": not a directory", nil},
		{"directory", dir, nil, dir + ": is a directory", nil},
		{"FIFO", fifo, nil, fifo + ": not a regular file", nil},
		{"device", os.DevNull, nil, os.DevNull + ": not a regular file", nil},
		{"too large", big, nil, big + ": too large (16777217 bytes; the limit is 16 MiB)", nil},
		{"too large on stdin", "-", io.LimitReader(zeros{}, 1<<30), "<stdin>: too large (more than 16777216 bytes; the limit is 16 MiB)", nil},
		{"no stdin", "-", nil, "<stdin>: no standard input to read the job file from", nil},
		{"stdin fails", "-", iotest.ErrReader(errors.New("boom")), "<stdin>: boom", nil},
	}
	if runtime.GOOS == "linux" {
		// A regular file that cannot be read from its start, even by root.
		tests = append(tests, struct {
			name  string
			path  string
			stdin io.Reader
			want  string
			is    error
		}{"read error", "/proc/self/mem", nil, "/proc/self/mem: input/output error", syscall.EIO})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := Load(tt.path, tt.stdin)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("Load(%q) blocks", tt.path)
			}
			var e *Error
			if !errors.As(err, &e) || e.Pos != (Pos{}) {
				t.Fatalf("Load(%q) = %#v, want an *Error without a position", tt.path, err)
			}
			if err.Error() != tt.want {
				t.Errorf("Load(%q)\n got: %v\nwant: %s", tt.path, err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
}

func TestLoadUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	path := filepath.Join(t.TempDir(), "jobs.yaml")
	writeFile(t, path, "jobs: {a: x}\n")
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, nil)
	if want := path + ": permission denied"; err == nil || err.Error() != want || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("got %v, want %s", err, want)
	}
}
