//go:build unix

package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/task"
)

// TokenVar is the variable Exec adds to every attempt's environment. Its
// value ends with a token unique to the attempt; the sweep recognises the
// attempt's escaped processes by it. A value inherited through Spec.Env (an
// enclosing aiorun's) is kept in front, separated by ':', so that the
// enclosing run recognises the processes of a nested one as its own.
const TokenVar = "AIORUN_JOB_TOKEN"

// PipeDrainBound is how long Exec waits for EOF on a job's pipes once the
// leader has exited and the sweep has run. Past it, a pipe is held open by
// a process the sweep could not attribute to the job; Exec closes its end
// and returns, and the job's outcome is its leader's.
const PipeDrainBound = 500 * time.Millisecond

const (
	readChunk      = 64 << 10 // bytes per read from a pipe
	readsPerWake   = 16       // reads from one pipe before looking at the other
	maxSweepRounds = 64       // rounds of kill-and-reap before the sweep gives up

	// Wake bits: what became ready for a job.
	bitOut  uint32 = 1 << 0 // standard output pipe
	bitErr  uint32 = 1 << 1 // standard error pipe
	bitExit uint32 = 1 << 2 // the leader exited
)

// Options for the local executor.
type Options struct {
	// NoInline makes every job wait through the reactor, none in poll(2)
	// on a thread of its own: for a run under a tight process limit (see
	// ProcessesTight), where a thread per job could fill it.
	NoInline  bool
	SpillDir  string                           // where values larger than Threshold spill ("" = os.TempDir())
	Threshold int                              // capture.DefaultThreshold when 0
	Debug     func(format string, args ...any) // nil: no debug events
	// OnSignal, when set, is told of each signal sent to a job's process
	// group (SIGTERM on cancellation, SIGKILL after the grace), from the
	// goroutine that sent it (--trace). It must not block.
	OnSignal func(job string, pid int, sig string, why string)
}

// Local runs attempts as process groups on this machine. It is safe for
// concurrent use; Close ends it.
type Local struct {
	opts      Options
	threshold int
	devnull   *os.File
	stdin     uintptr // devnull's descriptor, every job's standard input
	self      int     // this process's pid
	prefix    string  // the tokens of this Local start with it
	seq       atomic.Uint64
	bufs      sync.Pool // *[readChunk]byte

	shellMu sync.Mutex
	shells  map[string]shellLookup

	// Skipping the shell (direct.go): PATH lookups, a pool of name sets
	// for dashEnv, and the tests' switch to keep every job on the shell.
	cmdMu    sync.Mutex
	cmds     map[cmdKey]cmdLookup
	names    sync.Pool // map[string]int
	noDirect bool

	mu      sync.Mutex
	closed  bool
	leaders map[int]struct{}    // leaders started and not yet reaped
	tokens  map[string]struct{} // tokens of attempts in progress
	execs   sync.WaitGroup      // Exec calls in progress

	claimMu sync.Mutex
	claimed map[int]struct{} // children a sweep is killing and reaping

	killMu  sync.Mutex
	killers map[<-chan struct{}]*killers // jobs waiting on their own thread, by Spec.Kill
	quit    chan struct{}                // closed by Close: the killers' goroutines end

	sys localSys
}

type shellLookup struct {
	path string
	err  error
	dash bool // the shell is dash: commands without shell syntax skip it
}

// NewLocal opens /dev/null, once, for every job's standard input, and
// starts watching for job events.
func NewLocal(opts Options) (*Local, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	l := &Local{
		opts:      opts,
		threshold: opts.Threshold,
		devnull:   devnull,
		stdin:     devnull.Fd(),
		self:      os.Getpid(),
		shells:    make(map[string]shellLookup),
		leaders:   make(map[int]struct{}),
		tokens:    make(map[string]struct{}),
		claimed:   make(map[int]struct{}),
		killers:   make(map[<-chan struct{}]*killers),
		quit:      make(chan struct{}),
	}
	l.prefix = strconv.Itoa(l.self) + "-" + strconv.FormatUint(uint64(rand.Uint32()), 36) + "-"
	if l.threshold <= 0 {
		l.threshold = capture.DefaultThreshold
	}
	l.bufs.New = func() any { return new([readChunk]byte) }
	if err := l.sys.init(l); err != nil {
		_ = devnull.Close()
		return nil, err
	}
	return l, nil
}

