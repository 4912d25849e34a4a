//go:build unix

package proc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/task"
)

// shared is the Local of the parallel tests; TestMain closes it last.
// Tests that need a Local of their own (options, Close) do not run in
// parallel: Close kills every child of the test process.
var shared *Local

// sharedReactor is a Local whose jobs all wait through the reactor, none
// in poll(2) on a thread of its own (see inlineJobs): eachMode runs a
// test with both.
var sharedReactor *Local

// sharedShell is a Local that runs every command through the shell
// (noDirect), for the differential tests of skipping the shell.
var sharedShell *Local

func TestMain(m *testing.M) {
	if err := BecomeSubreaper(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l, err := NewLocal(Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared = l
	sh, err := NewLocal(Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sh.noDirect = true
	sharedShell = sh
	re, err := NewLocal(Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	re.sys.maxInline = 0
	sharedReactor = re
	code := m.Run()
	for _, l := range []*Local{re, sh, l} {
		if err := l.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// eachMode runs f as two subtests: with a Local whose jobs wait inline
// (in poll(2), each on its thread) and with one whose jobs wait through
// the reactor.
func eachMode(t *testing.T, f func(t *testing.T, l *Local)) {
	for _, m := range []struct {
		name string
		l    *Local
	}{{"inline", shared}, {"reactor", sharedReactor}} {
		t.Run(m.name, func(t *testing.T) { f(t, m.l) })
	}
}

// newSpec is a job running cmd in sh with aiorun's environment.
func newSpec(name, cmd string, env ...string) *task.Spec {
	return &task.Spec{
		Name:    name,
		Shell:   "sh",
		Command: cmd,
		Env:     append(os.Environ(), env...),
		Stderr:  io.Discard,
		Grace:   5 * time.Second,
	}
}

// execT runs spec and fails the test if Exec does not return within 15s.
// A spilled value's file is removed when the test ends.
func execT(t *testing.T, l *Local, ctx context.Context, spec *task.Spec) task.Result {
	t.Helper()
	done := make(chan task.Result, 1)
	go func() { done <- l.Exec(ctx, spec, nil) }()
	select {
	case r := <-done:
		t.Cleanup(func() {
			if err := r.Value.Release(); err != nil {
				t.Error(err)
			}
		})
		return r
	case <-time.After(15 * time.Second):
		t.Fatalf("%s: Exec did not return", spec.Name)
		return task.Result{}
	}
}

func valueString(t *testing.T, v *capture.Value) string {
	t.Helper()
	s, err := v.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitFile waits for path to hold a complete line and returns it.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	s, err := awaitFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// awaitFile is waitFile for goroutines other than the test's.
func awaitFile(path string) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return strings.TrimSpace(string(b)), nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s did not appear", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// debugLog records debug events.
type debugLog struct {
	mu     sync.Mutex
	events []string
}

func (d *debugLog) printf(format string, args ...any) {
	d.mu.Lock()
	d.events = append(d.events, fmt.Sprintf(format, args...))
	d.mu.Unlock()
}

func (d *debugLog) has(sub string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.events {
		if strings.Contains(e, sub) {
			return true
		}
	}
	return false
}

func (d *debugLog) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.events, "\n")
}

func TestOutcomes(t *testing.T) {
	eachMode(t, func(t *testing.T, l *Local) {
		tests := []struct {
			name, cmd string
			value     string
			err       error
		}{
			{"value", "echo a", "a", nil},
			{"trailing newlines", `printf 'a\nb\n\n\n'`, "a\nb", nil},
			{"no output", "true", "", nil},
			{"exit 3", "echo partial; exit 3", "partial", &exception.ExitError{Code: 3}},
			{"not found", "no-such-command-aiorun 2>/dev/null", "", &exception.ExitError{Code: 127}},
			{"killed from outside", "kill -KILL $$", "", &exception.CancelledError{Signal: 9}},
			{"terminated from outside", "kill -TERM $$", "", &exception.CancelledError{Signal: 15}},
			{"stdin at EOF", "cat; echo eof", "eof", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				var pid int
				spec := newSpec("a", tt.cmd)
				r := l.Exec(context.Background(), spec, func(p int) { pid = p })
				if got := valueString(t, r.Value); got != tt.value {
					t.Errorf("value %q, want %q", got, tt.value)
				}
				if fmt.Sprintf("%#v", r.Err) != fmt.Sprintf("%#v", tt.err) {
					t.Errorf("err %#v, want %#v", r.Err, tt.err)
				}
				if r.Pid <= 0 || r.Pid != pid {
					t.Errorf("pid %d, started with %d", r.Pid, pid)
				}
			})
		}
	})
}

func TestStreams(t *testing.T) {
	eachMode(t, func(t *testing.T, l *Local) {
		t.Parallel()
		var stderr, stdout bytes.Buffer
		spec := newSpec("a", "echo out; echo err >&2; echo out2")
		spec.Stderr = &stderr
		r := execT(t, l, context.Background(), spec)
		if r.Err != nil || valueString(t, r.Value) != "out\nout2" || stderr.String() != "err\n" {
			t.Errorf("err %v, value %q, stderr %q", r.Err, valueString(t, r.Value), stderr.String())
		}

		// Passthrough: no value, every byte to Stdout, newlines kept.
		spec = newSpec("a", "echo out; echo err >&2")
		spec.Stdout, spec.Stderr = &stdout, &stderr
		stderr.Reset()
		r = execT(t, l, context.Background(), spec)
		if r.Err != nil || r.Value != nil || stdout.String() != "out\n" || stderr.String() != "err\n" {
			t.Errorf("err %v, value %v, stdout %q, stderr %q", r.Err, r.Value, stdout.String(), stderr.String())
		}
	})
}

func TestDir(t *testing.T) {
	t.Parallel()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	spec := newSpec("a", "pwd -P")
	spec.Dir = dir
	r := execT(t, shared, context.Background(), spec)
	if got := valueString(t, r.Value); r.Err != nil || got != dir {
		t.Errorf("err %v, pwd %q, want %q", r.Err, got, dir)
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	missing := newSpec("a", "true")
	missing.Shell = "no-such-shell-aiorun"
	noDir := newSpec("a", "true")
	noDir.Dir = filepath.Join(t.TempDir(), "gone")
	for _, tt := range []struct {
		name string
		spec *task.Spec
		msg  string
	}{
		{"shell not found", missing, "no-such-shell-aiorun"},
		{"dir missing", noDir, "chdir " + noDir.Dir},
	} {
		called := false
		r := shared.Exec(context.Background(), tt.spec, func(int) { called = true })
		var se *exception.StartError
		if !errors.As(r.Err, &se) {
			t.Errorf("%s: err %#v, want a StartError", tt.name, r.Err)
			continue
		}
		var tmp task.Temporary
		if errors.As(r.Err, &tmp) && tmp.Temporary() {
			t.Errorf("%s: %v is temporary", tt.name, r.Err)
		}
		if !strings.Contains(r.Err.Error(), tt.msg) {
			t.Errorf("%s: %q does not mention %q", tt.name, r.Err, tt.msg)
		}
		if called || r.Pid != 0 || r.Value != nil {
			t.Errorf("%s: started %v, pid %d, value %v", tt.name, called, r.Pid, r.Value)
		}
	}
}

func TestStartFailedTemporary(t *testing.T) {
	for _, tt := range []struct {
		errno syscall.Errno
		temp  bool
	}{
		{syscall.EAGAIN, true}, {syscall.EMFILE, true}, {syscall.ENFILE, true}, {syscall.ENOMEM, true},
		{syscall.ENOENT, false}, {syscall.EACCES, false}, {syscall.E2BIG, false},
	} {
		err := error(&exception.StartError{Err: startFailed(&os.PathError{Op: "fork/exec", Path: "/bin/sh", Err: tt.errno})})
		var tmp task.Temporary
		got := errors.As(err, &tmp) && tmp.Temporary()
		if got != tt.temp {
			t.Errorf("%v: temporary %v, want %v", tt.errno, got, tt.temp)
		}
	}
}

// TestEMFILE runs out of descriptors for real, in a child test process.
func TestEMFILE(t *testing.T) {
	if os.Getenv("AIORUN_PROC_EMFILE") == "1" {
		emfileChild()
		return
	}
	t.Parallel()
	out, err := runSelf(t, "TestEMFILE", "AIORUN_PROC_EMFILE=1")
	if err != nil || !strings.Contains(out, "temporary StartError") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// emfileChild uses up its descriptors and tries a job.
func emfileChild() {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		fmt.Println("getrlimit:", err)
		return
	}
	lim := old
	lim.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Println("setrlimit:", err)
		return
	}
	var held []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			break
		}
		held = append(held, f)
	}
	r := shared.Exec(context.Background(), newSpec("a", "true"), nil)
	for _, f := range held {
		_ = f.Close()
	}
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	var se *exception.StartError
	var tmp task.Temporary
	if errors.As(r.Err, &se) && errors.As(r.Err, &tmp) && tmp.Temporary() {
		fmt.Println("temporary StartError:", r.Err)
		return
	}
	fmt.Printf("got %#v\n", r.Err)
}

func TestCancel(t *testing.T) {
	eachMode(t, func(t *testing.T, l *Local) {
		for _, tt := range []struct {
			name  string
			cause error
			word  string
		}{
			{"failfast", &exception.CancelledError{Reason: exception.ReasonFailFast}, "failfast"},
			{"timeout", &exception.TimeoutError{After: time.Second}, "timeout"},
			{"deadline", &exception.CancelledError{Reason: exception.ReasonDeadline}, "deadline"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				spec := newSpec("a", `trap 'cat "$CF" > "$D/reason"; echo >> "$D/reason"; exit 0' TERM
	echo ready > "$D/ready"
	while :; do sleep 1; done`, "D="+dir, "CF="+filepath.Join(dir, "cancel"))
				spec.CancelFile = filepath.Join(dir, "cancel")
				ctx, cancel := context.WithCancelCause(context.Background())
				go func() {
					if _, err := awaitFile(filepath.Join(dir, "ready")); err != nil {
						t.Error(err)
					}
					cancel(tt.cause)
				}()
				r := execT(t, l, ctx, spec)
				if r.Err != tt.cause {
					t.Errorf("err %#v, want the cause %#v", r.Err, tt.cause)
				}
				if got := waitFile(t, filepath.Join(dir, "reason")); got != tt.word {
					t.Errorf("the TERM trap read %q, want %q", got, tt.word)
				}
				if b, err := os.ReadFile(spec.CancelFile); err != nil || string(b) != tt.word+"\n" {
					t.Errorf("cancel file %q (%v), want %q", b, err, tt.word)
				}
			})
		}
	})
}

func TestCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := &exception.CancelledError{Reason: exception.ReasonFailFast}
	cancel(cause)
	called := false
	r := shared.Exec(ctx, newSpec("a", "echo ran"), func(int) { called = true })
	if r.Err != cause || called || r.Pid != 0 {
		t.Errorf("err %#v, started %v, pid %d", r.Err, called, r.Pid)
	}
}

