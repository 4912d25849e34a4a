// Package runner is the scheduler: it plays asyncio.run, asyncio.gather and
// asyncio.as_completed over the jobs of a job file. It decides what starts
// when (needs, the worker limit, retries), what is cancelled and why
// (fail-fast, timeouts, deadlines, signals, shields), and what the command's
// result and exit status are.
//
// The runner owns no terminal output: it starts attempts through a
// task.Executor and tells an event.Reporter what happened, from a single
// goroutine, in order. Its only I/O is the per-run state directory that
// carries awaited values and cancellation reasons to jobs.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/guard"
	"github.com/aiorun/aiorun/internal/jobfile"
	"github.com/aiorun/aiorun/internal/task"
)

// Environment variables aiorun sets for its jobs (SPEC §8).
const (
	EnvDeadline   = "AIORUN_DEADLINE"    // RFC 3339 UTC; the earliest deadline over the job
	EnvCancelFile = "AIORUN_CANCEL_FILE" // where the cancellation reason is written
	EnvValues     = "AIORUN_VALUES"      // directory of awaited values, one file per job
	EnvJob        = "AIORUN_JOB"         // the job's own name
)

// MaxValueEnv is the largest awaited value also put in the environment as
// AIORUN_VALUE_<NAME>; a larger one is only in $AIORUN_VALUES/<NAME>, since
// Linux refuses to exec with an environment string over 128 KiB.
const MaxValueEnv = 64 << 10

// MaxRetryDelay caps the doubling retry delay (SPEC §8).
const MaxRetryDelay = 30 * time.Second

// DeadlineFormat is how AIORUN_DEADLINE is written and read.
const DeadlineFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Options are the command's settings for one run.
type Options struct {
	Mode event.Mode
	// Jobs are the selected job names, in the order they report; empty
	// means every job in declaration order.
	Jobs             []string
	Timeout          time.Duration // the command's --timeout; 0: none
	Deadline         time.Time     // an enclosing run's deadline (AIORUN_DEADLINE); zero: none
	ReturnExceptions bool
	MaxWorkers       int           // 0: no limit
	Grace            time.Duration // between SIGTERM and SIGKILL
	// Kill, when closed, kills every job at once (a second SIGINT).
	Kill <-chan struct{}
	// Passthrough, when set, receives the selected jobs' standard output
	// and standard error unchanged (run), instead of capturing the value
	// and prefixing the errors.
	Passthrough, PassthroughErr io.Writer
	// Env is the environment jobs start from (os.Environ()).
	Env []string
	// Stack is the recursion guard's stack of enclosing runs.
	Stack guard.Stack
	// StateDir is where the per-run directory for values and cancel files
	// is made ("" = os.TempDir()); it is removed when the run ends.
	StateDir string
	// Rand is the source of retry jitter, in [0, 1); nil: math/rand.
	Rand func() float64
	// Debug logs scheduling events; nil: none.
	Debug func(format string, args ...any)
}

// ExitCoder is implemented by causes of a stopped run (a signal to aiorun,
// a lost reader of its output) that name aiorun's exit status.
type ExitCoder interface{ ExitCode() int }

// Run runs the jobs of f. Cancelling ctx stops the run: every job,
// shielded or not, is cancelled with reason "signal", and the result's
// error is context.Cause(ctx). Run returns after every job it started has
// ended, and the Result it returns is also the last event reported.
func Run(ctx context.Context, f *jobfile.File, opts Options, ex task.Executor, rep event.Reporter) event.Result {
	s := newScheduler(f, opts, ex, rep)
	defer s.close()
	s.loop(ctx)
	return s.result()
}

