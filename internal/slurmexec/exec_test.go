package slurmexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/remote"
	"github.com/aiorun/aiorun/internal/task"
)

// value is the captured standard output of res.
func value(t *testing.T, res task.Result) string {
	t.Helper()
	if res.Value == nil {
		return ""
	}
	s, err := res.Value.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// srunCall is the one srun call of the step named name.
func srunCall(t *testing.T, f *fakeSlurm, name string) call {
	t.Helper()
	var found []call
	for _, c := range only(f.calls(t), "srun") {
		if slices.Contains(c.args, "--job-name="+name) {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("srun calls for %s: %v, want one", name, found)
	}
	return found[0]
}

// TestExecStep: a job runs as a step of the allocation, named after it,
// through the real wrapper (here run by the fake srun as slurmstepd
// would): its output is the value, its standard error is streamed, the
// step's id comes back, and srun's pid is the attempt's.
func TestExecStep(t *testing.T) {
	f := newFake(t)
	log := &debugLog{}
	e := openInside(t, f, log)
	defer func() { _ = e.Close() }()
	spec := f.spec("unit tests", `printf 'out'; echo err >&2`, "FAKE_STEP=3")
	res, pid := run(t, context.Background(), e, spec)
	if res.Err != nil {
		t.Fatalf("Err = %v, want nil", res.Err)
	}
	if got := value(t, res); got != "out" {
		t.Errorf("value %q, want out", got)
	}
	if got := spec.Stderr.(*lineWriter).String(); got != "err\n" {
		t.Errorf("stderr %q, want err", got)
	}
	if res.SlurmJob != "42.3" {
		t.Errorf("SlurmJob %q, want 42.3", res.SlurmJob)
	}
	c := srunCall(t, f, "unit tests")
	if pid == 0 || res.Pid != pid || c.pid != pid {
		t.Errorf("started with pid %d, Result.Pid %d, srun's pid %d: want one pid", pid, res.Pid, c.pid)
	}
	want := []string{"--jobid=42", "--overlap", "--ntasks=1", "--nodes=1", "--job-name=unit tests", "--quiet", "sh", "-c"}
	if len(c.args) != len(want)+1 || !slices.Equal(c.args[:len(want)], want) {
		t.Fatalf("srun %q, want %q and the wrapper", c.args, want)
	}
	script := c.args[len(want)]
	if !strings.Contains(script, "setsid sh -c "+remote.Quote(spec.Command)) {
		t.Errorf("the wrapper does not run the job with sh -c: %s", script)
	}
	if !strings.Contains(script, "AIORUN_JOB_TOKEN="+e.token+"-") {
		t.Errorf("the wrapper does not give the job a token of the run's (%s): %s", e.token, script)
	}
	if !log.has(fmt.Sprintf("spawn unit tests as a step of allocation 42 pid=%d: sh -c ", pid)) {
		t.Errorf("debug %q: no spawn event", log.all())
	}
	// Exec tells the same pid.
	pid = 0
	res = e.Exec(context.Background(), f.spec("again", "true"), func(p int) { pid = p })
	if res.Err != nil || pid == 0 || pid != res.Pid || pid != srunCall(t, f, "again").pid {
		t.Errorf("Exec: Err %v, started with pid %d, Result.Pid %d; want srun's pid", res.Err, pid, res.Pid)
	}
	if len(only(f.calls(t), "scancel")) != 0 {
		t.Errorf("a step that reported its exit was cancelled: %v", f.calls(t))
	}
}

// TestExecJob: what a job sees and what it returns, with the real
// wrapper: exit statuses, death by signal, the environment srun passes
// on (the spec's, not aiorun's), the directory, the shell, the token the
// last sweep looks for, standard output passed through, a job too long
// for a command line.
func TestExecJob(t *testing.T) {
	f := newFake(t)
	e := openInside(t, f, nil, "ONLY_AIORUNS=1")
	defer func() { _ = e.Close() }()
	dir := t.TempDir()
	shell := filepath.Join(f.dir, "myshell")
	if err := os.WriteFile(shell, []byte("#!/bin/sh\nprintf 'myshell %s %s' \"$1\" \"$2\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tricky := "it's \"x\" $y\nz ünï"
	big := strings.Repeat("x", 100<<10)
	for _, tc := range []struct {
		name    string
		command string
		env     []string
		setup   func(*task.Spec)
		value   string
		match   string // a pattern for the value instead
		err     error
	}{
		{name: "exit 0", command: "true"},
		{name: "exit 3", command: "echo said; exit 3", value: "said", err: &exception.ExitError{Code: 3}},
		{name: "exit 255", command: "exit 255", err: &exception.ExitError{Code: 255}},
		{name: "killed by a signal", command: "kill -KILL $$", err: &exception.ExitError{Code: 137}},
		{name: "missing shell", command: "true", setup: func(s *task.Spec) { s.Shell = "no-such-shell-aiorun" },
			err: &exception.ExitError{Code: 127}},
		{name: "environment", command: `printf '%s' "$TRICKY"`, env: []string{"TRICKY=" + tricky}, value: tricky},
		{name: "the spec's environment, not Options.Env", command: `printf '%s' "${SLURM_JOB_ID}-${ONLY_AIORUNS-unset}"`, value: "42-unset"},
		{name: "dir", command: "pwd", setup: func(s *task.Spec) { s.Dir = dir }, value: dir},
		{name: "missing dir", command: "pwd", setup: func(s *task.Spec) { s.Dir = dir + "/nowhere" }, err: &exception.ExitError{Code: 2}},
		{name: "shell", command: "the job", setup: func(s *task.Spec) { s.Shell = shell }, value: "myshell -c the job"},
		{name: "token", command: `printf '%s' "$AIORUN_JOB_TOKEN"`, match: "^" + regexp.QuoteMeta(e.token) + "-[0-9a-f]{16}$"},
		{name: "long job", command: ": " + big + "; printf '%s' long", value: "long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := f.spec(tc.name, tc.command, tc.env...)
			if tc.setup != nil {
				tc.setup(spec)
			}
			res, _ := run(t, context.Background(), e, spec)
			if !errorsEqual(res.Err, tc.err) {
				t.Errorf("Err = %#v (%v), want %#v; stderr %q", res.Err, res.Err, tc.err, spec.Stderr.(*lineWriter).String())
			}
			got := value(t, res)
			switch {
			case tc.match != "":
				if !regexp.MustCompile(tc.match).MatchString(got) {
					t.Errorf("value %q, want a match of %s", got, tc.match)
				}
			case got != tc.value:
				t.Errorf("value %q, want %q", got, tc.value)
			}
			if !regexp.MustCompile(`^42\.[0-9]+$`).MatchString(res.SlurmJob) {
				t.Errorf("SlurmJob %q, want 42.STEP", res.SlurmJob)
			}
		})
	}
	t.Run("passthrough", func(t *testing.T) {
		var out bytes.Buffer
		spec := f.spec("passthrough", "echo live")
		spec.Stdout = &out
		res, _ := run(t, context.Background(), e, spec)
		if res.Err != nil || res.Value != nil || out.String() != "live\n" {
			t.Errorf("Err %v, Value %v, Stdout %q; want nil, nil, live", res.Err, res.Value, out.String())
		}
	})
	t.Run("long job's command line", func(t *testing.T) {
		c := srunCall(t, f, "long job")
		if n := len(c.args[len(c.args)-1]); n > 1024 {
			t.Errorf("the wrapper (%d bytes) went on the command line, not on srun's standard input", n)
		}
	})
}

// errorsEqual compares two exceptions by kind and content (a
// CancelledError's reason included, which its message does not show).
func errorsEqual(got, want error) bool {
	return reflect.DeepEqual(got, want)
}

// TestExecOutcomes: how what srun reports becomes the attempt's
// exception, with a canned srun that prints the wrapper's records (or
// not) and exits as told.
func TestExecOutcomes(t *testing.T) {
	const cancelled = "slurmstepd: error: *** STEP @STEP@ ON n1 CANCELLED AT 2024-05-01T10:00:00 ***\n"
	for _, tc := range []struct {
		name      string
		out, err  string // FAKE_OUT, FAKE_ERR
		status    string // FAKE_STATUS
		want      error
		wantMsg   string // want's Error()
		value     string
		stderr    string   // the job's streamed standard error
		debug     []string // debug events expected
		scancel   bool     // the step is cancelled after srun ended
		temporary bool
	}{
		{name: "success", out: "@R@start @STEP@\nvalue", err: "@R@start @STEP@\njob line\n@R@exit 0\n",
			value: "value", stderr: "job line\n"},
		{name: "srun's status does not count once the exit came", err: "@R@start @STEP@\n@R@exit 0\n", status: "1"},
		{name: "exit status", err: "@R@start @STEP@\n@R@exit 5\nsrun: error: n1: task 0: Exited with exit code 5\n", status: "5",
			want: &exception.ExitError{Code: 5}, wantMsg: "exit status 5",
			debug: []string{"job: srun: error: n1: task 0: Exited with exit code 5"}},
		{name: "srun's and slurmstepd's lines are not the job's",
			err:    "srun: warning: can't honor --ntasks-per-node\n@R@start @STEP@\nmine\nsrun: Job step aborted\nslurmstepd-n1: error: x\nsrun is mine too\n@R@exit 0\n",
			stderr: "mine\nsrun is mine too\n",
			debug:  []string{"job: srun: warning: can't honor --ntasks-per-node", "job: srun: Job step aborted", "job: slurmstepd-n1: error: x"}},
		{name: "what came before the wrapper started", err: "motd line\n@R@start @STEP@\n@R@exit 0\n",
			debug: []string{"job: motd line"}},
		{name: "step cancelled from outside", err: "@R@start @STEP@\n" + cancelled, status: "0",
			want: &exception.CancelledError{}, wantMsg: "cancelled", scancel: true,
			debug: []string{"job: slurmstepd: error: *** STEP 42.7 ON n1 CANCELLED AT 2024-05-01T10:00:00 ***"}},
		{name: "time limit", err: "@R@start @STEP@\nsrun: Job step aborted: Waiting up to 32 seconds for job step to finish.\n" +
			"slurmstepd: error: *** STEP 42.7 ON n1 CANCELLED AT 2024-05-01T10:00:00 DUE TO TIME LIMIT ***\n", status: "KILL",
			want: &exception.CancelledError{}, wantMsg: "cancelled", scancel: true},
		// The wrapper outlived the cancellation and reported the job's
		// status: that is the job's exit, as on an ssh host.
		{name: "cancelled, exit reported", err: "@R@start @STEP@\n" + cancelled + "@R@exit 143\n", status: "0",
			want: &exception.ExitError{Code: 143}, wantMsg: "exit status 143"},
		{name: "step lost", err: "@R@start @STEP@\nsrun: error: n1: task 0: Killed\n", status: "1",
			want:    &exception.ConnectionError{Host: "step 42.7", Msg: "ended without the job's exit status (srun: exit status 1)"},
			wantMsg: "connection error: step 42.7: ended without the job's exit status (srun: exit status 1)", scancel: true},
		{name: "srun killed", err: "@R@start @STEP@\n", status: "KILL",
			want:    &exception.ConnectionError{Host: "step 42.7", Msg: "ended without the job's exit status (srun: signal: killed)"},
			wantMsg: "connection error: step 42.7: ended without the job's exit status (srun: signal: killed)", scancel: true},
		{name: "no step", err: "srun: error: Unable to create step for job 42: Invalid job id specified\n", status: "1",
			want:    remote.StartError(errors.New("Unable to create step for job 42: Invalid job id specified")),
			wantMsg: "cannot start: Unable to create step for job 42: Invalid job id specified"},
		{name: "the last error is the message", err: "srun: error: first\nsrun: warning: x\nsrun: error: Unable to create step: Requested nodes are busy\n", status: "1",
			want:    remote.StartError(errors.New("Unable to create step: Requested nodes are busy")),
			wantMsg: "cannot start: Unable to create step: Requested nodes are busy"},
		{name: "no step, no word", status: "2",
			want:    remote.StartError(errors.New("srun: exit status 2 before the step started")),
			wantMsg: "cannot start: srun: exit status 2 before the step started"},
		{name: "no step, killed", status: "KILL",
			want:    remote.StartError(errors.New("srun: signal: killed before the step started")),
			wantMsg: "cannot start: srun: signal: killed before the step started"},
		{name: "no step, exit 0", status: "0",
			want:    remote.StartError(errors.New("srun: exit status 0 before the step started")),
			wantMsg: "cannot start: srun: exit status 0 before the step started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			log := &debugLog{}
			e := openInside(t, f, log)
			defer func() { _ = e.Close() }()
			spec := f.spec("job", "unused", "FAKE_SRUN=canned", "FAKE_STEP=7", "FAKE_OUT="+tc.out, "FAKE_ERR="+tc.err, "FAKE_STATUS="+tc.status)
			res, pid := run(t, context.Background(), e, spec)
			if !errorsEqual(res.Err, tc.want) {
				t.Errorf("Err = %#v (%v), want %#v", res.Err, res.Err, tc.want)
			}
			if tc.want != nil {
				if res.Err == nil || res.Err.Error() != tc.wantMsg {
					t.Errorf("message %q, want %q", res.Err, tc.wantMsg)
				}
				if _, ok := res.Err.(exception.Exception); !ok {
					t.Errorf("%T is not an exception", res.Err)
				}
				var tmp task.Temporary
				if errors.As(res.Err, &tmp) && tmp.Temporary() != tc.temporary {
					t.Errorf("Temporary() = %v, want %v", tmp.Temporary(), tc.temporary)
				}
			}
			if got := value(t, res); got != tc.value {
				t.Errorf("value %q, want %q", got, tc.value)
			}
			if got := spec.Stderr.(*lineWriter).String(); got != tc.stderr {
				t.Errorf("stderr %q, want %q", got, tc.stderr)
			}
			lines := log.all()
			for _, d := range tc.debug {
				if !slices.Contains(lines, d) {
					t.Errorf("debug lacks %q: %q", d, lines)
				}
			}
			wantStep := ""
			if strings.Contains(tc.err, "@R@start") {
				wantStep = "42.7"
			}
			if res.SlurmJob != wantStep || res.Pid != pid || pid == 0 {
				t.Errorf("SlurmJob %q, Pid %d (started %d); want %q and srun's pid", res.SlurmJob, res.Pid, pid, wantStep)
			}
			var sc []string
			for _, c := range only(f.calls(t), "scancel") {
				sc = append(sc, strings.Join(c.args, " "))
			}
			if tc.scancel && !slices.Equal(sc, []string{"42.7"}) || !tc.scancel && len(sc) != 0 {
				t.Errorf("scancel calls %q, want the step cancelled: %v", sc, tc.scancel)
			}
		})
	}
}

// TestExecCancelled: a job cancelled by aiorun (its context) gets
// SIGTERM through srun's standard input, and its exception is the
// context's cause, whatever srun reports after.
func TestExecCancelled(t *testing.T) {
	timeout := &exception.TimeoutError{After: time.Second}
	for _, tc := range []struct {
		name    string
		command string
		grace   time.Duration
		cancel  func(context.CancelCauseFunc)
		want    error
	}{
		{name: "own timeout", command: "echo ready >&2; exec sleep 1000", grace: 5 * time.Second,
			cancel: func(c context.CancelCauseFunc) { c(timeout) }, want: timeout},
		{name: "fail-fast", command: "echo ready >&2; exec sleep 1000", grace: 5 * time.Second,
			cancel: func(c context.CancelCauseFunc) { c(&exception.CancelledError{Reason: exception.ReasonFailFast}) },
			want:   &exception.CancelledError{Reason: exception.ReasonFailFast}},
		{name: "deadline", command: "echo ready >&2; exec sleep 1000", grace: 5 * time.Second,
			cancel: func(c context.CancelCauseFunc) { c(context.DeadlineExceeded) },
			want:   &exception.CancelledError{Reason: exception.ReasonDeadline}},
		{name: "plain cancel", command: "echo ready >&2; exec sleep 1000", grace: 5 * time.Second,
			cancel: func(c context.CancelCauseFunc) { c(nil) }, want: &exception.CancelledError{}},
		{name: "ignores SIGTERM: SIGKILL after the grace", command: "trap '' TERM; echo ready >&2; sleep 1000; echo survived",
			grace: 100 * time.Millisecond, cancel: func(c context.CancelCauseFunc) { c(timeout) }, want: timeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			log := &debugLog{}
			e := openInside(t, f, log)
			defer func() { _ = e.Close() }()
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			spec := f.spec("job", tc.command)
			spec.Grace = tc.grace
			done := make(chan task.Result, 1)
			go func() { res, _ := run(t, ctx, e, spec); done <- res }()
			spec.Stderr.(*lineWriter).waitReady(t)
			tc.cancel(cancel)
			res := <-done
			if !errorsEqual(res.Err, tc.want) {
				t.Errorf("Err = %#v (%v), want %#v", res.Err, res.Err, tc.want)
			}
			if got := value(t, res); got != "" {
				t.Errorf("value %q, want none", got)
			}
			if !log.has("signal job in allocation 42 pid=") {
				t.Errorf("debug %q: no signal event", log.all())
			}
			if len(only(f.calls(t), "scancel")) != 0 {
				t.Errorf("the step reported its exit, yet was cancelled: %v", f.calls(t))
			}
		})
	}
}

// TestExecCancelledCanned: aiorun's request travels on srun's standard
// input; a step that then ends without the job's exit, even with a word
// of Slurm's cancellation and status 0, is recorded with aiorun's cause,
// and the step is cancelled.
func TestExecCancelledCanned(t *testing.T) {
	f := newFake(t)
	e := openInside(t, f, nil)
	defer func() { _ = e.Close() }()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	spec := f.spec("job", "unused", "FAKE_SRUN=canned", "FAKE_STEP=9", "FAKE_READ=1",
		"FAKE_ERR=@R@start @STEP@\nready\n", "FAKE_ERR2=slurmstepd: error: *** STEP @STEP@ ON n1 CANCELLED AT 2024-05-01T10:00:00 ***\n")
	done := make(chan task.Result, 1)
	go func() { res, _ := run(t, ctx, e, spec); done <- res }()
	spec.Stderr.(*lineWriter).waitReady(t)
	want := &exception.TimeoutError{After: 2 * time.Second}
	cancel(want)
	res := <-done
	if res.Err != want {
		t.Errorf("Err = %#v, want the cause %#v", res.Err, want)
	}
	c := srunCall(t, f, "job")
	ctl, err := os.ReadFile(filepath.Join(f.dir, "ctl."+strconv.Itoa(c.pid)))
	if err != nil || string(ctl) != "TERM\n" {
		t.Errorf("srun's standard input: %q, %v; want TERM", ctl, err)
	}
	if sc := only(f.calls(t), "scancel"); len(sc) != 1 || !slices.Equal(sc[0].args, []string{"42.9"}) {
		t.Errorf("scancel calls %v, want one of the step 42.9", sc)
	}
}

// TestExecKill: closing Spec.Kill outside a cancellation kills the job at
// once: a CancelledError with the reason signal.
func TestExecKill(t *testing.T) {
	f := newFake(t)
	e := openInside(t, f, nil)
	defer func() { _ = e.Close() }()
	kill := make(chan struct{})
	spec := f.spec("job", "trap '' TERM; echo ready >&2; sleep 1000")
	spec.Kill = kill
	done := make(chan task.Result, 1)
	go func() { res, _ := run(t, context.Background(), e, spec); done <- res }()
	spec.Stderr.(*lineWriter).waitReady(t)
	close(kill)
	res := <-done
	if want := (&exception.CancelledError{Reason: exception.ReasonSignal}); !errorsEqual(res.Err, want) {
		t.Errorf("Err = %#v, want %#v", res.Err, want)
	}
}

// TestExecNotStarted: an attempt whose context is already done, or that
// comes after Close, runs no srun; one whose srun cannot be started is a
// StartError with exec's error.
func TestExecNotStarted(t *testing.T) {
	f := newFake(t)
	e := openInside(t, f, nil)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := &exception.CancelledError{Reason: exception.ReasonFailFast}
	cancel(cause)
	started := false
	res := e.ExecInfo(ctx, f.spec("early", "true"), func(task.Info) { started = true })
	if res.Err != cause || started {
		t.Errorf("cancelled before: Err %#v, started %v; want the cause, not started", res.Err, started)
	}

	// srun gone from where Open found it.
	f.remove(t, "srun")
	res = e.Exec(context.Background(), f.spec("nosrun", "true"), func(int) { started = true })
	var se *exception.StartError
	if !errors.As(res.Err, &se) || !strings.Contains(res.Err.Error(), "cannot start: fork/exec "+f.bin+"/srun") || started {
		t.Errorf("srun missing: Err %v, started %v; want a StartError from exec", res.Err, started)
	}
	var tmp task.Temporary
	if !errors.As(res.Err, &tmp) || tmp.Temporary() {
		t.Errorf("srun missing: %v should not be temporary", res.Err)
	}
	f.install(t, "srun", fakeTools["srun"])

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	res = e.Exec(context.Background(), f.spec("late", "true"), nil)
	if !errors.As(res.Err, &se) || res.Err.Error() != "cannot start: executor closed" || started {
		t.Errorf("after Close: Err %v, started %v; want cannot start: executor closed", res.Err, started)
	}
	if errors.As(res.Err, &tmp) && tmp.Temporary() {
		t.Errorf("after Close: %v should not be temporary", res.Err)
	}
	for _, c := range only(f.calls(t), "srun") {
		if !slices.Contains(c.args, "--job-name=aiorun-sweep") {
			t.Errorf("srun ran for an attempt that should not have started: %v", c)
		}
	}
}

// TestExecConcurrent: attempts run at once, each in its own step with
// its own output.
func TestExecConcurrent(t *testing.T) {
	f := newFake(t)
	e := openInside(t, f, nil)
	defer func() { _ = e.Close() }()
	const n = 4
	var wg sync.WaitGroup
	results := make([]task.Result, n)
	for i := range n {
		wg.Go(func() {
			results[i] = e.Exec(context.Background(), f.spec(fmt.Sprintf("job%d", i), fmt.Sprintf("printf %d", i)), nil)
		})
	}
	wg.Wait()
	steps := map[string]bool{}
	for i, res := range results {
		if res.Err != nil || value(t, res) != strconv.Itoa(i) {
			t.Errorf("job%d: Err %v, value %q", i, res.Err, value(t, res))
		}
		steps[res.SlurmJob] = true
		srunCall(t, f, fmt.Sprintf("job%d", i))
	}
	if len(steps) != n {
		t.Errorf("steps %v, want %d different ones", steps, n)
	}
}
