package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

// JobLogName is the job log's file name in a --log-dir.
const JobLogName = "joblog.tsv"

// JobLogHeader is the job log's first line: tab-separated column names,
// GNU parallel's --joblog names where the meaning is the same.
const JobLogHeader = "Job\tHost\tStarttime\tJobRuntime\tAttempts\tExitval\tSignal\tStatus\tException"

// LogDir is a reporter that keeps each job's output in files (--log-dir):
// every attempt's standard output and standard error, whole, as the job
// wrote them, and a job log with one line per job as it ends.
//
// File names come from job names, which match [A-Za-z0-9][A-Za-z0-9_.-]*,
// so a name never holds a path separator and never starts with a dot:
//
//	NAME.stdout, NAME.stderr          the first attempt
//	NAME~2.stdout, NAME~2.stderr      the second attempt (a retry), and so on
//	NAME+2.stdout ...                 a name that equals an earlier job's
//	                                  but for case (Build after build): the
//	                                  second such name, in declaration order,
//	                                  so that case-insensitive file systems
//	                                  (macOS, Windows) keep both
//	joblog.tsv                        the job log
//
// "~" and "+" never occur in job names, so no two jobs or attempts can
// share a file. Files are created fresh (an existing one is truncated) and
// never through a symbolic link.
//
// The job log (JobLogHeader) has, per job: its name; its host (":" for
// this machine, as GNU parallel writes it); its first start as Unix
// seconds with milliseconds ("-" if it never started); its duration in
// seconds; its attempts; its process's exit status (-1 when it did not
// exit on its own: cancelled, timed out, never started); the signal that
// killed it from outside (0 if none); its status (ok, failed, timeout,
// cancelled); its exception as Python's repr writes it ("" on success).
// Tabs, newlines and backslashes in a field are written \t, \n, \\.
//
// Writing never slows or fails a job: the first error (a full disk) is
// kept for Close, and what that file would have got is dropped.
type LogDir struct {
	dir   string
	stems map[string]string

	mu       sync.Mutex
	attempts map[string]*[2]int // per job: stdout, stderr files opened
	joblog   *os.File
	err      error
}

var (
	_ event.Reporter       = (*LogDir)(nil)
	_ event.StdoutReporter = (*LogDir)(nil)
)

// OpenLogDir makes dir (and its parents) if needed and starts its job
// log. names are every job of the file, in declaration order: the
// case-folding suffixes depend on them.
func OpenLogDir(dir string, names []string) (*LogDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l := &LogDir{dir: dir, stems: logStems(names), attempts: make(map[string]*[2]int)}
	f, err := createFile(filepath.Join(dir, JobLogName))
	if err != nil {
		return nil, err
	}
	l.joblog = f
	if _, err := io.WriteString(f, JobLogHeader+"\n"); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return l, nil
}

// logStems maps each job name to its file name stem (see LogDir).
func logStems(names []string) map[string]string {
	stems := make(map[string]string, len(names))
	folded := make(map[string]int, len(names))
	for _, name := range names {
		safe := safeName(name)
		k := strings.ToLower(safe)
		folded[k]++
		if n := folded[k]; n > 1 {
			safe += "+" + strconv.Itoa(n)
		}
		stems[name] = safe
	}
	return stems
}

// safeName keeps a name that is a valid job name, and otherwise (never,
// for a validated file) replaces what could leave the directory.
func safeName(name string) string {
	ok := name != "" && name[0] != '.'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
	}
	if ok {
		return name
	}
	var b strings.Builder
	b.WriteByte('_')
	for _, c := range []byte(name) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// FileName is the name of the file for attempt (1 for the first) of job's
// stream ("stdout" or "stderr"), inside the directory.
func (l *LogDir) FileName(job string, attempt int, stream string) string {
	stem, ok := l.stems[job]
	if !ok {
		stem = safeName(job)
	}
	if attempt > 1 {
		stem += "~" + strconv.Itoa(attempt)
	}
	return stem + "." + stream
}

func createFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o644)
}

func (l *LogDir) fail(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
}

// Err is the first error writing the directory's files.
func (l *LogDir) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *LogDir) open(job string, stream int) io.WriteCloser {
	l.mu.Lock()
	n := l.attempts[job]
	if n == nil {
		n = new([2]int)
		l.attempts[job] = n
	}
	n[stream]++
	attempt := n[stream]
	l.mu.Unlock()
	path := filepath.Join(l.dir, l.FileName(job, attempt, [2]string{"stdout", "stderr"}[stream]))
	f, err := createFile(path)
	if err != nil {
		l.fail(err)
		return &logFile{l: l}
	}
	return &logFile{l: l, f: f}
}

// Stdout returns the file writer for one attempt's standard output.
func (l *LogDir) Stdout(job string) io.WriteCloser { return l.open(job, 0) }

// Stderr returns the file writer for one attempt's standard error.
func (l *LogDir) Stderr(job string) io.WriteCloser { return l.open(job, 1) }

// logFile writes one attempt's stream to its file; it never fails a Write.
type logFile struct {
	l *LogDir
	f *os.File // nil once it failed
}

func (w *logFile) Write(p []byte) (int, error) {
	if w.f != nil {
		if _, err := w.f.Write(p); err != nil {
			w.l.fail(err)
			_ = w.f.Close()
			w.f = nil
		}
	}
	return len(p), nil
}

func (w *logFile) Close() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		w.l.fail(err)
	}
	return nil
}

func (l *LogDir) Started(event.Started)   {}
func (l *LogDir) Retrying(event.Retrying) {}
func (l *LogDir) Result(event.Result)     {}

// Finished appends the job's line to the job log.
func (l *LogDir) Finished(e event.Finished) {
	host := e.Host
	if host == "" {
		host = ":"
	}
	start := "-"
	if e.Started {
		first := e.Time.Add(-e.Duration)
		start = strconv.FormatFloat(float64(first.UnixMilli())/1000, 'f', 3, 64)
	}
	code, sig, exited := exitOf(e.Err)
	if !exited {
		code = -1
	}
	repr := ""
	if e.Err != nil {
		repr = exception.As(e.Err).Repr()
	}
	fields := []string{e.Job, host, start, strconv.FormatFloat(e.Duration.Round(time.Millisecond).Seconds(), 'f', 3, 64),
		strconv.Itoa(e.Attempts), strconv.Itoa(code), strconv.Itoa(sig), StatusWord(e.Err), repr}
	for i, f := range fields {
		fields[i] = tsvEscape(f)
	}
	line := strings.Join(fields, "\t") + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.joblog == nil {
		return
	}
	if _, err := io.WriteString(l.joblog, line); err != nil {
		if l.err == nil {
			l.err = fmt.Errorf("write %s: %w", l.joblog.Name(), err)
		}
		_ = l.joblog.Close()
		l.joblog = nil
	}
}

// Close closes the job log and returns the first error of any file.
func (l *LogDir) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.joblog != nil {
		if err := l.joblog.Close(); err != nil && l.err == nil {
			l.err = err
		}
		l.joblog = nil
	}
	return l.err
}

func tsvEscape(s string) string {
	if !strings.ContainsAny(s, "\t\n\r\\") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}