// scheduler is the state of one run. Its fields are owned by the loop's
// goroutine; attempts talk to it only through the channels.
type scheduler struct {
	file *jobfile.File
	opts Options
	ex   task.Executor
	rep  event.Reporter
	plan *plan
	env  *baseEnv // made by the first spec

	dir      string // per-run state directory, made when first needed
	dirMade  bool
	deadline time.Time     // the earlier of --timeout and an enclosing run's deadline
	budget   time.Duration // how long the run had until deadline, for messages

	queue   readyQueue
	starved []*node // could not start for lack of resources (or a free slot)
	running int     // attempts launched and not yet ended
	live    int     // of those, attempts whose process runs
	// resourceCap, when set, holds the running jobs below the level at
	// which the system refused a process or a file.
	resourceCap int
	ended       int // attempts that ended other than by a temporary start failure
	left        int // nodes not finished
	doneCh      chan attemptResult
	timerCh     chan timerEvent
	launched    chan task.Info
	quit        chan struct{} // closed when the run is over

	aborting  error // why the run is being stopped; nil while it goes on
	failures  exception.Group
	completed []event.Outcome // as-completed order
	anyFailed bool
}

type attemptResult struct {
	node    *node
	attempt int
	res     task.Result
}

type timerEvent struct {
	node    *node
	attempt int
	kind    timerKind
}

type timerKind int

const (
	timerTimeout timerKind = iota
	timerRetry
	timerDeadline
)

func newScheduler(f *jobfile.File, opts Options, ex task.Executor, rep event.Reporter) *scheduler {
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Debug == nil {
		opts.Debug = func(string, ...any) {}
	}
	opts.Env = inheritedEnv(opts.Env)
	p := newPlan(f, opts.Jobs)
	stateDir := opts.StateDir
	if stateDir == "" {
		stateDir = os.TempDir()
	}
	return &scheduler{
		dir:      filepath.Join(stateDir, fmt.Sprintf("aiorun-%d-%016x", os.Getpid(), rand.Uint64())),
		file:     f,
		opts:     opts,
		ex:       ex,
		rep:      rep,
		plan:     p,
		left:     len(p.nodes),
		doneCh:   make(chan attemptResult),
		timerCh:  make(chan timerEvent),
		launched: make(chan task.Info, 1),
		quit:     make(chan struct{}),
	}
}

// makeDir makes the run's state directory the first time a file is to be
// put there: most runs cancel nothing and await nothing, and pay nothing.
// Its name was drawn at random when the run began (jobs carry paths into
// it from their start), so it cannot be guessed and made by someone else
// first; Mkdir fails rather than use a directory that already exists.
func (s *scheduler) makeDir() error {
	if s.dirMade {
		return nil
	}
	if err := os.Mkdir(s.dir, 0o700); err != nil {
		return fmt.Errorf("make the run's state directory: %w", err)
	}
	if err := os.Mkdir(filepath.Join(s.dir, "values"), 0o700); err != nil {
		return fmt.Errorf("make the run's state directory: %w", err)
	}
	s.dirMade = true
	return nil
}

func (s *scheduler) close() {
	close(s.quit)
	for _, n := range s.plan.nodes {
		_ = n.result.res.Value.Release()
	}
	if !s.dirMade {
		return
	}
	if err := os.RemoveAll(s.dir); err != nil {
		s.opts.Debug("remove %s: %v", s.dir, err)
	}
}

// cancel cancels n's running attempt with cause, once the directory for
// its cancel file exists.
func (s *scheduler) cancel(n *node, cause error) {
	if err := s.makeDir(); err != nil {
		s.opts.Debug("%v: %s cannot learn why it is cancelled", err, n.job.Name)
	}
	n.cancelled = true
	n.stop(cause)
}