// Close kills anything still left: the process groups of the jobs still
// running (their Exec calls then return, and Close waits for them), then
// every remaining child process of aiorun that is not a job of another
// Local, which it reaps. It closes /dev/null. Call it after everything else
// that starts child processes in this program has finished.
func (l *Local) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	// A leader in the set is not reaped yet (its Exec takes l.mu to remove
	// it before reaping), so its group id cannot have been reused.
	for pid := range l.leaders {
		if err := unix.Kill(-pid, unix.SIGKILL); err == nil {
			l.debugf("close: killed the process group of pid %d", pid)
		}
	}
	l.mu.Unlock()
	l.execs.Wait()
	close(l.quit)
	l.finalSweep()
	return errors.Join(l.sys.close(), l.devnull.Close())
}

func (l *Local) debugf(format string, args ...any) {
	if l.opts.Debug != nil {
		l.opts.Debug(format, args...)
	}
}

// Exec runs one attempt: spec.Shell ("sh" when empty, looked up in PATH
// once per name) with -c spec.Command, the environment spec.Env plus
// TokenVar, the directory spec.Dir, standard input /dev/null, in a process
// group of its own. When the shell is dash and the command has no shell
// syntax, the command is exec'd without it, with the same observable
// outcome (see the package documentation, "Skipping the shell"). started,
// when not nil, is called with the leader's pid once it runs. Exec returns
// once the leader is reaped, the sweep is done and the output delivered;
// Result.Value is the captured standard output (nil when spec.Stdout is
// set, or when nothing started), Result.Pid the leader's pid (0 when
// nothing started).
//
// Result.Err is nil for exit status 0; *exception.ExitError for another
// status; *exception.CancelledError{Signal: S} for a leader killed by a
// signal aiorun did not send (for a command run without the shell,
// *exception.ExitError{128+S} and dash's message on standard error, as
// the shell would have reported it); the exception of context.Cause(ctx)
// when Exec signalled the job because ctx was cancelled, whatever the job
// did then (a cause that is not an exception is a CancelledError: with
// ReasonDeadline for context.DeadlineExceeded, without a reason else);
// *exception.CancelledError{Reason: ReasonSignal} when spec.Kill was closed
// while ctx was not cancelled; *exception.StartError when nothing could be
// started (its Err is a task.Temporary, true for EAGAIN, EMFILE, ENFILE,
// ENOMEM and ENOSPC); *OutputError when the job succeeded but a writer
// failed. A job that ended on its own before the cancellation reached it
// keeps its own outcome. A ctx already cancelled starts nothing.
func (l *Local) Exec(ctx context.Context, spec *task.Spec, started func(pid int)) task.Result {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return task.Result{Err: &exception.StartError{Err: errors.New("executor closed")}}
	}
	l.execs.Add(1)
	l.mu.Unlock()
	defer l.execs.Done()

	if ctx.Err() != nil {
		return task.Result{Err: exception.OfCancellation(context.Cause(ctx))}
	}
	j := &job{
		l:          l,
		spec:       spec,
		done:       make(chan struct{}),
		cancelDone: make(chan struct{}),
		w:          waker{ch: make(chan struct{}, 1)},
		out:        stream{what: "standard output", bit: bitOut, fd: -1},
		errs:       stream{what: "standard error", bit: bitErr, fd: -1},
	}
	var value *capture.Value
	var buf *capture.Buffer
	if spec.Stdout != nil {
		j.out.sink = spec.Stdout
	} else {
		buf = capture.New(l.opts.SpillDir, l.threshold)
		j.out.sink = buf
		if spec.StdoutTee != nil {
			j.out.sink = task.Tee(buf, spec.StdoutTee)
		}
		value = buf.Value()
	}
	j.errs.sink = spec.Stderr
	if err := l.start(j); err != nil {
		return task.Result{Err: &exception.StartError{Err: err}}
	}
	defer l.forgetToken(j.token)
	if started != nil {
		started(j.pid)
	}
	ws, err := j.run(ctx)
	if buf != nil {
		buf.Close() // the output is whole: release the spill file's descriptor
	}
	if err == nil {
		err = j.outcome(ws)
	}
	return task.Result{Value: value, Err: err, Pid: j.pid}
}

