package runner

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

const abc = `
jobs:
  a: sleep 2; echo a
  b: sleep 1; echo b
  c: sleep 3; echo c
`

var abcActs = map[string][]act{
	"a": {{sleep: 2 * time.Second, value: "a"}},
	"b": {{sleep: 1 * time.Second, value: "b"}},
	"c": {{sleep: 3 * time.Second, value: "c"}},
}

// interrupt is the cause of a run stopped by a signal to aiorun.
type interrupt struct{ sig syscall.Signal }

func (i interrupt) Error() string { return "interrupted by " + i.sig.String() }
func (i interrupt) ExitCode() int { return 128 + int(i.sig) }

type runCase struct {
	name string
	yaml string
	acts map[string][]act
	opts Options
	// stopAt cancels the run's context at this virtual time (a signal).
	stopAt time.Duration
	want   []string
}

func TestRun(t *testing.T) {
	for _, tc := range []runCase{
		{
			name: "gather reports in declaration order, takes the longest job's time",
			yaml: abc, acts: abcActs,
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s a: started",
				" 0.0s b: started",
				" 0.0s c: started",
				" 1.0s b: finished \"b\"",
				" 2.0s a: finished \"a\"",
				" 3.0s c: finished \"c\"",
				" 3.0s result [a=a b=b c=c] exit 0: <nil>",
			},
		},
		{
			name: "as-completed reports in completion order",
			yaml: abc, acts: abcActs,
			opts: Options{Mode: event.AsCompleted},
			want: []string{
				" 0.0s a: started", " 0.0s b: started", " 0.0s c: started",
				" 1.0s b: finished \"b\"", " 2.0s a: finished \"a\"", " 3.0s c: finished \"c\"",
				" 3.0s result [b=b a=a c=c] exit 0: <nil>",
			},
		},
		{
			name: "named jobs run and report in the order named",
			yaml: abc, acts: abcActs,
			opts: Options{Mode: event.Gather, Jobs: []string{"c", "a"}},
			want: []string{
				" 0.0s c: started", " 0.0s a: started",
				" 2.0s a: finished \"a\"", " 3.0s c: finished \"c\"",
				" 3.0s result [c=c a=a] exit 0: <nil>",
			},
		},
		{
			name: "a job named twice runs once and is in the result twice",
			yaml: abc, acts: abcActs,
			opts: Options{Mode: event.Gather, Jobs: []string{"b", "b"}},
			want: []string{
				" 0.0s b: started",
				" 1.0s b: finished \"b\"",
				" 1.0s result [b=b b=b] exit 0: <nil>",
			},
		},
		{
			name: "max workers: at most two at once, in order",
			yaml: abc, acts: abcActs,
			opts: Options{Mode: event.Gather, MaxWorkers: 2},
			want: []string{
				" 0.0s a: started", " 0.0s b: started",
				" 1.0s b: finished \"b\"", " 1.0s c: started",
				" 2.0s a: finished \"a\"", " 4.0s c: finished \"c\"",
				" 4.0s result [a=a b=b c=c] exit 0: <nil>",
			},
		},
		{
			name: "fail-fast: the first failure cancels the rest; its status is the exit status",
			yaml: abc,
			acts: map[string][]act{
				"a": {{sleep: 2 * time.Second}},
				"b": {{sleep: 1 * time.Second, exit: 3}},
				"c": {{sleep: 3 * time.Second}},
			},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s a: started", " 0.0s b: started", " 0.0s c: started",
				" 1.0s b: failed: exit status 3",
				" 1.0s a: cancelled", " 1.0s c: cancelled",
				" 1.0s result [a=CancelledError() b=ExitError(3) c=CancelledError()] exit 3: b: exit status 3",
			},
		},
		{
			name: "fail-fast cancels jobs still waiting for a worker",
			yaml: abc,
			acts: map[string][]act{"a": {{sleep: time.Second, exit: 1}}},
			opts: Options{Mode: event.Gather, MaxWorkers: 1},
			want: []string{
				" 0.0s a: started",
				" 1.0s a: failed: exit status 1",
				" 1.0s b: cancelled", " 1.0s c: cancelled",
				" 1.0s result [a=ExitError(1) b=CancelledError() c=CancelledError()] exit 1: a: exit status 1",
			},
		},
		{
			name: "return-exceptions: failures are values, every job runs, exit 1",
			yaml: abc,
			acts: map[string][]act{
				"a": {{sleep: 2 * time.Second, value: "a"}},
				"b": {{sleep: 1 * time.Second, exit: 3}},
				"c": {{sleep: 3 * time.Second, value: "c"}},
			},
			opts: Options{Mode: event.Gather, ReturnExceptions: true},
			want: []string{
				" 0.0s a: started", " 0.0s b: started", " 0.0s c: started",
				" 1.0s b: failed: exit status 3",
				" 2.0s a: finished \"a\"", " 3.0s c: finished \"c\"",
				" 3.0s result [a=a b=ExitError(3) c=c] exit 1: <nil>",
			},
		},
		{
			name: "the command's timeout cancels what runs and exits 124",
			yaml: abc, acts: abcActs,
			opts: Options{Mode: event.AsCompleted, Jobs: []string{"b", "c"}, Timeout: 1500 * time.Millisecond},
			want: []string{
				" 0.0s b: started", " 0.0s c: started",
				" 1.0s b: finished \"b\"",
				" 1.5s c: cancelled",
				" 1.5s result [b=b c=CancelledError()] exit 124: TimeoutError: 1 of 2 jobs not done after 1.5s",
			},
		},
		{
			name: "an inherited deadline stops the run even without --timeout",
			yaml: abc, acts: abcActs,
			opts: Options{Mode: event.Gather, Deadline: synctestEpoch.Add(2500 * time.Millisecond)},
			want: []string{
				" 0.0s a: started", " 0.0s b: started", " 0.0s c: started",
				" 1.0s b: finished \"b\"", " 2.0s a: finished \"a\"",
				" 2.5s c: cancelled",
				" 2.5s result [a=a b=b c=CancelledError()] exit 124: TimeoutError: 1 of 3 jobs not done after 2.5s",
			},
		},
		{
			name: "a job's own timeout is a TimeoutError, exit 124 under fail-fast",
			yaml: `
jobs:
  slow: {run: sleep 9, timeout: 1s}
  other: sleep 5
`,
			acts: map[string][]act{"slow": {{sleep: 9 * time.Second}}, "other": {{sleep: 5 * time.Second}}},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s slow: started", " 0.0s other: started",
				" 1.0s slow: timed out after 1s",
				" 1.0s other: cancelled",
				" 1.0s result [slow=TimeoutError() other=CancelledError()] exit 124: slow: timed out after 1s",
			},
		},
		{
			name: "a signal cancels everything, shielded jobs too, with the signal's status",
			yaml: `
jobs:
  a: sleep 5
  s: {run: sleep 5, shield: true}
`,
			acts:   map[string][]act{"a": {{sleep: 5 * time.Second}}, "s": {{sleep: 5 * time.Second}}},
			opts:   Options{Mode: event.Gather},
			stopAt: time.Second,
			want: []string{
				" 0.0s a: started", " 0.0s s: started",
				" 1.0s a: cancelled", " 1.0s s: cancelled",
				" 1.0s result [a=CancelledError() s=CancelledError()] exit 130: interrupted by interrupt",
			},
		},
		{
			name: "a signal in a burst of starts stops the starts that are left",
			yaml: abc,
			acts: map[string][]act{
				"a": {{startTakes: time.Second, sleep: 9 * time.Second}},
				"b": {{startTakes: time.Second, sleep: 9 * time.Second}},
				"c": {{startTakes: time.Second, sleep: 9 * time.Second}},
			},
			opts:   Options{Mode: event.Gather},
			stopAt: 1500 * time.Millisecond,
			want: []string{
				" 1.0s a: started", " 2.0s b: started",
				" 2.0s a: cancelled", " 2.0s b: cancelled", " 2.0s c: cancelled",
				" 2.0s result [a=CancelledError() b=CancelledError() c=CancelledError()] exit 130: interrupted by interrupt",
			},
		},
		{
			name: "a job that ignores SIGTERM is killed after the grace",
			yaml: abc,
			acts: map[string][]act{
				"a": {{sleep: 9 * time.Second, ignoreTerm: true}},
				"b": {{sleep: time.Second, exit: 2}},
				"c": {{sleep: 9 * time.Second}},
			},
			opts: Options{Mode: event.Gather, Grace: 3 * time.Second},
			want: []string{
				" 0.0s a: started", " 0.0s b: started", " 0.0s c: started",
				" 1.0s b: failed: exit status 2",
				" 1.0s c: cancelled",
				" 4.0s a: cancelled",
				" 4.0s result [a=CancelledError() b=ExitError(2) c=CancelledError()] exit 2: b: exit status 2",
			},
		},
		{
			name: "shield: fail-fast waits for a shielded job and keeps the first failure's status",
			yaml: `
jobs:
  upload: {run: sleep 3, shield: true}
  bad: exit 4
  other: sleep 9
`,
			acts: map[string][]act{
				"upload": {{sleep: 3 * time.Second, value: "up"}},
				"bad":    {{sleep: time.Second, exit: 4}},
				"other":  {{sleep: 9 * time.Second}},
			},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s upload: started", " 0.0s bad: started", " 0.0s other: started",
				" 1.0s bad: failed: exit status 4",
				" 1.0s other: cancelled",
				" 3.0s upload: finished \"up\"",
				" 3.0s result [upload=up bad=ExitError(4) other=CancelledError()] exit 4: bad: exit status 4",
			},
		},
		{
			name: "shield: the command's timeout does not cancel a shielded job",
			yaml: `
jobs:
  upload: {run: sleep 3, shield: true}
  other: sleep 9
`,
			acts: map[string][]act{
				"upload": {{sleep: 3 * time.Second, value: "up"}},
				"other":  {{sleep: 9 * time.Second}},
			},
			opts: Options{Mode: event.Gather, Timeout: time.Second},
			want: []string{
				" 0.0s upload: started", " 0.0s other: started",
				" 1.0s other: cancelled",
				" 3.0s upload: finished \"up\"",
				" 3.0s result [upload=up other=CancelledError()] exit 124: TimeoutError: 2 of 2 jobs not done after 1s",
			},
		},
		{
			name: "shield: a shielded job's own timeout still applies",
			yaml: `
jobs:
  upload: {run: sleep 3, shield: true, timeout: 2s}
`,
			acts: map[string][]act{"upload": {{sleep: 3 * time.Second}}},
			opts: Options{Mode: event.Gather, ReturnExceptions: true},
			want: []string{
				" 0.0s upload: started",
				" 2.0s upload: timed out after 2s",
				" 2.0s result [upload=TimeoutError()] exit 1: <nil>",
			},
		},
		{
			name: "needs: a job starts the moment its last need succeeds, not level by level",
			yaml: `
jobs:
  long: sleep 5
  short: sleep 1
  after-short: {run: x, needs: [short]}
  after-both: {run: x, needs: [short, long]}
`,
			acts: map[string][]act{
				"long":        {{sleep: 5 * time.Second, value: "L"}},
				"short":       {{sleep: time.Second, value: "S"}},
				"after-short": {{sleep: time.Second, value: "as"}},
				"after-both":  {{sleep: time.Second, value: "ab"}},
			},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s long: started", " 0.0s short: started",
				" 1.0s short: finished \"S\"",
				" 1.0s after-short: started",
				" 2.0s after-short: finished \"as\"",
				" 5.0s long: finished \"L\"",
				" 5.0s after-both: started",
				" 6.0s after-both: finished \"ab\"",
				" 6.0s result [long=L short=S after-short=as after-both=ab] exit 0: <nil>",
			},
		},
		{
			name: "needs: a selected job brings its needs along; only it is in the result",
			yaml: `
jobs:
  build: echo dist
  test: {run: x, needs: [build]}
  lint: x
`,
			acts: map[string][]act{
				"build": {{sleep: time.Second, value: "dist"}},
				"test":  {{sleep: time.Second, value: "ok"}},
			},
			opts: Options{Mode: event.Gather, Jobs: []string{"test"}},
			want: []string{
				" 0.0s build: started",
				" 1.0s build: finished \"dist\"",
				" 1.0s test: started",
				" 2.0s test: finished \"ok\"",
				" 2.0s result [test=ok] exit 0: <nil>",
			},
		},
		{
			name: "needs: a failure deep in a chain, return-exceptions: dependents re-raise it",
			yaml: `
jobs:
  a: exit 3
  b: {run: x, needs: [a]}
  c: {run: x, needs: [b]}
  d: x
`,
			acts: map[string][]act{
				"a": {{sleep: time.Second, exit: 3}},
				"d": {{sleep: 2 * time.Second, value: "d"}},
			},
			opts: Options{Mode: event.Gather, ReturnExceptions: true},
			want: []string{
				" 0.0s a: started", " 0.0s d: started",
				" 1.0s a: failed: exit status 3",
				" 1.0s b: failed: needs a: failed: exit status 3",
				" 1.0s c: failed: needs b: failed: exit status 3",
				" 2.0s d: finished \"d\"",
				" 2.0s result [a=ExitError(3) b=ExitError(3) c=ExitError(3) d=d] exit 1: <nil>",
			},
		},
		{
			name: "needs: a failure deep in a chain, fail-fast: dependents are cancelled",
			yaml: `
jobs:
  a: exit 3
  b: {run: x, needs: [a]}
  c: {run: x, needs: [b]}
  d: x
`,
			acts: map[string][]act{
				"a": {{sleep: time.Second, exit: 3}},
				"d": {{sleep: 2 * time.Second, value: "d"}},
			},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s a: started", " 0.0s d: started",
				" 1.0s a: failed: exit status 3",
				" 1.0s b: cancelled", " 1.0s c: cancelled", " 1.0s d: cancelled",
				" 1.0s result [a=ExitError(3) b=CancelledError() c=CancelledError() d=CancelledError()] exit 3: a: exit status 3",
			},
		},
		{
			name: "needs: the worker limit counts running jobs only",
			yaml: `
jobs:
  a: x
  b: {run: x, needs: [a]}
  c: {run: x, needs: [a]}
  d: x
`,
			acts: map[string][]act{
				"a": {{sleep: time.Second}}, "b": {{sleep: time.Second}},
				"c": {{sleep: time.Second}}, "d": {{sleep: 4 * time.Second}},
			},
			opts: Options{Mode: event.Gather, MaxWorkers: 2},
			want: []string{
				" 0.0s a: started", " 0.0s d: started",
				" 1.0s a: finished \"a\"", " 1.0s b: started",
				" 2.0s b: finished \"b\"", " 2.0s c: started",
				" 3.0s c: finished \"c\"",
				" 4.0s d: finished \"d\"",
				" 4.0s result [a=a b=b c=c d=d] exit 0: <nil>",
			},
		},
		{
			name: "retries: failed attempts are retried after 1s, 2s; the value is the last attempt's",
			yaml: `
jobs:
  fetch: {run: x, retries: 3}
`,
			acts: map[string][]act{"fetch": {
				{sleep: time.Second, exit: 1},
				{sleep: time.Second, exit: 7},
				{sleep: time.Second, value: "data"},
			}},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s fetch: started",
				" 1.0s fetch: retrying (1/3) after failed: exit status 1, in 1s",
				" 2.0s fetch: started (attempt 2)",
				" 3.0s fetch: retrying (2/3) after failed: exit status 7, in 2s",
				" 5.0s fetch: started (attempt 3)",
				" 6.0s fetch: finished \"data\"",
				" 6.0s result [fetch=data] exit 0: <nil>",
			},
		},
		{
			name: "retries: delays double up to 30s; the last failure is the job's",
			yaml: `
jobs:
  fetch: {run: x, retries: 3, retry_delay: 20s, timeout: 1s}
`,
			acts: map[string][]act{"fetch": {{sleep: 5 * time.Second}}},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s fetch: started",
				" 1.0s fetch: retrying (1/3) after timed out after 1s, in 20s",
				"21.0s fetch: started (attempt 2)",
				"22.0s fetch: retrying (2/3) after timed out after 1s, in 30s",
				"52.0s fetch: started (attempt 3)",
				"53.0s fetch: retrying (3/3) after timed out after 1s, in 30s",
				"83.0s fetch: started (attempt 4)",
				"84.0s fetch: timed out after 1s",
				"84.0s result [fetch=TimeoutError()] exit 124: fetch: timed out after 1s",
			},
		},
		{
			name: "retries: cancellation is never retried",
			yaml: `
jobs:
  fetch: {run: x, retries: 3}
  bad: exit 1
`,
			acts: map[string][]act{
				"fetch": {{sleep: 5 * time.Second}},
				"bad":   {{sleep: time.Second, exit: 1}},
			},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s fetch: started", " 0.0s bad: started",
				" 1.0s bad: failed: exit status 1",
				" 1.0s fetch: cancelled",
				" 1.0s result [fetch=CancelledError() bad=ExitError(1)] exit 1: bad: exit status 1",
			},
		},
		{
			name: "a start failure for lack of resources waits for a running job, then retries",
			yaml: `
jobs:
  a: x
  b: x
`,
			acts: map[string][]act{
				"a": {{sleep: 2 * time.Second}},
				"b": {{startErr: tempErr{}}, {sleep: time.Second}},
			},
			opts: Options{Mode: event.Gather},
			want: []string{
				" 0.0s a: started",
				" 2.0s a: finished \"a\"",
				" 2.0s b: started",
				" 3.0s b: finished \"b\"",
				" 3.0s result [a=a b=b] exit 0: <nil>",
			},
		},
		{
			name: "a start failure with nothing else running is the job's exception",
			yaml: `
jobs:
  a: x
`,
			acts: map[string][]act{"a": {{startErr: tempErr{}}}},
			opts: Options{Mode: event.Gather, ReturnExceptions: true},
			want: []string{
				" 0.0s a: failed: cannot start: resource temporarily unavailable",
				" 0.0s result [a=OSError('resource temporarily unavailable')] exit 1: <nil>",
			},
		},
		{
			name: "run: the job's own exit status is the command's",
			yaml: `
jobs:
  main: exit 5
`,
			acts: map[string][]act{"main": {{exit: 5}}},
			opts: Options{Mode: event.Run, Jobs: []string{"main"}},
			want: []string{
				" 0.0s main: started",
				" 0.0s main: failed: exit status 5",
				" 0.0s result [main=ExitError(5)] exit 5: main: exit status 5",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { runTimed(t, tc) })
	}
}