// loop is the event loop: it starts what can start, then waits for the
// next thing to happen, until every job of the plan has finished.
func (s *scheduler) loop(ctx context.Context) {
	now := time.Now()
	s.deadline = s.opts.Deadline
	if s.opts.Timeout > 0 {
		if d := now.Add(s.opts.Timeout); s.deadline.IsZero() || d.Before(s.deadline) {
			s.deadline = d
		}
	}
	for _, n := range s.plan.nodes {
		if n.waiting == 0 {
			s.setReady(n)
		}
	}
	if !s.deadline.IsZero() {
		s.budget = s.deadline.Sub(now)
		if s.budget <= 0 {
			s.abort(s.commandTimeout(), exception.ReasonDeadline, false)
		} else {
			stop := s.after(s.budget, timerEvent{kind: timerDeadline})
			defer stop()
		}
	}
	done := ctx.Done()
	for s.left > 0 {
		if s.canStart() {
			// One start at a time, and between two a timer or a signal
			// (a burst of thousands of starts takes seconds); the jobs'
			// ends wait for the burst to end, so that every "started"
			// line of a burst comes before its jobs' ends, as asyncio
			// starts a gather's tasks before any of them ends.
			select {
			case t := <-s.timerCh:
				s.timerFired(t)
			case <-done:
				s.cancelled(ctx, &done)
			default:
				s.launch(s.queue.pop())
			}
			continue
		}
		select {
		case r := <-s.doneCh:
			s.attemptEnded(r)
		case t := <-s.timerCh:
			s.timerFired(t)
		case <-done:
			s.cancelled(ctx, &done)
		}
	}
}

// cancelled stops the run when its context is cancelled (a signal).
func (s *scheduler) cancelled(ctx context.Context, done *<-chan struct{}) {
	*done = nil
	s.abort(context.Cause(ctx), exception.ReasonSignal, true)
}

// after sends ev to the loop after d, unless the returned stop is called.
// The send gives up once the loop has returned.
func (s *scheduler) after(d time.Duration, ev timerEvent) (stop func() bool) {
	return time.AfterFunc(d, func() {
		select {
		case s.timerCh <- ev:
		case <-s.quit:
		}
	}).Stop
}

func (s *scheduler) setReady(n *node) {
	n.state = ready
	s.queue.push(n)
}

// canStart reports whether a queued job may start now: workers free, the
// run not being stopped.
func (s *scheduler) canStart() bool {
	switch {
	case len(s.queue) == 0 || s.aborting != nil:
		return false
	case s.opts.MaxWorkers > 0 && s.running >= s.opts.MaxWorkers:
		return false
	case s.resourceCap > 0 && s.running >= s.resourceCap:
		return false
	}
	return true
}