// start spawns the job's leader. Its errors are *startFailure.
func (l *Local) start(j *job) error {
	shell := j.spec.Shell
	if shell == "" {
		shell = "sh"
	}
	sh := l.shellPath(shell)
	if sh.err != nil {
		return &startFailure{err: sh.err}
	}
	path := sh.path
	var outp, errp [2]int
	if err := pipe(outp[:]); err != nil {
		return startFailed(fmt.Errorf("create a pipe: %w", err))
	}
	if err := pipe(errp[:]); err != nil {
		closeFds(outp[0], outp[1])
		return startFailed(fmt.Errorf("create a pipe: %w", err))
	}
	j.out.fd, j.errs.fd = outp[0], errp[0]
	if err := j.prepare(); err != nil {
		closeFds(outp[0], outp[1], errp[0], errp[1])
		return startFailed(err)
	}
	j.token = l.newToken()
	file, argv, env, direct := l.directExec(j.spec, sh.dash, j.token)
	if !direct {
		file, argv, env = path, []string{shell, "-c", j.spec.Command}, withToken(j.spec.Env, j.token)
	}
	pidfd := -1
	attr := &syscall.ProcAttr{
		Dir:   j.spec.Dir,
		Env:   env,
		Files: []uintptr{l.stdin, uintptr(outp[1]), uintptr(errp[1])},
		Sys:   sysProcAttr(&pidfd),
	}
	pid, _, err := syscall.StartProcess(file, argv, attr)
	if err != nil && direct {
		// Whatever the exec could not do (not executable, a directory, a
		// script without #! that dash runs itself, a missing
		// interpreter...), the shell does or reports in its own words.
		l.debugf("spawn %s: exec %s: %v; running it through the shell", j.spec.Name, file, err)
		direct, pidfd = false, -1
		attr.Env = withToken(j.spec.Env, j.token)
		pid, _, err = syscall.StartProcess(path, []string{shell, "-c", j.spec.Command}, attr)
	}
	closeFds(outp[1], errp[1])
	if err != nil {
		l.forgetToken(j.token)
		j.abandon()
		return startFailed(describeStart(path, j.spec.Dir, err))
	}
	j.pid, j.pidfd, j.start, j.direct = pid, pidfd, time.Now(), direct
	if direct {
		l.debugf("spawn %s pid=%d: %s (no shell: %s)", j.spec.Name, pid, shellQuote(j.spec.Command), file)
	} else {
		l.debugf("spawn %s pid=%d: %s -c %s", j.spec.Name, pid, shell, shellQuote(j.spec.Command))
	}
	if closed := l.addLeader(pid); closed {
		j.mu.Lock()
		j.killed = true
		j.signal(unix.SIGKILL, "executor closed")
		j.mu.Unlock()
	}
	j.watch()
	return nil
}

// describeStart gives a failed StartProcess its context: the directory
// when it is the one missing, else the shell.
func describeStart(path, dir string, err error) error {
	if dir != "" {
		if _, serr := os.Stat(dir); serr != nil {
			var pe *os.PathError
			if errors.As(serr, &pe) {
				return &os.PathError{Op: "chdir", Path: dir, Err: pe.Err}
			}
			return serr
		}
	}
	return &os.PathError{Op: "fork/exec", Path: path, Err: err}
}