// TestGraceAndKill: a job that ignores SIGTERM is killed after the grace,
// or at once when Kill is closed.
func TestGraceAndKill(t *testing.T) {
	eachMode(t, func(t *testing.T, mode *Local) {
		const ignoring = `trap '' TERM; echo ready > "$D/ready"; sleep 300`
		cause := &exception.CancelledError{Reason: exception.ReasonSignal}
		for _, tt := range []struct {
			name   string
			grace  time.Duration
			cancel bool // cancel the context
			kill   bool // close Kill
			err    error
			event  string
		}{
			{"grace passes", 200 * time.Millisecond, true, false, cause, "SIGKILL (grace 200ms passed)"},
			{"kill during grace", time.Hour, true, true, cause, "SIGKILL (kill requested)"},
			{"kill alone", time.Hour, false, true, &exception.CancelledError{Reason: exception.ReasonSignal}, "SIGKILL (kill requested)"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				var log debugLog
				l, err := NewLocal(Options{Debug: log.printf})
				if err != nil {
					t.Fatal(err)
				}
				l.sys.maxInline = mode.sys.maxInline
				defer l.Close()
				dir := t.TempDir()
				spec := newSpec("a", ignoring, "D="+dir)
				spec.Grace = tt.grace
				kill := make(chan struct{})
				spec.Kill = kill
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				go func() {
					if _, err := awaitFile(filepath.Join(dir, "ready")); err != nil {
						t.Error(err)
					}
					if tt.cancel {
						cancel(cause)
						for !log.has("SIGTERM") {
							time.Sleep(time.Millisecond)
						}
					}
					if tt.kill {
						close(kill)
					}
				}()
				r := execT(t, l, ctx, spec)
				if fmt.Sprintf("%#v", r.Err) != fmt.Sprintf("%#v", tt.err) {
					t.Errorf("err %#v, want %#v", r.Err, tt.err)
				}
				if !log.has(tt.event) {
					t.Errorf("no %q event in\n%s", tt.event, &log)
				}
				if tt.cancel && !log.has(fmt.Sprintf("signal a pid=%d SIGTERM (reason signal)", r.Pid)) {
					t.Errorf("no SIGTERM event in\n%s", &log)
				}
			})
		}
	})
}