// synctestEpoch is the virtual time at which every synctest bubble starts.
var synctestEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

type tempErr struct{}

func (tempErr) Error() string   { return "resource temporarily unavailable" }
func (tempErr) Temporary() bool { return true }

func runTimed(t *testing.T, tc runCase) {
	synctest.Test(t, func(t *testing.T) {
		f := parse(t, tc.yaml)
		rec := &recorder{start: time.Now(), timed: true}
		ctx, stop := context.WithCancelCause(context.Background())
		defer stop(nil)
		if tc.stopAt > 0 {
			time.AfterFunc(tc.stopAt, func() { stop(interrupt{syscall.SIGINT}) })
		}
		opts := tc.opts
		opts.StateDir = t.TempDir()
		opts.Rand = func() float64 { return 0.5 } // no jitter
		Run(ctx, f, opts, newFake(tc.acts), rec)
		sortCancellations(rec.lines)
		sortCancellations(tc.want)
		if got := strings.Join(rec.lines, "\n"); got != strings.Join(tc.want, "\n") {
			t.Errorf("events:\n%s\nwant:\n%s", got, strings.Join(tc.want, "\n"))
		}
	})
}

func TestExceptionGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := parse(t, "jobs:\n  a: x\n  b: x\n  c: x\n")
		fake := newFake(map[string][]act{
			"a": {{sleep: time.Second, exit: 3}},
			"b": {{sleep: time.Second, exit: 4}},
			"c": {{sleep: 5 * time.Second}},
		})
		res := Run(context.Background(), f, Options{Mode: event.Gather, StateDir: t.TempDir()}, fake, &recorder{})
		var g *exception.Group
		if !errors.As(res.Err, &g) || len(g.Errs) != 2 {
			t.Fatalf("err = %v, want a group of two failures", res.Err)
		}
		first := g.Errs[0].(*exception.ExitError).Code
		if res.ExitCode != first {
			t.Errorf("exit code %d, want the first failure's %d", res.ExitCode, first)
		}
		msg := res.Err.Error()
		if !strings.HasPrefix(msg, "2 jobs failed: ") || !strings.Contains(msg, "a: exit status 3") || !strings.Contains(msg, "b: exit status 4") {
			t.Errorf("message %q", msg)
		}
	})
}