// launch starts one attempt of n and waits until its process runs (or
// failed to start), so that "started" events come in the order jobs were
// launched and carry their pids.
func (s *scheduler) launch(n *node) {
	n.attempt++
	n.state = running
	s.running++
	now := time.Now()
	if n.attempt == 1 {
		n.first = now
	}
	spec, err := s.spec(n, now)
	if err != nil {
		s.closeStderr(n)
		s.running--
		s.finish1(n, nil, &exception.StartError{Err: err})
		return
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	n.stop = cancel
	if n.job.Timeout > 0 {
		attempt := n.attempt
		n.timer = s.after(n.job.Timeout, timerEvent{node: n, attempt: attempt, kind: timerTimeout})
	}
	attempt := n.attempt
	n.endSeq = s.ended
	go func() {
		started := false
		var res task.Result
		if ie, ok := s.ex.(task.InfoExecutor); ok {
			res = ie.ExecInfo(ctx, spec, func(info task.Info) {
				started = true
				s.launched <- info
			})
		} else {
			res = s.ex.Exec(ctx, spec, func(pid int) {
				started = true
				s.launched <- task.Info{Pid: pid}
			})
		}
		if !started {
			s.launched <- task.Info{}
		}
		cancel(nil)
		s.doneCh <- attemptResult{node: n, attempt: attempt, res: res}
	}()
	info := <-s.launched
	n.pid, n.host, n.slurmJob = info.Pid, info.Host, info.SlurmJob
	if n.pid == 0 {
		return // the start failed: attemptEnded tells why
	}
	n.live = true
	s.live++
	if n.host != "" {
		s.opts.Debug("started %s on %s (attempt %d, pid %d)", n.job.Name, n.host, n.attempt, n.pid)
	} else {
		s.opts.Debug("started %s (attempt %d, pid %d)", n.job.Name, n.attempt, n.pid)
	}
	s.rep.Started(event.Started{
		Job:      n.job.Name,
		Time:     now,
		Pid:      n.pid,
		Host:     n.host,
		SlurmJob: n.slurmJob,
		Needs:    n.job.Needs,
		Attempt:  n.attempt,
	})
}

// spec describes attempt n.attempt of n for the executor.
func (s *scheduler) spec(n *node, now time.Time) (*task.Spec, error) {
	j := n.job
	if s.env == nil {
		s.env = newBaseEnv(s.opts.Env, s.file.Env)
	}
	env := make([]string, 0, len(s.env.file)+len(j.Env)+len(j.Needs)+6)
	env = append(env, s.env.file...)
	for _, v := range j.Env {
		env = append(env, v.Name+"="+v.Value)
	}
	env = append(env,
		EnvJob+"="+j.Name,
		guard.Var+"="+s.opts.Stack.Push(s.file.Digest, j.Name),
	)
	if len(n.needs) > 0 {
		env = append(env, EnvValues+"="+filepath.Join(s.dir, "values"))
	}
	cancelFile := s.cancelFile(n, n.attempt)
	env = append(env, EnvCancelFile+"="+cancelFile)
	if d := s.jobDeadline(n, now); !d.IsZero() {
		env = append(env, EnvDeadline+"="+d.UTC().Format(DeadlineFormat))
	}
	for _, need := range n.needs {
		v := need.result.res.Value
		if v.Len() > MaxValueEnv {
			continue
		}
		text, err := v.String()
		if err != nil {
			return nil, fmt.Errorf("read the value of %s: %w", need.job.Name, err)
		}
		env = append(env, jobfile.ValueVar(need.job.Name)+"="+text)
	}
	spec := &task.Spec{
		Name:       j.Name,
		Shell:      s.file.Shell,
		Command:    j.Run,
		Env:        s.env.with(env[len(s.env.file):]),
		Vars:       dedupEnv(env),
		Host:       j.Host,
		Dir:        j.Dir,
		CancelFile: cancelFile,
		Grace:      s.opts.Grace,
		Kill:       s.opts.Kill,
	}
	if s.opts.Passthrough != nil && n.selected {
		spec.Stdout = s.opts.Passthrough
		spec.Stderr = s.opts.PassthroughErr
	} else {
		n.stderr = s.rep.Stderr(j.Name)
		spec.Stderr = n.stderr
		if sr, ok := s.rep.(event.StdoutReporter); ok {
			if w := sr.Stdout(j.Name); w != nil {
				n.stdout = w
				spec.StdoutTee = w
			}
		}
	}
	return spec, nil
}

// closeStderr flushes what the attempt wrote to standard error after its
// last newline, and closes its standard output tee, if any.
func (s *scheduler) closeStderr(n *node) {
	if n.stdout != nil {
		if err := n.stdout.Close(); err != nil {
			s.opts.Debug("%s: standard output: %v", n.job.Name, err)
		}
		n.stdout = nil
	}
	if n.stderr == nil {
		return
	}
	if err := n.stderr.Close(); err != nil {
		s.opts.Debug("%s: standard error: %v", n.job.Name, err)
	}
	n.stderr = nil
}

// cancelFile is where the executor writes why an attempt was cancelled.
func (s *scheduler) cancelFile(n *node, attempt int) string {
	return filepath.Join(s.dir, n.job.Name+".cancel."+strconv.Itoa(attempt))
}

// jobDeadline is the earliest deadline over an attempt of n: its own
// timeout, and the command's unless n is shielded from it.
func (s *scheduler) jobDeadline(n *node, now time.Time) time.Time {
	d := s.deadline
	if n.job.Shield {
		d = s.opts.Deadline // an enclosing run still stops this one
	}
	if n.job.Timeout > 0 {
		if own := now.Add(n.job.Timeout); d.IsZero() || own.Before(d) {
			d = own
		}
	}
	return d
}

func cutEnv(kv string) (key, value string, ok bool) {
	// A leading '=' belongs to the name (Windows-style "=C:" entries).
	for i := 1; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// attemptEnded handles an attempt's end: success, a retry, or the job's
// final failure.
func (s *scheduler) attemptEnded(r attemptResult) {
	n := r.node
	s.running--
	if n.timer != nil {
		n.timer()
		n.timer = nil
	}
	n.stop = nil
	s.closeStderr(n)
	if n.cancelled {
		n.cancelled = false
		_ = os.Remove(s.cancelFile(n, r.attempt))
	}
	if r.res.Host != "" {
		n.host = r.res.Host
	}
	if r.res.SlurmJob != "" {
		n.slurmJob = r.res.SlurmJob
	}
	if n.live {
		n.live = false
		s.live--
	}
	err := r.res.Err
	if err != nil {
		var tmp task.Temporary
		if errors.As(err, &tmp) && tmp.Temporary() && s.aborting != nil {
			// It never started, and the run is stopping: it is cancelled
			// with the rest, not a failure of its own.
			s.ended++
			s.finish1(n, nil, &exception.CancelledError{Reason: s.reason()})
			return
		}
		if errors.As(err, &tmp) && tmp.Temporary() {
			if outOfResources(err) && s.live > 0 {
				// Stay below the level the system refused, so that the
				// next start (and aiorun's own threads) find room; each
				// job that ends well raises the cap by one again.
				s.resourceCap = max(1, s.live-1)
				s.opts.Debug("out of resources at %d running jobs: at most %d until jobs end", s.live, s.resourceCap)
			}
			switch {
			case s.ended != n.endSeq:
				// A job ended while this one tried to start, and may
				// have freed what it lacked: try again now.
				s.opts.Debug("cannot start %s yet: %v; trying again", n.job.Name, err)
				n.attempt--
				n.state = ready
				s.queue.push(n)
				return
			case s.live > 0:
				// Out of processes, files or slots: wait for one of ours to end.
				s.opts.Debug("cannot start %s yet: %v; waiting for a running job to end", n.job.Name, err)
				n.attempt--
				n.state = ready
				s.starved = append(s.starved, n)
				return
			}
		}
	}
	s.ended++
	s.unstarve()
	if err == nil && s.resourceCap > 0 {
		s.resourceCap++
	}
	if err != nil && s.retryable(n, err) {
		_ = r.res.Value.Release() // a failed attempt's value is not kept: no spill file left behind
		s.retry(n, err)
		return
	}
	s.finish1(n, r.res.Value, err)
}

// outOfResources tells the system refusing a process or a file (rather
// than, say, a remote slot being busy).
func outOfResources(err error) bool {
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EMFILE) ||
		errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOMEM)
}

