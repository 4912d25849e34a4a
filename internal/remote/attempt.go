package remote

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/proc"
	"github.com/aiorun/aiorun/internal/task"
)

// Timing bounds of an attempt.
const (
	// DrainBound is how long Run waits for the client (ssh, srun) to end
	// once the job's exit was reported: longer means a process the wrapper
	// could not reach holds the job's output open; Run then stops the
	// client and returns.
	DrainBound = 500 * time.Millisecond
	// KillBound is how long Run waits for the client after it asked for
	// SIGKILL (a connection that hangs, a step that does not end) before
	// it stops the client.
	KillBound = 10 * time.Second
)

// Attempt is one attempt of a job through a client process whose
// command runs Script: its control channel is the client's standard
// input, its records come back on the client's standard error.
type Attempt struct {
	Cmd    *exec.Cmd  // the client, ready to start; Run sets its standard streams
	Spec   *task.Spec // the attempt
	Tag    string     // the records' tag (Script's)
	Prefix string     // written on the control channel first (Argv's stdin)
	// Where names the place in debug events: "on h1", "in allocation 12".
	Where string
	// LinePrefixes and OnLine divert the client's own messages from the
	// job's standard error (srun's); see Filter.
	LinePrefixes []string
	OnLine       func(line string)
	// Before receives what the client or a login shell wrote on standard
	// error before the wrapper started.
	Before func(line string)
	// SpillDir and Threshold are for the captured value.
	SpillDir  string
	Threshold int
	Debug     func(format string, args ...any)
}

// Outcome is what Run saw; the executor turns it into an exception.
type Outcome struct {
	Value *capture.Value
	Pid   int

	Started   bool   // the wrapper's start record came
	Place     string // what the start record added ("JOB.STEP" in a Slurm step)
	Exited    bool   // the wrapper's exit record came
	Status    int    // the job's exit status, when Exited
	Signalled bool   // the wrapper signalled the job at aiorun's request
	Wait      error  // how the client ended

	Cancelled bool  // ctx was cancelled before the job's exit came
	Cause     error // context.Cause then
	Killed    bool  // Spec.Kill was closed outside a cancellation

	OutErr, ErrErr error // writing the job's standard output, standard error
}

// Err is the attempt's exception for an outcome that needs no executor's
// judgement, and whether there is one: a cancellation that reached the
// job (one whose exit came before any signal of aiorun's ended on its
// own, and keeps its outcome), its exit status, an output that could not
// be delivered. ok is false when the exit never came: the executor says
// why.
func (o *Outcome) Err() (err error, ok bool) {
	stopped := !o.Exited || o.Signalled
	switch {
	case o.Cancelled && stopped:
		return exception.OfCancellation(o.Cause), true
	case o.Killed && stopped:
		return &exception.CancelledError{Reason: exception.ReasonSignal}, true
	case !o.Exited:
		return nil, false
	case o.Status != 0:
		return &exception.ExitError{Code: o.Status}, true
	case o.OutErr != nil:
		return &proc.OutputError{Stream: "standard output", Op: "write", Err: o.OutErr}, true
	case o.ErrErr != nil:
		return &proc.OutputError{Stream: "standard error", Op: "write", Err: o.ErrErr}, true
	}
	return nil, true
}

func (a *Attempt) debugf(format string, args ...any) {
	if a.Debug != nil {
		a.Debug(format, args...)
	}
}