func TestCancelReasons(t *testing.T) {
	for _, tc := range []struct {
		name   string
		yaml   string
		opts   Options
		stopAt time.Duration
		want   map[string]string
	}{
		{"failfast", "jobs:\n  bad: x\n  a: x\n", Options{}, 0, map[string]string{"a": "failfast"}},
		{"own timeout", "jobs:\n  a: {run: x, timeout: 1s}\n", Options{ReturnExceptions: true}, 0, map[string]string{"a": "timeout"}},
		{"deadline", "jobs:\n  a: x\n", Options{Timeout: time.Second}, 0, map[string]string{"a": "deadline"}},
		{"signal", "jobs:\n  a: x\n", Options{}, time.Second, map[string]string{"a": "signal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := newFake(map[string][]act{
					"bad": {{sleep: time.Second, exit: 1}},
					"a":   {{sleep: time.Hour}},
				})
				ctx, stop := context.WithCancelCause(context.Background())
				defer stop(nil)
				if tc.stopAt > 0 {
					time.AfterFunc(tc.stopAt, func() { stop(interrupt{syscall.SIGTERM}) })
				}
				opts := tc.opts
				opts.Mode, opts.StateDir = event.Gather, t.TempDir()
				Run(ctx, parse(t, tc.yaml), opts, fake, &recorder{})
				for job, word := range tc.want {
					if fake.causes[job] != word {
						t.Errorf("%s saw %q, want %q", job, fake.causes[job], word)
					}
				}
			})
		})
	}
}

