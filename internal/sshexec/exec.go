package sshexec

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/remote"
	"github.com/aiorun/aiorun/internal/task"
)

// Options for the ssh executor.
type Options struct {
	// Hosts are the hosts, parsed (ParseHost), in the order given.
	Hosts []Host
	// Command is how to call ssh: its program and first arguments
	// (ssh_command, --ssh-command, split into words); ["ssh"] when empty.
	Command []string
	// Env is the environment ssh runs in (aiorun's: HOME, SSH_AUTH_SOCK).
	Env []string
	// Local runs the jobs of the ":" hosts; it must be set when one is
	// given. The executor does not close it.
	Local task.Executor
	// SpillDir and Threshold are as for the local executor: where a large
	// value spills, and past what size.
	SpillDir  string
	Threshold int
	// Debug logs connections, spawns, signals and exits; nil: none.
	Debug func(format string, args ...any)
	// Warn reports, on standard error, a host that gets no jobs.
	Warn func(format string, args ...any)
}

// Defaults given to ssh unless its command already sets them.
const (
	keepAliveInterval = "15" // seconds between keep-alives
	keepAliveCount    = "3"  // unanswered keep-alives before ssh gives up
	connectTimeout    = "10" // seconds to open a connection
)

// closeBound is how long Close waits for a master to exit.
const closeBound = 2 * time.Second

// Executor runs attempts over ssh. It is safe for concurrent use; Close
// ends it.
type Executor struct {
	opts  Options
	prog  string   // ssh
	args  []string // what comes before the per-host arguments
	dir   string   // private directory of the control sockets
	hosts []*host

	mu   sync.Mutex // guards busy, dead
	gate remote.Gate
}

// host is a host entry and its master connection.
type host struct {
	Host
	ctl    string    // control socket
	master *exec.Cmd // nil for ":" and for a host whose master never ran
	done   chan struct{}
	log    tail // the master's standard error
	busy   int  // slots in use
	dead   string
}

// Open starts one master connection per host, all at once, and returns
// when each is open or has failed. A host whose master fails is reported
// through Warn and gets no jobs. Cancelling ctx stops the hosts still
// connecting; Open then returns the context's cause after closing what it
// opened. Call Close, whatever happens, once the executor is done with.
func Open(ctx context.Context, opts Options) (*Executor, error) {
	words := opts.Command
	if len(words) == 0 {
		words = []string{"ssh"}
	}
	e := &Executor{opts: opts, prog: words[0]}
	// Forced first: never a prompt (the first value ssh reads wins).
	e.args = append(e.args, "-o", "BatchMode=yes")
	e.args = append(e.args, words[1:]...)
	given := strings.ToLower(strings.Join(words[1:], " "))
	for _, o := range [][2]string{
		{"ServerAliveInterval", keepAliveInterval},
		{"ServerAliveCountMax", keepAliveCount},
		{"ConnectTimeout", connectTimeout},
	} {
		if !strings.Contains(given, strings.ToLower(o[0])) {
			e.args = append(e.args, "-o", o[0]+"="+o[1])
		}
	}
	dir, err := socketDir(opts.Env)
	if err != nil {
		return nil, err
	}
	e.dir = dir
	for i, h := range opts.Hosts {
		e.hosts = append(e.hosts, &host{Host: h, ctl: filepath.Join(dir, strconv.Itoa(i)), done: make(chan struct{})})
	}
	var wg sync.WaitGroup
	for _, h := range e.hosts {
		if h.Local {
			continue
		}
		wg.Go(func() { e.connect(ctx, h) })
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		_ = e.Close()
		return nil, err
	}
	return e, nil
}

// socketDir makes the private directory of the control sockets: short,
// since a socket path has at most 107 bytes and ssh adds 17 while it
// creates one.
func socketDir(env []string) (string, error) {
	base := os.TempDir()
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "TMPDIR="); ok && v != "" {
			base = v
		}
	}
	if len(base) > 60 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "aiorun-ssh-")
	if err != nil {
		return "", fmt.Errorf("ssh: make a directory for the control sockets: %w", err)
	}
	return dir, nil
}

func (e *Executor) debugf(format string, args ...any) {
	if e.opts.Debug != nil {
		e.opts.Debug(format, args...)
	}
}

// hostArgs are ssh's arguments for h, up to and including the
// destination's options.
func (e *Executor) hostArgs(h *host, extra ...string) []string {
	args := append([]string(nil), e.args...)
	args = append(args, "-S", h.ctl)
	if h.User != "" {
		args = append(args, "-l", h.User)
	}
	if h.Port != "" {
		args = append(args, "-p", h.Port)
	}
	return append(args, extra...)
}