// shellPath looks name up in PATH once; the answer, found or not, is kept.
func (l *Local) shellPath(name string) shellLookup {
	l.shellMu.Lock()
	defer l.shellMu.Unlock()
	if r, ok := l.shells[name]; ok {
		return r
	}
	path, err := exec.LookPath(name)
	if err == nil {
		// The job's Dir must not change what a relative path names.
		path, err = filepath.Abs(path)
	}
	r := shellLookup{path: path, err: err, dash: err == nil && shellIsDash(path)}
	l.shells[name] = r
	return r
}

func (l *Local) newToken() string {
	t := l.prefix + strconv.FormatUint(l.seq.Add(1), 36)
	l.mu.Lock()
	l.tokens[t] = struct{}{}
	l.mu.Unlock()
	return t
}

func (l *Local) forgetToken(t string) {
	l.mu.Lock()
	delete(l.tokens, t)
	l.mu.Unlock()
}

// addLeader records a started leader, and reports whether Close has begun
// (then the caller kills it: Close did not see it).
func (l *Local) addLeader(pid int) (closed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leaders[pid] = struct{}{}
	return l.closed
}

// forgetLeader must be called before the leader is reaped (see Close).
func (l *Local) forgetLeader(pid int) {
	l.mu.Lock()
	delete(l.leaders, pid)
	l.mu.Unlock()
}

func (l *Local) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

func (l *Local) isLeader(pid int) bool {
	l.mu.Lock()
	_, ok := l.leaders[pid]
	l.mu.Unlock()
	return ok
}

// claim marks a child as handled by the caller's sweep, so that two sweeps
// never kill or reap the same pid; false if another sweep has it.
func (l *Local) claim(pid int) bool {
	l.claimMu.Lock()
	defer l.claimMu.Unlock()
	if _, ok := l.claimed[pid]; ok {
		return false
	}
	l.claimed[pid] = struct{}{}
	return true
}

func (l *Local) release(pid int) {
	l.claimMu.Lock()
	delete(l.claimed, pid)
	l.claimMu.Unlock()
}

// withToken is env with TokenVar set to the inherited value (if any)
// followed by token. The variable comes first, where the sweep reads it
// with one short read.
func withToken(env []string, token string) []string {
	out := make([]string, 1, len(env)+1)
	inherited := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, TokenVar+"="); ok {
			inherited = v
			continue
		}
		out = append(out, kv)
	}
	if inherited != "" {
		token = inherited + ":" + token
	}
	out[0] = TokenVar + "=" + token
	return out
}

// shellQuote writes s as one sh word, for debug events.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func closeFds(fds ...int) {
	for _, fd := range fds {
		if fd >= 0 {
			_ = unix.Close(fd)
		}
	}
}

// waker tells a job's Exec goroutine what became ready.
type waker struct {
	bits atomic.Uint32
	ch   chan struct{} // capacity 1: a pending wake-up
}