func TestEnvironment(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := parse(t, `
env: {SHARED: top, OVER: top}
jobs:
  build: {run: x, env: {OVER: job}}
  my-lib: x
  test: {run: x, needs: [build, my-lib], timeout: 10s}
  keep: {run: x, shield: true}
`)
		fake := newFake(map[string][]act{
			"build":  {{value: "dist/app"}},
			"my-lib": {{value: "it's\nlib"}},
		})
		opts := Options{
			Mode: event.Gather, Timeout: time.Minute, StateDir: t.TempDir(),
			Env: []string{"PATH=/bin", "OVER=parent", "AIORUN_VALUE_STALE=x", "AIORUN_CANCEL_FILE=/stale"},
		}
		start := time.Now()
		Run(context.Background(), f, opts, fake, &recorder{})

		build := fake.env["build"]
		for key, want := range map[string]string{"PATH": "/bin", "SHARED": "top", "OVER": "job", "AIORUN_JOB": "build", "AIORUN_VALUE_STALE": ""} {
			if got := envOf(build, key); got != want {
				t.Errorf("build: %s=%q, want %q", key, got, want)
			}
		}
		if n := countKey(build, "OVER"); n != 1 {
			t.Errorf("build: OVER appears %d times", n)
		}
		if envOf(build, EnvCancelFile) == "/stale" || envOf(build, EnvCancelFile) == "" {
			t.Errorf("build: cancel file %q", envOf(build, EnvCancelFile))
		}
		test := fake.env["test"]
		if got := envOf(test, "AIORUN_VALUE_BUILD"); got != "dist/app" {
			t.Errorf("test: AIORUN_VALUE_BUILD=%q", got)
		}
		if got := envOf(test, "AIORUN_VALUE_MY_LIB"); got != "it's\nlib" {
			t.Errorf("test: AIORUN_VALUE_MY_LIB=%q", got)
		}
		if got := fake.values["test"]; got != "build=dist/app,my-lib=it's\nlib" {
			t.Errorf("test: $AIORUN_VALUES holds %q", got)
		}
		// test's own timeout (10s) is earlier than the command's (1m).
		if got, want := envOf(test, EnvDeadline), start.Add(10*time.Second).UTC().Format(DeadlineFormat); got != want {
			t.Errorf("test: deadline %s, want %s", got, want)
		}
		if got, want := envOf(build, EnvDeadline), start.Add(time.Minute).UTC().Format(DeadlineFormat); got != want {
			t.Errorf("build: deadline %s, want %s", got, want)
		}
		if got := envOf(fake.env["keep"], EnvDeadline); got != "" {
			t.Errorf("shielded job has a deadline %s", got)
		}
		if !slices.ContainsFunc(build, func(kv string) bool { return strings.HasPrefix(kv, "AIORUN_STACK=") }) {
			t.Errorf("build: no recursion guard stack")
		}
	})
}

