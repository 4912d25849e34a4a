package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/jobfile"
	"github.com/aiorun/aiorun/internal/task"
)

// act is what one attempt of a fake job does: it runs for sleep (virtual
// time, under testing/synctest), then writes value (the job's name when
// empty) and exits with exit.
type act struct {
	sleep      time.Duration
	value      string
	exit       int
	ignoreTerm bool // keep running after cancellation until the grace ends
	startErr   error
	startTakes time.Duration // how long the start takes (the runner waits for it)
}

// fakeExec runs jobs in memory. Behaviour is per job and per attempt (the
// last act repeats); unknown jobs succeed at once with their name as value.
type fakeExec struct {
	acts map[string][]act

	mu         sync.Mutex
	pid        int
	attempts   map[string]int
	running    int
	maxRunning int
	env        map[string][]string    // of each job's last attempt
	values     map[string]string      // $AIORUN_VALUES/<NAME> files seen at start, "NAME=value"
	causes     map[string]string      // cancellation word each job saw
	startedAt  map[string][]time.Time // per attempt
}

func newFake(acts map[string][]act) *fakeExec {
	return &fakeExec{
		acts:      acts,
		attempts:  map[string]int{},
		env:       map[string][]string{},
		values:    map[string]string{},
		causes:    map[string]string{},
		startedAt: map[string][]time.Time{},
	}
}

func (f *fakeExec) Exec(ctx context.Context, spec *task.Spec, started func(int)) task.Result {
	f.mu.Lock()
	f.attempts[spec.Name]++
	acts := f.acts[spec.Name]
	var a act
	if len(acts) > 0 {
		a = acts[min(f.attempts[spec.Name], len(acts))-1]
	}
	if a.value == "" {
		a.value = spec.Name
	}
	if a.startErr != nil {
		f.mu.Unlock()
		return task.Result{Err: &exception.StartError{Err: a.startErr}}
	}
	f.pid++
	pid := f.pid
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	f.env[spec.Name] = spec.Env
	f.startedAt[spec.Name] = append(f.startedAt[spec.Name], time.Now())
	f.readValues(spec)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}()

	time.Sleep(a.startTakes)
	started(pid)
	begin := time.Now()
	select {
	case <-time.After(a.sleep):
	case <-ctx.Done():
		if time.Since(begin) >= a.sleep {
			break // it ended on its own at the instant it was cancelled
		}
		f.mu.Lock()
		f.causes[spec.Name] = cancelWord(context.Cause(ctx))
		f.mu.Unlock()
		if a.ignoreTerm {
			select {
			case <-time.After(spec.Grace):
			case <-spec.Kill:
			}
		}
		return task.Result{Pid: pid, Err: exception.As(context.Cause(ctx))}
	}
	res := task.Result{Pid: pid, Value: capture.FromString(a.value + "\n")}
	if a.exit != 0 {
		res.Err = &exception.ExitError{Code: a.exit}
	}
	return res
}

func (f *fakeExec) readValues(spec *task.Spec) {
	dir := envOf(spec.Env, EnvValues)
	entries, _ := os.ReadDir(dir)
	var seen []string
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		seen = append(seen, e.Name()+"="+string(data))
	}
	f.values[spec.Name] = strings.Join(seen, ",")
}

func cancelWord(err error) string {
	var c *exception.CancelledError
	if errors.As(err, &c) {
		return string(c.Reason)
	}
	var t *exception.TimeoutError
	if errors.As(err, &t) {
		return "timeout"
	}
	return fmt.Sprintf("%T", err)
}

func envOf(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// recorder is a Reporter that writes each event as a short line, with its
// virtual time since the start when timed is set.
type recorder struct {
	start time.Time
	timed bool
	lines []string
}

func (r *recorder) add(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if r.timed {
		line = fmt.Sprintf("%4.1fs %s", time.Since(r.start).Seconds(), line)
	}
	r.lines = append(r.lines, line)
}

func (r *recorder) Started(e event.Started) {
	if e.Attempt > 1 {
		r.add("%s: started (attempt %d)", e.Job, e.Attempt)
		return
	}
	r.add("%s: started", e.Job)
}

func (r *recorder) Finished(e event.Finished) {
	if e.Err != nil {
		r.add("%s: %s", e.Job, exception.As(e.Err).Status())
		return
	}
	v, _ := e.Value.String()
	r.add("%s: finished %q", e.Job, v)
}

func (r *recorder) Retrying(e event.Retrying) {
	r.add("%s: retrying (%d/%d) after %s, in %s", e.Job, e.Attempt, e.Of, exception.As(e.Err).Status(), e.Delay)
}

func (r *recorder) Result(e event.Result) {
	var parts []string
	for _, o := range e.Outcomes {
		if o.Err != nil {
			parts = append(parts, o.Job+"="+exception.As(o.Err).Repr())
			continue
		}
		v, _ := o.Value.String()
		parts = append(parts, o.Job+"="+v)
	}
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	r.add("result [%s] exit %d: %s", strings.Join(parts, " "), e.ExitCode, msg)
}

func (r *recorder) Stderr(string) io.WriteCloser { return nopWriteCloser{} }

type nopWriteCloser struct{}

func (nopWriteCloser) Write(p []byte) (int, error) { return len(p), nil }
func (nopWriteCloser) Close() error                { return nil }

// parse loads a job file from YAML text.
func parse(t *testing.T, yaml string) *jobfile.File {
	t.Helper()
	f, err := jobfile.Parse("jobs.yaml", []byte(yaml), t.TempDir())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}
