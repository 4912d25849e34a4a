package slurmexec

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/remote"
	"github.com/aiorun/aiorun/internal/task"
)

// Options for the Slurm executor.
type Options struct {
	// Env is aiorun's environment: where srun is looked up (PATH), the
	// allocation to use (SLURM_JOB_ID), Slurm's settings (SLURM_CONF).
	Env []string
	// Args are extra salloc arguments for the allocation (slurm.args).
	Args []string
	// Size is how many jobs may run at once: the allocation's tasks.
	Size int
	// TimeLimit is the allocation's time limit; 0: the partition's.
	TimeLimit time.Duration
	// Name is the allocation's name.
	Name string
	// SpillDir and Threshold are as for the local executor.
	SpillDir  string
	Threshold int
	// Debug logs the allocation, steps, srun's own messages, signals.
	Debug func(format string, args ...any)
}

// scancelBound bounds each scancel, the last sweep, the wait for salloc
// to end, and the wait for the allocation to leave squeue at Close. A
// variable, so that the package's tests can shorten it.
var scancelBound = 10 * time.Second

// logBound bounds the wait, once salloc has ended, for the rest of what it
// wrote on its standard error (a process it left behind may hold it
// open).
const logBound = time.Second

// Executor runs attempts as job steps. It is safe for concurrent use;
// Close ends it.
type Executor struct {
	opts  Options
	srun  string
	job   string // the allocation's id
	owned bool   // made by Open: Close releases it
	token string // every job's token starts with it: the sweep at Close finds them

	salloc     *exec.Cmd
	sallocIn   io.WriteCloser
	sallocDone chan struct{} // closed when salloc has ended
	sallocLog  chan struct{} // closed when its standard error is read to the end

	gate remote.Gate
}

func getenv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// lookPath finds name on the PATH of env.
func lookPath(env []string, name string) (string, error) {
	for dir := range strings.SplitSeq(getenv(env, "PATH"), ":") {
		if dir == "" {
			dir = "."
		}
		p := dir + "/" + name
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH", name)
}

// ErrNoSrun is Open's error when srun is not on PATH.
var ErrNoSrun = errors.New("the slurm executor needs Slurm's srun on PATH")

// Open finds the allocation to run steps in: the one aiorun runs in, or a
// new one it asks for (and waits for: it may queue). Cancelling ctx while
// it waits withdraws the request and returns the context's cause.
func Open(ctx context.Context, opts Options) (*Executor, error) {
	srun, err := lookPath(opts.Env, "srun")
	if err != nil {
		return nil, ErrNoSrun
	}
	e := &Executor{opts: opts, srun: srun, token: "aiorun-" + remote.RandomHex(12)}
	if id := getenv(opts.Env, "SLURM_JOB_ID"); id != "" {
		e.job = id
		e.debugf("slurm: running the jobs as steps of allocation %s (SLURM_JOB_ID)", id)
		return e, nil
	}
	if err := e.allocate(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Executor) debugf(format string, args ...any) {
	if e.opts.Debug != nil {
		e.opts.Debug(format, args...)
	}
}

// salloc's lines, compiled when first needed: a run without Slurm does
// not pay for them at start-up.
var (
	grantedRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Granted job allocation (\d+)`) })
	pendingRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:Pending job allocation|job) (\d+)`) })
)

// partitionCPUs is how many CPUs the partition the allocation would use
// has (the one named in args, else the default one); 0 when unknown.
func (e *Executor) partitionCPUs(args []string) int {
	part := ""
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--partition="):
			part = strings.TrimPrefix(a, "--partition=")
		case strings.HasPrefix(a, "-p") && len(a) > 2:
			part = a[2:]
		case (a == "-p" || a == "--partition") && i+1 < len(args):
			part = args[i+1]
		}
	}
	sinfo, err := lookPath(e.opts.Env, "sinfo")
	if err != nil {
		return 0
	}
	cmd := exec.Command(sinfo, "-h", "-o", "%P %C")
	cmd.Env = e.opts.Env
	out, err := cmd.Output()
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		name, cpus, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		isDefault := strings.HasSuffix(name, "*")
		name = strings.TrimSuffix(name, "*")
		if part == name || part == "" && isDefault {
			f := strings.Split(cpus, "/") // allocated/idle/other/total
			n, _ := strconv.Atoi(f[len(f)-1])
			return n
		}
	}
	return 0
}