// unstarve requeues jobs that could not start for lack of resources, now
// that a job has ended and freed some.
func (s *scheduler) unstarve() {
	for _, n := range s.starved {
		s.queue.push(n)
	}
	s.starved = s.starved[:0]
}

func (s *scheduler) retryable(n *node, err error) bool {
	if s.aborting != nil || n.attempt > n.job.Retries {
		return false
	}
	var exit *exception.ExitError
	var timeout *exception.TimeoutError
	return errors.As(err, &exit) || errors.As(err, &timeout)
}

// retry reports the failed attempt and schedules the next one after
// RetryDelay * 2^(k-1), capped at MaxRetryDelay, with ±10% jitter.
func (s *scheduler) retry(n *node, err error) {
	k := n.attempt // the retry about to happen
	delay := n.job.RetryDelay
	for i := 1; i < k && delay < MaxRetryDelay; i++ {
		delay *= 2
	}
	delay = min(delay, MaxRetryDelay)
	delay = time.Duration(float64(delay) * (0.9 + 0.2*s.opts.Rand()))
	n.state = delayed
	s.rep.Retrying(event.Retrying{
		Job:     n.job.Name,
		Time:    time.Now(),
		Attempt: k,
		Of:      n.job.Retries,
		Delay:   delay,
		Err:     err,
	})
	s.opts.Debug("retry %s in %s", n.job.Name, delay)
	n.timer = s.after(delay, timerEvent{node: n, attempt: k, kind: timerRetry})
}