// TestExitedBeforeCancel: cancelling after the job ended on its own keeps
// its outcome.
func TestExitedBeforeCancel(t *testing.T) {
	eachMode(t, func(t *testing.T, l *Local) {
		t.Parallel()
		ctx, cancel := context.WithCancelCause(context.Background())
		spec := newSpec("a", "exit 4")
		r := l.Exec(ctx, spec, nil)
		cancel(&exception.CancelledError{Reason: exception.ReasonFailFast})
		if fmt.Sprintf("%#v", r.Err) != fmt.Sprintf("%#v", &exception.ExitError{Code: 4}) {
			t.Errorf("err %#v", r.Err)
		}
	})
}

// randomFile writes n pseudo-random bytes ending in 'x' and returns its
// path and sha256.
func randomFile(t *testing.T, n int) (string, [32]byte) {
	t.Helper()
	data := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	data[n-1] = 'x'
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, sha256.Sum256(data)
}

// TestBigOutput: 20 MB on each stream at once, byte-exact; the value spills
// to SpillDir and Release removes it.
func TestBigOutput(t *testing.T) {
	eachMode(t, func(t *testing.T, mode *Local) {
		path, sum := randomFile(t, 20<<20)
		spill := t.TempDir()
		l, err := NewLocal(Options{SpillDir: spill})
		if err != nil {
			t.Fatal(err)
		}
		l.sys.maxInline = mode.sys.maxInline
		defer l.Close()

		errHash := sha256.New()
		spec := newSpec("big", `cat "$F" & cat "$F" >&2; wait`, "F="+path)
		spec.Stderr = errHash
		r := execT(t, l, context.Background(), spec)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if [32]byte(errHash.Sum(nil)) != sum {
			t.Error("standard error differs")
		}
		if r.Value.Small() || r.Value.Len() != 20<<20 {
			t.Errorf("value small %v, len %d", r.Value.Small(), r.Value.Len())
		}
		outHash := sha256.New()
		if _, err := r.Value.WriteTo(outHash); err != nil {
			t.Fatal(err)
		}
		if [32]byte(outHash.Sum(nil)) != sum {
			t.Error("the value differs")
		}
		releaseSpill(t, spill, r.Value)

		// Passthrough of both streams.
		outHash.Reset()
		errHash.Reset()
		spec.Stdout = outHash
		r = execT(t, l, context.Background(), spec)
		if r.Err != nil || [32]byte(outHash.Sum(nil)) != sum || [32]byte(errHash.Sum(nil)) != sum {
			t.Errorf("passthrough: err %v, or the streams differ", r.Err)
		}
	})
}