// allocate asks for the run's allocation with salloc, running `cat` on a
// pipe this process holds: the allocation lives as long as the pipe.
func (e *Executor) allocate(ctx context.Context) error {
	salloc, err := lookPath(e.opts.Env, "salloc")
	if err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	size := max(e.opts.Size, 1)
	args := []string{"--job-name=" + e.opts.Name, "--ntasks=" + strconv.Itoa(size)}
	if cpus := e.partitionCPUs(e.opts.Args); cpus == 0 || size > cpus {
		args = append(args, "--overcommit")
	}
	if e.opts.TimeLimit > 0 {
		secs := int64(math.Ceil(e.opts.TimeLimit.Seconds()))
		args = append(args, fmt.Sprintf("--time=%d:%02d", secs/60, secs%60))
	}
	args = append(args, e.opts.Args...)
	args = append(args, "--", "cat")
	cmd := exec.Command(salloc, args...)
	cmd.Env = e.opts.Env
	// No Pdeathsig: the end of cat's input is what releases the allocation
	// when aiorun dies (salloc 22.05 can spin for ever on a SIGTERM that
	// comes as cat exits).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	cmd.Stderr = pw
	e.debugf("slurm: asking for an allocation: %s %s", salloc, strings.Join(args, " "))
	start := time.Now()
	if err := cmd.Start(); err != nil {
		_ = pr.Close()
		_ = pw.Close()
		return fmt.Errorf("slurm: start salloc: %w", err)
	}
	_ = pw.Close()
	e.salloc, e.sallocIn, e.sallocDone, e.sallocLog = cmd, in, make(chan struct{}), make(chan struct{})
	granted := make(chan string, 1)
	var mu sync.Mutex
	var pending string
	var lines []string
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			e.debugf("slurm: %s", line)
			mu.Lock()
			lines = append(lines, line)
			if m := pendingRE().FindStringSubmatch(line); m != nil && pending == "" {
				pending = m[1]
			}
			mu.Unlock()
			if m := grantedRE().FindStringSubmatch(line); m != nil {
				select {
				case granted <- m[1]:
				default: // said again: one is enough
				}
			}
		}
		_ = pr.Close()
		close(e.sallocLog)
	}()
	go func() {
		_ = cmd.Wait()
		close(e.sallocDone)
	}()
	select {
	case id := <-granted:
		e.job, e.owned = id, true
		e.debugf("slurm: allocation %s granted in %s", id, time.Since(start).Round(time.Millisecond))
		return nil
	case <-e.sallocDone:
		// salloc's last lines may still be in the pipe: its message is
		// the last of them.
		e.waitLog()
		mu.Lock()
		defer mu.Unlock()
		msg := "salloc ended without an allocation"
		if len(lines) > 0 {
			msg = lines[len(lines)-1]
		}
		return fmt.Errorf("slurm: %s", msg)
	case <-ctx.Done():
		mu.Lock()
		id := pending
		mu.Unlock()
		if id != "" {
			e.scancel(id)
		}
		_ = in.Close()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		e.waitSalloc()
		e.waitLog()
		return context.Cause(ctx)
	}
}

// waitSalloc waits (bounded) for salloc to end, and kills it if it does
// not.
func (e *Executor) waitSalloc() {
	select {
	case <-e.sallocDone:
		return
	case <-time.After(scancelBound):
	}
	_ = syscall.Kill(-e.salloc.Process.Pid, syscall.SIGKILL)
	<-e.sallocDone
}

// waitLog waits (bounded), once salloc has ended, until what it wrote is
// read and logged: nothing is logged after Open or Close returns.
func (e *Executor) waitLog() {
	select {
	case <-e.sallocLog:
	case <-time.After(logBound):
	}
}

// scancel runs scancel with args, bounded; its failure is only logged.
func (e *Executor) scancel(args ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), scancelBound)
	defer cancel()
	path, err := lookPath(e.opts.Env, "scancel")
	if err != nil {
		e.debugf("slurm: %v", err)
		return
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = e.opts.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.CombinedOutput()
	e.debugf("slurm: scancel %s%s%s", strings.Join(args, " "), prefixed(strings.TrimSpace(string(out))), errSuffix(err))
}