func countKey(env []string, key string) int {
	n := 0
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			n++
		}
	}
	return n
}

func TestRetryJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := parse(t, "jobs:\n  a: {run: x, retries: 1, retry_delay: 10s}\n")
		fake := newFake(map[string][]act{"a": {{exit: 1}, {}}})
		for _, tc := range []struct {
			rand float64
			want time.Duration
		}{{0, 9 * time.Second}, {0.75, 10500 * time.Millisecond}} {
			rec := &recorder{}
			Run(context.Background(), f, Options{Mode: event.Gather, StateDir: t.TempDir(), Rand: func() float64 { return tc.rand }}, fake, rec)
			fake.attempts["a"] = 0
			if want := "retrying (1/1) after failed: exit status 1, in " + tc.want.String(); !strings.Contains(strings.Join(rec.lines, "\n"), want) {
				t.Errorf("rand %v: %v, want %q", tc.rand, rec.lines, want)
			}
		}
	})
}

func TestWorkerLimitWideGraph(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b strings.Builder
		b.WriteString("jobs:\n  root: x\n")
		acts := map[string][]act{"root": {{sleep: time.Second}}}
		for i := range 200 {
			name := "leaf" + strconv.Itoa(i)
			b.WriteString("  " + name + ": {run: x, needs: [root]}\n")
			acts[name] = []act{{sleep: time.Second}}
		}
		fake := newFake(acts)
		res := Run(context.Background(), parse(t, b.String()), Options{Mode: event.Gather, MaxWorkers: 8, StateDir: t.TempDir()}, fake, &recorder{})
		if res.ExitCode != 0 || len(res.Outcomes) != 201 {
			t.Fatalf("exit %d, %d outcomes", res.ExitCode, len(res.Outcomes))
		}
		if fake.maxRunning != 8 {
			t.Errorf("at most %d ran at once, want 8", fake.maxRunning)
		}
	})
}

// sortCancellations sorts each run of "cancelled" lines of one instant: jobs
// cancelled together end in no particular order.
func sortCancellations(lines []string) {
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && strings.HasSuffix(lines[j], ": cancelled") && lines[j][:5] == lines[i][:5] {
			j++
		}
		slices.Sort(lines[i:j])
		i = max(j, i+1)
	}
}