func (s *scheduler) timerFired(t timerEvent) {
	switch t.kind {
	case timerDeadline:
		if s.aborting == nil {
			s.abort(s.commandTimeout(), exception.ReasonDeadline, false)
		}
	case timerTimeout:
		n := t.node
		if n.state == running && n.attempt == t.attempt && n.stop != nil {
			s.opts.Debug("timeout %s after %s", n.job.Name, n.job.Timeout)
			s.cancel(n, &exception.TimeoutError{After: n.job.Timeout})
		}
	case timerRetry:
		n := t.node
		if n.state == delayed && n.attempt == t.attempt {
			n.timer = nil
			s.setReady(n)
		}
	}
}

func (s *scheduler) commandTimeout() error {
	pending := 0
	for _, n := range s.plan.selected {
		if n.state != finished {
			pending++
		}
	}
	return &exception.CommandTimeout{After: max(s.budget, 0), Pending: pending, Total: len(s.plan.selected)}
}

// finish1 records n's final outcome, reports it, and moves the graph on.
func (s *scheduler) finish1(n *node, v *capture.Value, err error) {
	n.state = finished
	n.result = attemptResult{node: n, res: task.Result{Value: v, Err: err}}
	s.left--
	var dur time.Duration
	if !n.first.IsZero() {
		dur = time.Since(n.first)
	}
	s.rep.Finished(event.Finished{
		Job:      n.job.Name,
		Time:     time.Now(),
		Duration: dur,
		Started:  n.attempt > 0,
		Value:    v,
		Err:      err,
		Pid:      n.pid,
		Host:     n.host,
		SlurmJob: n.slurmJob,
		Attempts: n.attempt,
		Selected: n.selected,
	})
	if n.selected {
		s.completed = append(s.completed, event.Outcome{Job: n.job.Name, Value: v, Err: err})
	}
	if err == nil {
		s.succeeded(n)
		return
	}
	s.anyFailed = true
	if ownFailure(err) {
		if s.aborting == nil && !s.opts.ReturnExceptions {
			s.failures.Jobs = append(s.failures.Jobs, n.job.Name)
			s.failures.Errs = append(s.failures.Errs, exception.As(err))
			s.abort(&s.failures, exception.ReasonFailFast, false)
		} else if isFailFast(s.aborting) {
			s.failures.Jobs = append(s.failures.Jobs, n.job.Name)
			s.failures.Errs = append(s.failures.Errs, exception.As(err))
		}
	}
	// Dependents re-raise what they awaited (or are cancelled with the run).
	for _, d := range n.dependents {
		if d.state == waiting {
			s.finish1(d, nil, s.awaitedError(n, err))
		}
	}
}

// awaitedError is what a dependent of n raises when n failed with err.
func (s *scheduler) awaitedError(n *node, err error) error {
	if s.aborting != nil {
		return &exception.CancelledError{Reason: s.reason()}
	}
	exc := exception.As(err)
	var needs *exception.NeedsError
	if errors.As(exc, &needs) {
		exc = needs.Err // re-raise the root failure, naming the job awaited directly
	}
	return &exception.NeedsError{Need: n.job.Name, Err: exc}
}

// ownFailure tells a job's own failure from a cancellation by aiorun and
// from an awaited job's failure.
func ownFailure(err error) bool {
	var c *exception.CancelledError
	if errors.As(err, &c) && c.Reason != "" {
		return false
	}
	var needs *exception.NeedsError
	return !errors.As(err, &needs)
}

func isFailFast(err error) bool {
	var g *exception.Group
	return errors.As(err, &g)
}