func (w *waker) post(bits uint32) {
	w.bits.Or(bits)
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

func (w *waker) take() uint32 { return w.bits.Swap(0) }

// stream is one of a job's output pipes and where its bytes go.
type stream struct {
	what      string    // "standard output" or "standard error"
	bit       uint32    // its wake bit
	fd        int       // the read end; -1 once closed
	sink      io.Writer // nil: discard
	eof       bool      // nothing more will be read
	werr      error     // the sink's first error; the sink is not written after it
	rerr      error     // a read error other than EOF
	streamSys           //lint:ignore U1000 empty on Linux, see proc_linux.go
}

// deliver writes p to the sink, unless the sink already failed.
func (s *stream) deliver(j *job, p []byte) {
	if s.sink == nil || s.werr != nil {
		return
	}
	if _, err := s.sink.Write(p); err != nil {
		s.werr = err
		j.l.debugf("output %s: writing %s failed: %v; draining the rest", j.spec.Name, s.what, err)
	}
}

// job is one attempt in progress.
type job struct {
	l     *Local
	spec  *task.Spec
	token string
	pid   int
	pidfd int // -1: none
	start time.Time
	w     waker
	out   stream
	errs  stream

	// direct: the leader is the command itself, exec'd without the shell;
	// a signal that kills it is reported as dash would report it.
	direct bool

	done       chan struct{} // closed once the leader's exit is seen
	cancelDone chan struct{} // closed when the cancellation goroutine ends

	mu        sync.Mutex // guards the fields below, and orders signals before the exit is seen
	exited    bool       // the leader's exit was seen; no more signals from cancellation
	cancelled bool       // a signal was sent because ctx was cancelled
	killed    bool       // SIGKILL was sent because Spec.Kill was closed (or Close)
	cause     error      // context.Cause when cancelled

	jobSys
}

// run waits for the leader's exit while delivering output, then sweeps,
// reaps, and waits (at most PipeDrainBound) for the pipes' EOF.
func (j *job) run(ctx context.Context) (syscall.WaitStatus, error) {
	stop := context.AfterFunc(ctx, func() { j.cancel(ctx) })
	kill := j.spec.Kill
	var (
		ws     syscall.WaitStatus
		werr   error
		exited bool
		bound  time.Time // when the pipes are cut; zero until the leader exits
		bits   uint32
	)
	for {
		j.service(bits)
		if !exited && bits&bitExit != 0 && j.leaderExited() {
			exited = true
			ws, werr = j.finish()
		}
		if exited {
			if j.out.eof && j.errs.eof {
				break
			}
			if bound.IsZero() {
				bound = time.Now().Add(PipeDrainBound)
			}
		}
		var cut bool
		if bits, cut = j.await(&kill, exited, bound); cut {
			j.l.debugf("output %s: a pipe is still open %s after the sweep (held by a process outside the job's reach); closing it",
				j.spec.Name, PipeDrainBound)
			j.cutStreams()
			break
		}
	}
	if !stop() {
		<-j.cancelDone
	}
	j.release()
	return ws, werr
}

// awaitWake waits for the reactor to wake the job and returns what became
// ready; it answers *kill closed (and sets it to nil), and returns cut once
// bound (if set) has passed.
func (j *job) awaitWake(kill *<-chan struct{}, bound time.Time) (bits uint32, cut bool) {
	var boundC <-chan time.Time
	if !bound.IsZero() {
		t := time.NewTimer(time.Until(bound))
		defer t.Stop()
		boundC = t.C
	}
	for {
		select {
		case <-j.w.ch:
			return j.w.take(), false
		case <-*kill:
			*kill = nil
			j.kill()
		case <-boundC:
			return 0, true
		}
	}
}

// finish handles the leader's exit: no more signals, then the sweep, then
// the reap (in that order: the zombie leader pins the group id).
func (j *job) finish() (syscall.WaitStatus, error) {
	j.mu.Lock()
	j.exited = true
	close(j.done)
	j.mu.Unlock()
	took := time.Since(j.start)
	j.sweep()
	j.l.forgetLeader(j.pid)
	ws, err := j.reap()
	if err != nil {
		j.l.debugf("exit %s pid=%d: %v", j.spec.Name, j.pid, err)
		return ws, exception.As(fmt.Errorf("wait for pid %d: %w", j.pid, err))
	}
	how := "status " + strconv.Itoa(ws.ExitStatus())
	if ws.Signaled() {
		how = "signal " + unix.SignalName(ws.Signal())
	}
	j.l.debugf("exit %s pid=%d %s after %s", j.spec.Name, j.pid, how, took.Round(time.Millisecond))
	return ws, nil
}

// cancel is run by context.AfterFunc when ctx is cancelled: the reason to
// the cancel file, SIGTERM (then SIGCONT) to the group, SIGKILL after the grace or when
// Spec.Kill is closed. A leader that already exited on its own is left to
// the sweep and keeps its own outcome.
func (j *job) cancel(ctx context.Context) {
	defer close(j.cancelDone)
	cause := context.Cause(ctx)
	word := reasonWord(cause)
	j.mu.Lock()
	if j.exited || !j.running() {
		j.mu.Unlock()
		return
	}
	j.cancelled, j.cause = true, cause
	if word != "" && j.spec.CancelFile != "" {
		if err := os.WriteFile(j.spec.CancelFile, []byte(word+"\n"), 0o644); err != nil {
			j.l.debugf("cancel %s: %v", j.spec.Name, err)
		}
	}
	why := "reason " + word
	if word == "" {
		why = "cancelled"
	}
	j.signal(unix.SIGTERM, why)
	// A stopped job (SIGSTOP, SIGTSTP, SIGTTIN) acts on SIGTERM only once
	// it runs again: continue it, as coreutils timeout and systemd do, so
	// that its TERM handler runs now rather than SIGKILL later.
	_ = unix.Kill(-j.pid, unix.SIGCONT)
	j.mu.Unlock()

	grace := max(j.spec.Grace, 0)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-t.C:
		why = "grace " + exception.FormatDuration(grace) + " passed"
	case <-j.spec.Kill:
		why = "kill requested"
	case <-j.done:
		return
	}
	j.mu.Lock()
	if !j.exited {
		j.signal(unix.SIGKILL, why)
	}
	j.mu.Unlock()
}