func prefixed(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// Job is the allocation's id.
func (e *Executor) Job() string { return e.job }

// Close waits for the Exec calls in progress, then releases the
// allocation if Open made it: scancel, the end of salloc's pipe, and a
// bounded wait until squeue no longer lists it.
func (e *Executor) Close() error {
	if !e.gate.Close() {
		return nil
	}
	e.sweepAll()
	if !e.owned {
		return nil
	}
	e.scancel(e.job)
	_ = e.sallocIn.Close()
	e.waitSalloc()
	e.waitLog()
	e.waitGone(e.job)
	return nil
}

// sweepAll runs one last step on each node of the allocation that kills
// what any job of the run left behind with its token (a job cancelled
// with SIGKILL had no chance to sweep itself).
func (e *Executor) sweepAll() {
	nodes := "1"
	if squeue, err := lookPath(e.opts.Env, "squeue"); err == nil {
		cmd := exec.Command(squeue, "-h", "-j", e.job, "-o", "%D")
		cmd.Env = e.opts.Env
		if out, err := cmd.Output(); err == nil {
			if n := strings.TrimSpace(string(out)); n != "" {
				nodes = n
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), scancelBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.srun, "--jobid="+e.job, "--overlap", "--nodes="+nodes, "--ntasks-per-node=1",
		"--job-name=aiorun-sweep", "--input=none", "--quiet", "sh", "-c", "t=$0\n"+remote.Sweep, e.token)
	cmd.Env = e.opts.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.CombinedOutput()
	e.debugf("slurm: swept allocation %s on %s node(s)%s%s", e.job, nodes, prefixed(strings.TrimSpace(string(out))), errSuffix(err))
}

// waitGone waits (bounded) until squeue no longer lists the allocation.
func (e *Executor) waitGone(job string) {
	squeue, err := lookPath(e.opts.Env, "squeue")
	if err != nil {
		return
	}
	deadline := time.Now().Add(scancelBound)
	for time.Now().Before(deadline) {
		cmd := exec.Command(squeue, "-h", "-j", job, "-o", "%i %T")
		cmd.Env = e.opts.Env
		out, err := cmd.Output()
		if err != nil || strings.TrimSpace(string(out)) == "" {
			e.debugf("slurm: allocation %s released", job)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.debugf("slurm: allocation %s still in squeue after %s", job, scancelBound)
}

// Exec runs one attempt; see ExecInfo.
func (e *Executor) Exec(ctx context.Context, spec *task.Spec, started func(pid int)) task.Result {
	return remote.Exec(ctx, e, spec, started)
}

// ExecInfo runs one attempt as a step of the allocation and returns when
// srun has ended and the output is delivered. started is called with
// srun's pid once it runs; the step's id comes in Result.SlurmJob.
//
// The step runs remote.Script, as an ssh host does: the job in a process
// group of its own, SIGTERM and SIGKILL to that group through srun's
// standard input (Slurm's own step-wide signals reach each process one
// by one, and a shell would report its child's death), the sweep of
// what left the group when the job ends (proctrack/linuxproc loses
// orphans).
//
// Result.Err is nil for exit status 0; *exception.ExitError for another
// status (128+S for a job killed by signal S); the exception of
// context.Cause(ctx) when ctx was cancelled before the job's exit was
// reported, whatever srun returned then; *exception.CancelledError when
// Slurm cancelled the step from outside (scancel, the time limit);
// *exception.StartError when srun could not start or could not create
// the step; *exception.ConnectionError when the step ended without
// reporting the job's exit otherwise.
func (e *Executor) ExecInfo(ctx context.Context, spec *task.Spec, started func(task.Info)) task.Result {
	if res, ok := e.gate.Enter(ctx); !ok {
		return res
	}
	defer e.gate.Leave()
	shell := spec.Shell
	if shell == "" {
		shell = "sh"
	}
	tag := "aiorun" + remote.RandomHex(8) + ":"
	// srun passes its whole environment on: nothing to add but the token.
	script := remote.Script(shell, spec.Dir, spec.Command, nil, spec.Grace, tag, e.token+"-"+remote.RandomHex(8))
	argv, prefix := remote.Argv(script)
	args := append([]string{"--jobid=" + e.job, "--overlap", "--ntasks=1", "--nodes=1",
		"--job-name=" + spec.Name, "--quiet"}, argv...)
	cmd := exec.Command(e.srun, args...)
	cmd.Env = spec.Env
	// Its own group (a ^C on the terminal is aiorun's to handle); it
	// dies with aiorun, taking its step with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	var mu sync.Mutex
	outside, srunErr := false, ""
	a := &remote.Attempt{
		Cmd: cmd, Spec: spec, Tag: tag, Prefix: prefix, Where: "in allocation " + e.job,
		LinePrefixes: []string{"srun: ", "slurmstepd"},
		OnLine: func(line string) {
			e.debugf("%s: %s", spec.Name, line)
			mu.Lock()
			defer mu.Unlock()
			if strings.Contains(line, "CANCELLED") {
				outside = true
			}
			if rest, ok := strings.CutPrefix(line, "srun: error: "); ok {
				srunErr = rest
			}
		},
		Before:   func(line string) { e.debugf("%s: %s", spec.Name, line) },
		SpillDir: e.opts.SpillDir, Threshold: e.opts.Threshold, Debug: e.opts.Debug,
	}
	o, err := a.Run(ctx, func(pid int) {
		e.debugf("spawn %s as a step of allocation %s pid=%d: %s -c %s", spec.Name, e.job, pid, shell, remote.Quote(spec.Command))
		started(task.Info{Pid: pid})
	})
	if err != nil {
		return task.Result{Err: remote.StartError(err)}
	}
	res := task.Result{Value: o.Value, Pid: o.Pid, SlurmJob: o.Place}
	if !o.Exited && o.Place != "" {
		// srun ended (or was stopped) without the job's exit: make sure
		// the step is gone.
		e.scancel(o.Place)
	}
	if exc, ok := o.Err(); ok {
		res.Err = exc
		return res
	}
	mu.Lock()
	cancelledOutside, lastErr := outside, srunErr
	mu.Unlock()
	switch {
	case !o.Started:
		msg := lastErr
		if msg == "" {
			msg = "srun: " + remote.DescribeExit(o.Wait) + " before the step started"
		}
		res.Err = remote.StartError(errors.New(msg))
	case cancelledOutside:
		res.Err = &exception.CancelledError{}
	default:
		res.Err = &exception.ConnectionError{Host: "step " + o.Place,
			Msg: "ended without the job's exit status (srun: " + remote.DescribeExit(o.Wait) + ")"}
	}
	return res
}