// succeeded publishes n's value to the jobs that await it and readies
// those whose every need is now met.
func (s *scheduler) succeeded(n *node) {
	if len(n.dependents) > 0 {
		if err := s.publish(n); err != nil {
			for _, d := range n.dependents {
				if d.state == waiting {
					s.finish1(d, nil, &exception.StartError{Err: err})
				}
			}
			return
		}
	}
	for _, d := range n.dependents {
		if d.state != waiting {
			continue
		}
		d.waiting--
		if d.waiting == 0 && s.aborting == nil {
			s.setReady(d)
		}
	}
}

// publish writes n's value to $AIORUN_VALUES/<NAME>.
func (s *scheduler) publish(n *node) error {
	if err := s.makeDir(); err != nil {
		return err
	}
	path := filepath.Join(s.dir, "values", n.job.Name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the value of %s: %w", n.job.Name, err)
	}
	_, err = n.result.res.Value.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write the value of %s: %w", n.job.Name, err)
	}
	return nil
}

// abort stops the run for why: jobs that have not started are cancelled,
// running ones are cancelled with reason (shielded ones too when all is
// set), and the loop goes on until every running job has ended.
func (s *scheduler) abort(why error, reason exception.Reason, all bool) {
	if s.aborting == nil || all {
		s.aborting = why
	}
	s.opts.Debug("stopping: %v", why)
	cancelled := &exception.CancelledError{Reason: reason}
	for _, n := range s.plan.nodes {
		switch n.state {
		case running:
			if n.stop != nil && (all || !n.job.Shield) {
				s.cancel(n, cancelled)
			}
		case ready, delayed:
			if n.timer != nil {
				n.timer()
				n.timer = nil
			}
			s.finish1(n, nil, cancelled)
		case waiting:
			s.finish1(n, nil, cancelled)
		}
	}
	s.starved = nil
	s.queue = nil
}

func (s *scheduler) reason() exception.Reason {
	var t *exception.CommandTimeout
	switch {
	case isFailFast(s.aborting):
		return exception.ReasonFailFast
	case errors.As(s.aborting, &t):
		return exception.ReasonDeadline
	default:
		return exception.ReasonSignal
	}
}

// result builds the final Result, reports it and returns it.
func (s *scheduler) result() event.Result {
	var outcomes []event.Outcome
	if s.opts.Mode == event.AsCompleted {
		outcomes = s.completed
	} else {
		outcomes = make([]event.Outcome, len(s.plan.selected))
		for i, n := range s.plan.selected {
			outcomes[i] = event.Outcome{Job: n.job.Name, Value: n.result.res.Value, Err: n.result.res.Err}
		}
	}
	var err error
	code := 0
	switch {
	case s.aborting != nil:
		err = s.aborting
		var ec ExitCoder
		var t *exception.CommandTimeout
		switch {
		case errors.As(err, &t):
			code = 124
		case isFailFast(err):
			code = s.failures.ExitCode()
		case errors.As(err, &ec):
			code = ec.ExitCode()
		default:
			code = 1
		}
	case s.opts.Mode == event.Run && len(outcomes) == 1 && outcomes[0].Err != nil:
		code = exception.As(outcomes[0].Err).ExitCode()
	case s.anyFailed:
		code = 1
	}
	res := event.Result{Mode: s.opts.Mode, Outcomes: outcomes, Err: err, ExitCode: code}
	s.rep.Result(res)
	return res
}

// inheritedEnv drops what an enclosing aiorun set for its own job, which
// means nothing to this run's jobs (the guard stack and the deadline are
// read by the command layer and set again for each job). The executor's
// process token stays: an enclosing aiorun still recognises its nested
// run's processes by it.
func inheritedEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := cutEnv(kv)
		switch {
		case k == EnvValues, k == EnvCancelFile, k == EnvDeadline, k == EnvJob, k == guard.Var,
			strings.HasPrefix(k, "AIORUN_VALUE_"):
			continue
		}
		out = append(out, kv)
	}
	return out
}