// killers are the jobs that share a Spec.Kill channel and do not watch it
// themselves (they wait in poll(2)): one goroutine per channel, not one
// per job, kills them when it is closed.
type killers struct {
	jobs  map[*job]struct{}
	fired bool // the channel was closed: a job that comes later is killed at once
}

// watchKill has j killed when ch is closed, until unwatchKill.
func (l *Local) watchKill(j *job, ch <-chan struct{}) {
	l.killMu.Lock()
	k := l.killers[ch]
	if k == nil {
		k = &killers{jobs: make(map[*job]struct{})}
		l.killers[ch] = k
		go l.killOn(ch, k)
	}
	fired := k.fired
	if !fired {
		k.jobs[j] = struct{}{}
	}
	l.killMu.Unlock()
	if fired {
		j.kill()
	}
}

func (l *Local) unwatchKill(j *job, ch <-chan struct{}) {
	l.killMu.Lock()
	if k := l.killers[ch]; k != nil {
		delete(k.jobs, j)
	}
	l.killMu.Unlock()
}

// killOn kills k's jobs when ch is closed (or gives up when l is closed).
func (l *Local) killOn(ch <-chan struct{}, k *killers) {
	select {
	case <-ch:
	case <-l.quit:
		return
	}
	l.killMu.Lock()
	k.fired = true
	jobs := make([]*job, 0, len(k.jobs))
	for j := range k.jobs {
		jobs = append(jobs, j)
	}
	clear(k.jobs)
	l.killMu.Unlock()
	for _, j := range jobs {
		j.kill()
	}
}

// kill answers Spec.Kill closed outside a cancellation.
func (j *job) kill() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.exited || !j.running() {
		return
	}
	j.killed = true
	j.signal(unix.SIGKILL, "kill requested")
}

// signal sends sig to the job's process group; j.mu must be held, and the
// leader not yet reaped.
func (j *job) signal(sig unix.Signal, why string) {
	err := unix.Kill(-j.pid, sig)
	if err != nil && err != unix.ESRCH {
		j.l.debugf("signal %s pid=%d %s: %v", j.spec.Name, j.pid, unix.SignalName(sig), err)
		return
	}
	j.l.debugf("signal %s pid=%d %s (%s)", j.spec.Name, j.pid, unix.SignalName(sig), why)
	if j.l.opts.OnSignal != nil {
		j.l.opts.OnSignal(j.spec.Name, j.pid, unix.SignalName(sig), why)
	}
}