// Run starts the client, calls started with its pid, and returns when it
// has ended and the job's output is delivered. Cancelling ctx sends TERM
// on the control channel (the wrapper passes SIGTERM to the job's group),
// then KILL after Spec.Grace; closing Spec.Kill sends KILL at once. Once
// the job's exit came, Run waits at most DrainBound for the client; after
// KILL, at most KillBound; then it kills the client's process group.
// err is only a failure to start the client.
func (a *Attempt) Run(ctx context.Context, started func(pid int)) (*Outcome, error) {
	spec := a.Spec
	stdin, err := a.Cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	var buf *capture.Buffer
	var sink io.Writer
	switch {
	case spec.Stdout != nil:
		sink = spec.Stdout
	default:
		buf = capture.New(a.SpillDir, a.Threshold)
		sink = buf
		if spec.StdoutTee != nil {
			sink = task.Tee(buf, spec.StdoutTee)
		}
	}
	errSink := spec.Stderr
	if errSink == nil {
		errSink = io.Discard
	}
	o := &Outcome{}
	var mu sync.Mutex // guards o's record fields until the client ends
	exitSeen := make(chan struct{})
	ctl := &control{w: stdin}
	out := &Filter{Out: sink, Tag: a.Tag, Gated: true, PassAfterOpen: true}
	errs := &Filter{Out: errSink, Tag: a.Tag, Gated: true, Before: a.Before,
		LinePrefixes: a.LinePrefixes, OnLine: a.OnLine,
		OnRecord: func(payload string) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case payload == "start" || strings.HasPrefix(payload, "start "):
				o.Started = true
				o.Place = strings.TrimPrefix(strings.TrimPrefix(payload, "start"), " ")
				ctl.ready()
			case strings.HasPrefix(payload, "signal "):
				o.Signalled = true
			case strings.HasPrefix(payload, "exit "):
				n, err := strconv.Atoi(strings.TrimPrefix(payload, "exit "))
				if err == nil && !o.Exited {
					o.Exited, o.Status = true, n
					close(exitSeen)
				}
			}
		},
	}
	a.Cmd.Stdout, a.Cmd.Stderr = out, errs
	begin := time.Now()
	if err := a.Cmd.Start(); err != nil {
		return nil, err
	}
	pid := a.Cmd.Process.Pid
	o.Pid = pid
	started(pid)
	if a.Prefix != "" {
		go ctl.write(a.Prefix)
	}
	waitCh := make(chan error, 1)
	go func() { waitCh <- a.Cmd.Wait() }()

	exited := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return o.Exited
	}
	var (
		ctxDone                = ctx.Done()
		kill                   = spec.Kill
		graceC, boundC, drainC <-chan time.Time
		exitC                  = (<-chan struct{})(exitSeen)
	)
	for waiting := true; waiting; {
		select {
		case o.Wait = <-waitCh:
			waiting = false
		case <-ctxDone:
			ctxDone = nil
			if exited() {
				continue
			}
			o.Cancelled, o.Cause = true, context.Cause(ctx)
			a.debugf("signal %s %s pid=%d SIGTERM (%s)", spec.Name, a.Where, pid, why(o.Cause))
			ctl.send("TERM\n")
			graceC = time.After(max(spec.Grace, 0))
		case <-graceC:
			graceC = nil
			if exited() {
				continue
			}
			a.debugf("signal %s %s pid=%d SIGKILL (grace %s passed)", spec.Name, a.Where, pid, exception.FormatDuration(spec.Grace))
			ctl.send("KILL\n")
			boundC = time.After(KillBound)
		case <-kill:
			kill = nil
			if exited() {
				continue
			}
			if !o.Cancelled {
				o.Killed = true
			}
			a.debugf("signal %s %s pid=%d SIGKILL (kill requested)", spec.Name, a.Where, pid)
			ctl.send("KILL\n")
			graceC = nil
			boundC = time.After(KillBound)
		case <-boundC:
			boundC = nil
			a.debugf("%s %s: no end %s after SIGKILL; stopping pid %d", spec.Name, a.Where, KillBound, pid)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		case <-exitC:
			exitC = nil
			drainC = time.After(DrainBound)
		case <-drainC:
			drainC = nil
			a.debugf("output %s %s: still open %s after the job's exit (held by a process the wrapper could not reach); stopping pid %d",
				spec.Name, a.Where, DrainBound, pid)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	ctl.close()
	_ = out.Close()
	_ = errs.Close()
	if buf != nil {
		o.Value = buf.Value()
		o.OutErr = buf.Err()
	}
	if o.OutErr == nil {
		o.OutErr = out.Err()
	}
	o.ErrErr = errs.Err()
	took := time.Since(begin).Round(time.Millisecond)
	where := a.Where
	if o.Place != "" {
		where += " (step " + o.Place + ")"
	}
	if o.Exited {
		a.debugf("exit %s %s pid=%d status %d after %s", spec.Name, where, pid, o.Status, took)
	} else {
		a.debugf("exit %s %s pid=%d without the job's status (%s) after %s", spec.Name, where, pid, DescribeExit(o.Wait), took)
	}
	return o, nil
}

// DescribeExit says how a client process ended.
func DescribeExit(err error) string {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return "exit status " + strconv.Itoa(exit.ExitCode())
	}
	return err.Error()
}

// control writes to the control channel. Requests (TERM, KILL) wait for
// the wrapper's start record: before it, the channel may still be
// carrying the script, and there is no job to signal.
type control struct {
	mu      sync.Mutex
	w       io.WriteCloser
	started bool
	queue   []string
	closed  bool
}

// write writes s now (the script, before the wrapper starts).
func (c *control) write(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		_, _ = io.WriteString(c.w, s)
	}
}

// send sends a request once the wrapper has started.
func (c *control) send(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
	case c.started:
		_, _ = io.WriteString(c.w, s)
	default:
		c.queue = append(c.queue, s)
	}
}

// ready is called when the wrapper's start record came.
func (c *control) ready() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started = true
	for _, s := range c.queue {
		if !c.closed {
			_, _ = io.WriteString(c.w, s)
		}
	}
	c.queue = nil
}

func (c *control) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		_ = c.w.Close()
	}
}

func why(cause error) string {
	var c *exception.CancelledError
	var t *exception.TimeoutError
	switch {
	case errors.As(cause, &c) && c.Reason != "":
		return "reason " + string(c.Reason)
	case errors.As(cause, &t):
		return "reason timeout"
	case errors.Is(cause, context.DeadlineExceeded):
		return "reason deadline"
	}
	return "cancelled"
}

// RandomHex is n random bytes in hex: tags and tokens.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