// releaseSpill checks that v's spill file is the one file in spill, and
// that Release removes it.
func releaseSpill(t *testing.T, spill string, v *capture.Value) {
	t.Helper()
	if ents, _ := os.ReadDir(spill); len(ents) != 1 {
		t.Errorf("spill dir holds %d files, want 1", len(ents))
	}
	if err := v.Release(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(spill); len(ents) != 0 {
		t.Errorf("spill dir holds %d files after Release", len(ents))
	}
}

func TestThreshold(t *testing.T) {
	spill := t.TempDir()
	l, err := NewLocal(Options{SpillDir: spill, Threshold: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := execT(t, l, context.Background(), newSpec("a", `i=0; while [ $i -lt 100 ]; do echo 0123456789012345678901234567890123456789012345678; i=$((i+1)); done`))
	if r.Err != nil || r.Value.Small() || r.Value.Len() != 100*50-1 {
		t.Fatalf("err %v, small %v, len %d", r.Err, r.Value.Small(), r.Value.Len())
	}
	releaseSpill(t, spill, r.Value)
}

// failingWriter fails every write.
type failingWriter struct{ calls int }

func (w *failingWriter) Write([]byte) (int, error) {
	w.calls++
	return 0, errors.New("sink broken")
}

// TestBrokenSink: a failing writer does not block the job, the pipe is
// drained, and a job that succeeded reports the lost output.
func TestBrokenSink(t *testing.T) {
	eachMode(t, func(t *testing.T, l *Local) {
		t.Parallel()
		sink := &failingWriter{}
		spec := newSpec("a", "head -c 3000000 /dev/zero >&2; echo done")
		spec.Stderr = sink
		r := execT(t, l, context.Background(), spec)
		var oe *OutputError
		if !errors.As(r.Err, &oe) || oe.Stream != "standard error" || valueString(t, r.Value) != "done" {
			t.Errorf("err %#v, value %q", r.Err, valueString(t, r.Value))
		}
		if sink.calls != 1 {
			t.Errorf("the broken sink was written %d times, want 1", sink.calls)
		}
		var ex exception.Exception = oe
		if ex.Repr() != `OSError('write standard error: sink broken')` {
			t.Errorf("repr %s", ex.Repr())
		}

		// A failure of the job wins over lost output.
		spec = newSpec("a", "echo x >&2; exit 2")
		spec.Stderr = &failingWriter{}
		r = execT(t, l, context.Background(), spec)
		if fmt.Sprintf("%#v", r.Err) != fmt.Sprintf("%#v", &exception.ExitError{Code: 2}) {
			t.Errorf("err %#v", r.Err)
		}
	})
}

func TestDebugEvents(t *testing.T) {
	var log debugLog
	l, err := NewLocal(Options{Debug: log.printf})
	if err != nil {
		t.Fatal(err)
	}
	r := execT(t, l, context.Background(), newSpec("job1", "echo 'it''s'; exit 5"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf(`spawn job1 pid=%d: sh -c 'echo '\''it'\'''\''s'\''; exit 5'`, r.Pid),
		fmt.Sprintf("exit job1 pid=%d status 5 after ", r.Pid),
	} {
		if !log.has(want) {
			t.Errorf("no %q in\n%s", want, &log)
		}
	}
}

func TestClose(t *testing.T) {
	l, err := NewLocal(Options{})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan int, 1)
	done := make(chan task.Result, 1)
	go func() {
		done <- l.Exec(context.Background(), newSpec("a", "sleep 300"), func(pid int) { started <- pid })
	}()
	<-started
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		var ce *exception.CancelledError
		if !errors.As(r.Err, &ce) {
			t.Errorf("err %#v", r.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close left the job running")
	}
	r := l.Exec(context.Background(), newSpec("a", "true"), nil)
	var se *exception.StartError
	if !errors.As(r.Err, &se) {
		t.Errorf("Exec after Close: %#v", r.Err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestWithToken(t *testing.T) {
	got := withToken([]string{"A=1", TokenVar + "=outer", "B=2"}, "inner")
	want := []string{TokenVar + "=outer:inner", "A=1", "B=2"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%q, want %q", got, want)
	}
	got = withToken([]string{"A=1"}, "t")
	if strings.Join(got, " ") != TokenVar+"=t A=1" {
		t.Errorf("%q", got)
	}
}

func TestParse(t *testing.T) {
	st, ok := parseStat([]byte("123 (a (b) c) S 1 77 88 0 -1 4194624 ..."))
	if !ok || st != (procStat{comm: "a (b) c", state: 'S', ppid: 1, pgrp: 77, sid: 88, forkNoExec: true}) {
		t.Errorf("%+v %v", st, ok)
	}
	self, err := os.ReadFile("/proc/self/stat")
	if err == nil {
		st, ok := parseStat(self)
		if !ok || st.ppid != os.Getppid() || st.noEnv || st.forkNoExec {
			t.Errorf("own stat: %+v %v", st, ok)
		}
	}
	if v, ok := environToken([]byte("A=1\x00" + TokenVar + "=x:y\x00B=2\x00")); !ok || v != "x:y" {
		t.Errorf("%q %v", v, ok)
	}
	if _, ok := environToken([]byte("A=1\x00")); ok {
		t.Error("found a token in none")
	}
}

func runSelf(t *testing.T, test string, env ...string) (string, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	spec := newSpec("self", `exec "$SELF" -test.run='^`+test+`$' -test.count=1`, append(env, "SELF="+self)...)
	var stderr bytes.Buffer
	spec.Stderr = &stderr
	r := execT(t, shared, context.Background(), spec)
	out := valueString(t, r.Value)
	if r.Err != nil {
		return out + stderr.String(), r.Err
	}
	return out, nil
}