// connect starts h's master and waits until its control socket exists,
// or it has exited, or ctx is done.
func (e *Executor) connect(ctx context.Context, h *host) {
	start := time.Now()
	args := e.hostArgs(h, "-M", "-N", "-o", "ControlPersist=no", "--", h.Dest())
	cmd := exec.Command(e.prog, args...)
	cmd.Env = e.opts.Env
	// Its own group: a ^C on the terminal is aiorun's to handle. It dies
	// with aiorun, which closes every session on the host.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	pr, pw, err := os.Pipe()
	if err != nil {
		e.fail(h, fmt.Sprintf("start ssh: %v", err))
		close(h.done)
		return
	}
	cmd.Stderr = pw
	e.debugf("ssh: connecting to %s: %s %s", h.Spec, e.prog, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		_ = pr.Close()
		_ = pw.Close()
		e.fail(h, fmt.Sprintf("start %s: %v", e.prog, err))
		close(h.done)
		return
	}
	_ = pw.Close()
	h.master = cmd
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		h.log.read(pr, func(line string) { e.debugf("ssh %s: %s", h.Name, line) })
	}()
	go func() {
		err := cmd.Wait()
		// Its standard error tells why it ended; a descendant may hold it
		// open, so do not wait for ever.
		select {
		case <-logged:
		case <-time.After(time.Second):
		}
		msg := h.log.last()
		if msg == "" {
			msg = "connection closed (" + describeExit(err) + ")"
		}
		e.fail(h, msg)
		close(h.done)
	}()
	delay := time.Millisecond
	for {
		if fi, err := os.Stat(h.ctl); err == nil && fi.Mode()&os.ModeSocket != 0 {
			e.debugf("ssh: connected to %s in %s (master pid %d)", h.Spec, time.Since(start).Round(time.Millisecond), cmd.Process.Pid)
			return
		}
		select {
		case <-h.done:
			e.mu.Lock()
			msg := h.dead
			e.mu.Unlock()
			if e.opts.Warn != nil {
				e.opts.Warn("ssh: cannot connect to %s: %s; it gets no jobs", h.Spec, msg)
			}
			return
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-h.done
			return
		case <-time.After(delay):
			delay = min(2*delay, 20*time.Millisecond)
		}
	}
}

// fail marks h as taking no more jobs, because of msg.
func (e *Executor) fail(h *host, msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if h.dead == "" {
		h.dead = msg
		if !e.gate.Closed() {
			e.debugf("ssh: %s takes no more jobs: %s", h.Name, msg)
		}
	}
}

func describeExit(err error) string {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "ssh exited with status 0"
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return "ssh exited with status " + strconv.Itoa(exit.ExitCode())
	}
	return "ssh: " + err.Error()
}

// Slots is how many jobs the hosts that can take jobs run at once: the
// run's worker limit is at most this.
func (e *Executor) Slots() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, h := range e.hosts {
		if h.dead == "" {
			n += h.Slots
		}
	}
	return n
}

// Live returns the hosts that can take jobs, as written.
func (e *Executor) Live() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, h := range e.hosts {
		if h.dead == "" {
			out = append(out, h.Spec)
		}
	}
	return out
}

// Close closes every master connection (ssh -O exit, then signals if it
// does not go), and removes the control sockets' directory. It waits for
// Exec calls in progress first.
func (e *Executor) Close() error {
	if !e.gate.Close() {
		return nil
	}
	var wg sync.WaitGroup
	for _, h := range e.hosts {
		if h.master == nil {
			continue
		}
		wg.Go(func() { e.closeMaster(h) })
	}
	wg.Wait()
	return os.RemoveAll(e.dir)
}