// outcome turns the leader's wait status into the attempt's Err.
func (j *job) outcome(ws syscall.WaitStatus) error {
	j.mu.Lock()
	cancelled, killed, cause := j.cancelled, j.killed, j.cause
	j.mu.Unlock()
	switch {
	case cancelled:
		return exception.OfCancellation(cause)
	case killed:
		return &exception.CancelledError{Reason: exception.ReasonSignal}
	case ws.Signaled() && j.direct && !j.l.isClosed():
		// What dash, waiting for the command, would have said and exited
		// with (see the package documentation, "Skipping the shell").
		// Close's SIGKILL is aiorun's own: it stays a CancelledError.
		msg, status := signalDeath(ws.Signal(), ws.CoreDump())
		if msg != "" {
			j.errs.deliver(j, []byte(msg))
		}
		return &exception.ExitError{Code: status}
	case ws.Signaled():
		return &exception.CancelledError{Signal: int(ws.Signal())}
	case ws.ExitStatus() != 0:
		return &exception.ExitError{Code: ws.ExitStatus()}
	}
	for _, s := range []*stream{&j.out, &j.errs} {
		if s.rerr != nil {
			return &OutputError{Stream: s.what, Op: "read", Err: s.rerr}
		}
		if s.werr != nil {
			return &OutputError{Stream: s.what, Op: "write", Err: s.werr}
		}
	}
	return nil
}

// procStat is what the sweep reads from /proc/PID/stat.
type procStat struct {
	comm       string
	state      byte
	ppid       int
	pgrp       int
	sid        int
	forkNoExec bool // PF_FORKNOEXEC: forked and not (yet) exec'd
	noEnv      bool // env_end is 0: no environment mapped (yet, or any more)
}

// parseStat parses the content of /proc/PID/stat.
func parseStat(b []byte) (procStat, bool) {
	open, i := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || i < open {
		return procStat{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 7 || len(f[0]) != 1 {
		return procStat{}, false
	}
	st := procStat{comm: string(b[open+1 : i]), state: f[0][0]}
	var err1, err2, err3, err4 error
	var flags uint64
	st.ppid, err1 = strconv.Atoi(f[1])
	st.pgrp, err2 = strconv.Atoi(f[2])
	st.sid, err3 = strconv.Atoi(f[3])
	flags, err4 = strconv.ParseUint(f[6], 10, 64)
	const pfForkNoExec = 0x40
	st.forkNoExec = flags&pfForkNoExec != 0
	// Field 51 of stat, env_end (Linux 3.5 and later).
	st.noEnv = len(f) > 48 && f[48] == "0"
	return st, err1 == nil && err2 == nil && err3 == nil && err4 == nil
}

// tokenMatch says what the tokens in a TokenVar value mean to l: one is
// mine; one is of an attempt of l that has ended (stale); one is of an
// attempt of l still in progress other than mine (other).
func (l *Local) tokenMatch(value, mine string) (isMine, stale, other bool) {
	for t := range strings.SplitSeq(value, ":") {
		switch {
		case t == mine:
			isMine = true
		case strings.HasPrefix(t, l.prefix):
			l.mu.Lock()
			_, live := l.tokens[t]
			l.mu.Unlock()
			if live {
				other = true
			} else {
				stale = true
			}
		}
	}
	return isMine, stale, other
}

// environToken finds TokenVar's value in the content of /proc/PID/environ.
func environToken(env []byte) (string, bool) {
	key := []byte(TokenVar + "=")
	for len(env) > 0 {
		entry := env
		if i := bytes.IndexByte(env, 0); i >= 0 {
			entry, env = env[:i], env[i+1:]
		} else {
			env = nil
		}
		if v, ok := bytes.CutPrefix(entry, key); ok {
			return string(v), true
		}
	}
	return "", false
}