func (e *Executor) closeMaster(h *host) {
	select {
	case <-h.done:
		return
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.prog, e.hostArgs(h, "-O", "exit", "--", h.Dest())...)
	cmd.Env = e.opts.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.CombinedOutput()
	e.debugf("ssh: closing the connection to %s: %s%v", h.Spec, strings.TrimSpace(string(out)), errSuffix(err))
	select {
	case <-h.done:
		return
	case <-ctx.Done():
	}
	_ = syscall.Kill(-h.master.Process.Pid, syscall.SIGKILL)
	<-h.done
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// acquire takes a free slot for a job pinned to pin ("" for any host):
// on the least loaded host that can take it. It fails with a temporary
// StartError when every slot the job may use is busy, and with a
// ConnectionError when no host it may use can take jobs.
func (e *Executor) acquire(pin string) (*host, error) {
	if e.gate.Closed() {
		return nil, remote.StartError(errors.New("executor closed"))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var best, dead *host
	busy, matched := false, false
	for _, h := range e.hosts {
		if pin != "" && !h.Matches(pin) {
			continue
		}
		matched = true
		switch {
		case h.dead != "":
			if dead == nil {
				dead = h
			}
		case h.busy >= h.Slots:
			busy = true
		case best == nil || h.busy*best.Slots < best.busy*h.Slots:
			best = h
		}
	}
	switch {
	case best != nil:
		best.busy++
		return best, nil
	case busy:
		what := "every host"
		if pin != "" {
			what = pin
		}
		return nil, remote.BusyError(fmt.Errorf("every slot of %s is busy", what))
	case dead != nil:
		return nil, &exception.ConnectionError{Host: dead.Name, Msg: dead.dead}
	case !matched:
		return nil, remote.StartError(fmt.Errorf("no host %q", pin))
	}
	return nil, &exception.ConnectionError{Host: "ssh", Msg: "no hosts"}
}

func (e *Executor) release(h *host) {
	e.mu.Lock()
	h.busy--
	e.mu.Unlock()
}

// Exec runs one attempt; see ExecInfo.
func (e *Executor) Exec(ctx context.Context, spec *task.Spec, started func(pid int)) task.Result {
	return remote.Exec(ctx, e, spec, started)
}

// ExecInfo runs one attempt on a host with a free slot (the one spec.Host
// names, if any), and returns when the job has ended there and its output
// is delivered. started is called with the local ssh's pid and the host
// once ssh runs.
//
// Result.Err is nil for exit status 0; *exception.ExitError for another
// status (a job killed by signal S on the host exits 128+S, as its shell
// reports it); the exception of context.Cause(ctx) when ctx was cancelled
// before the job's exit was reported, whatever the job did then;
// *exception.CancelledError{Reason: ReasonSignal} when spec.Kill was
// closed outside a cancellation; *exception.ConnectionError when the
// connection failed before the job's exit was reported, or no host can
// take it; *exception.StartError when ssh could not be started, or (a
// task.Temporary one) when every slot the job may use is busy.
func (e *Executor) ExecInfo(ctx context.Context, spec *task.Spec, started func(task.Info)) task.Result {
	if res, ok := e.gate.Enter(ctx); !ok {
		return res
	}
	defer e.gate.Leave()
	h, err := e.acquire(spec.Host)
	if err != nil {
		return task.Result{Err: err}
	}
	defer e.release(h)
	if h.Local {
		if e.opts.Local == nil {
			return task.Result{Err: remote.StartError(errors.New("no local executor for host \":\""))}
		}
		res := e.opts.Local.Exec(ctx, spec, func(pid int) { started(task.Info{Pid: pid, Host: h.Name}) })
		res.Host = h.Name
		return res
	}
	return e.run(ctx, h, spec, started)
}

func (e *Executor) run(ctx context.Context, h *host, spec *task.Spec, started func(task.Info)) task.Result {
	tag := "aiorun" + remote.RandomHex(8) + ":"
	shell := spec.Shell
	if shell == "" {
		shell = "sh"
	}
	script := remote.Script(shell, spec.Dir, spec.Command, remote.Travelling(spec.Vars), spec.Grace, tag, remote.RandomHex(16))
	cmdline, prefix := remote.CommandLine(script)
	args := e.hostArgs(h, "-T", "-o", "ControlMaster=no", "-o", "ProxyCommand=false", "--", h.Dest(), cmdline)
	cmd := exec.Command(e.prog, args...)
	cmd.Env = e.opts.Env
	// Its own group (a ^C on the terminal is aiorun's); it dies with
	// aiorun, and then the host sees the end of the control channel.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var mu sync.Mutex
	before := ""
	a := &remote.Attempt{
		Cmd: cmd, Spec: spec, Tag: tag, Prefix: prefix, Where: "on " + h.Name,
		Before: func(line string) {
			e.debugf("ssh %s %s: %s", h.Name, spec.Name, line)
			mu.Lock()
			before = line
			mu.Unlock()
		},
		SpillDir: e.opts.SpillDir, Threshold: e.opts.Threshold, Debug: e.opts.Debug,
	}
	o, err := a.Run(ctx, func(pid int) {
		e.debugf("spawn %s on %s pid=%d: %s -c %s", spec.Name, h.Name, pid, shell, remote.Quote(spec.Command))
		started(task.Info{Pid: pid, Host: h.Name})
	})
	if err != nil {
		return task.Result{Err: remote.StartError(err), Host: h.Name}
	}
	res := task.Result{Value: o.Value, Pid: o.Pid, Host: h.Name}
	if exc, ok := o.Err(); ok {
		res.Err = exc
		return res
	}
	mu.Lock()
	last := before
	mu.Unlock()
	res.Err = &exception.ConnectionError{Host: h.Name, Msg: e.lostMessage(h, o.Wait, o.Started, last)}
	return res
}

// lostMessage says why a job's exit never came: the master's last words
// when the connection dropped (it may take the master a moment to see
// it), else what ssh said before the job started, else how ssh ended.
func (e *Executor) lostMessage(h *host, werr error, began bool, before string) string {
	select {
	case <-h.done:
	case <-time.After(200 * time.Millisecond):
	}
	e.mu.Lock()
	dead := h.dead
	e.mu.Unlock()
	switch {
	case dead != "":
		return dead
	case !began && before != "":
		return before
	case !began:
		return "the job did not start (ssh: " + remote.DescribeExit(werr) + ")"
	}
	return "the connection ended before the job's exit status came (ssh: " + remote.DescribeExit(werr) + ")"
}

// tail keeps the last lines a master wrote.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (t *tail) read(r io.ReadCloser, each func(string)) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		each(line)
		t.mu.Lock()
		t.lines = append(t.lines, line)
		if len(t.lines) > 8 {
			t.lines = t.lines[1:]
		}
		t.mu.Unlock()
	}
}

func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return ""
	}
	return t.lines[len(t.lines)-1]
}
