package slurmexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/task"
)

// The tests run the executor against a fake Slurm: small sh scripts named
// salloc, srun, scancel, squeue and sinfo in a directory on the PATH of
// Options.Env, whose only other directory holds links to sysTools (a
// machine's real Slurm tools are never reached). Each records its arguments (one file per call,
// NUL-separated) and its call (a line "NAME PID" in the calls file, in
// the order the calls began), then does what the FAKE_* variables of its
// environment say:
//
//	salloc  FAKE_SALLOC: grant (default) prints salloc's lines for job
//	        FAKE_JOBID (42) on standard error, runs the command after
//	        "--" (cat on aiorun's pipe), records "salloc-end PID" and says
//	        it relinquishes the allocation; script runs FAKE_SALLOC_SCRIPT
//	        instead, with $j the job id and $d the fake's directory.
//	srun    FAKE_SRUN: run (default) runs the step's command here, as
//	        slurmstepd would, with SLURM_JOB_ID and SLURM_STEP_ID
//	        (FAKE_STEP, else its pid) set: the real wrapper runs the real
//	        job; canned prints FAKE_OUT on standard output and FAKE_ERR on
//	        standard error, where @R@ is the start of a wrapper record
//	        (the mark and the attempt's tag) and @STEP@ the step's id,
//	        then, when FAKE_READ is set, reads one line of its standard
//	        input (aiorun's control channel) into ctl.PID and prints
//	        FAKE_ERR2, then exits with FAKE_STATUS (KILL: killed by
//	        SIGKILL).
//	scancel FAKE_SCANCEL: "" succeeds; fail fails as scancel does for an
//	        unknown job; hang never ends.
//	squeue  "-o %D" prints FAKE_NODES; "-o %i %T" lists the job for the
//	        first FAKE_LISTED calls (0), then nothing; FAKE_SQUEUE=fail
//	        fails.
//	sinfo   prints FAKE_SINFO and exits with FAKE_SINFO_STATUS (0).
type fakeSlurm struct {
	dir string // the fake's state: calls, args.PID, ctl.PID
	bin string // the fake tools
	sys string // links to sysTools
}

const fakeRecord = `#!/bin/sh
d=@DIR@
for a do printf '%s\000' "$a"; done > "$d/args.$$"
echo "@NAME@ $$" >> "$d/calls"
`

var fakeTools = map[string]string{
	"salloc": `j=${FAKE_JOBID:-42}
case ${FAKE_SALLOC:-grant} in
script)
	eval "$FAKE_SALLOC_SCRIPT" ;;
grant)
	echo "salloc: Pending job allocation $j" >&2
	echo "salloc: job $j queued and waiting for resources" >&2
	echo "salloc: job $j has been allocated resources" >&2
	echo "salloc: Granted job allocation $j" >&2
	echo "salloc: Waiting for resource configuration" >&2
	echo "salloc: Nodes n1 are ready for job" >&2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
	shift
	"$@"
	echo "salloc-end $$" >> "$d/calls"
	echo "salloc: Relinquishing job allocation $j" >&2 ;;
esac
`,
	"srun": `job= step=${FAKE_STEP:-$$}
while [ $# -gt 0 ]; do
	case $1 in
	--jobid=*) job=${1#--jobid=} ;;
	--*) ;;
	*) break ;;
	esac
	shift
done
case ${FAKE_SRUN:-run} in
run)
	SLURM_JOB_ID=$job SLURM_STEP_ID=$step
	export SLURM_JOB_ID SLURM_STEP_ID
	exec "$@" ;;
canned)
	# The wrapper's second line sets its records' prefix: r='\037TAG'.
	l=$(printf '%s\n' "$3" | sed -n 2p)
	case $l in
	"r='\\037"*) tag=${l#"r='\\037"}; tag=${tag%%"'"*} ;;
	*) tag= ;;
	esac
	m=$(printf '\037')
	printf '%s' "$FAKE_OUT" | sed "s/@R@/$m$tag/g; s/@STEP@/$job.$step/g"
	printf '%s' "$FAKE_ERR" | sed "s/@R@/$m$tag/g; s/@STEP@/$job.$step/g" >&2
	if [ -n "$FAKE_READ" ]; then
		IFS= read -r l
		printf '%s\n' "$l" > "$d/ctl.$$"
		printf '%s' "$FAKE_ERR2" | sed "s/@R@/$m$tag/g; s/@STEP@/$job.$step/g" >&2
	fi
	case ${FAKE_STATUS:-0} in
	KILL) kill -KILL $$ ;;
	*) exit "${FAKE_STATUS:-0}" ;;
	esac ;;
esac
`,
	"scancel": `case $FAKE_SCANCEL in
fail) echo "scancel: error: Kill job error on job id $1: Invalid job id specified" >&2; exit 1 ;;
hang) exec sleep 1000 ;;
esac
`,
	"squeue": `[ "$FAKE_SQUEUE" != fail ] || { echo "squeue: error: Invalid job id specified" >&2; exit 1; }
case $* in
*%D*) printf '%s\n' "$FAKE_NODES" ;;
*) n=$(($(cat "$d/listed" 2>/dev/null || echo 0) + 1))
	echo $n > "$d/listed"
	[ "$n" -gt "${FAKE_LISTED:-0}" ] || echo "$3 COMPLETING" ;;
esac
`,
	"sinfo": `printf '%s' "$FAKE_SINFO"
exit "${FAKE_SINFO_STATUS:-0}"
`,
}

// newFake writes the fake tools into a temporary directory, and makes
// them and sysTools this process's PATH for the test.
func newFake(t *testing.T) *fakeSlurm {
	t.Helper()
	f := &fakeSlurm{dir: t.TempDir()}
	f.bin = filepath.Join(f.dir, "bin")
	if err := os.Mkdir(f.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range fakeTools {
		f.install(t, name, body)
	}
	f.sys = filepath.Join(f.dir, "sys")
	if err := os.Mkdir(f.sys, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range sysTools {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("the tests need %s: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(f.sys, name)); err != nil {
			t.Fatal(err)
		}
	}
	// The executor looks tools up on the PATH of Options.Env; this one
	// is for anything that would look them up on this process's.
	t.Setenv("PATH", f.bin+":"+f.sys)
	return f
}

// install writes the fake tool name with body after the recording.
func (f *fakeSlurm) install(t *testing.T, name, body string) {
	t.Helper()
	head := strings.NewReplacer("@DIR@", shQuote(f.dir), "@NAME@", name).Replace(fakeRecord)
	if err := os.WriteFile(filepath.Join(f.bin, name), []byte(head+body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// remove takes the fake tool name off the PATH.
func (f *fakeSlurm) remove(t *testing.T, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(f.bin, name)); err != nil {
		t.Fatal(err)
	}
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// sysTools are the programs the fake tools, the wrapper and the jobs of
// the tests need beyond the shell's builtins.
var sysTools = []string{"sh", "setsid", "grep", "sed", "cat", "sleep", "head"}

// env is this process's environment without Slurm's and aiorun's own
// variables, with extra set, and with a PATH of the fake tools and of
// links to sysTools only: Slurm's real tools, wherever they are
// installed, are out of reach.
func (f *fakeSlurm) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "PATH", strings.HasPrefix(k, "SLURM_"), strings.HasPrefix(k, "AIORUN_"), strings.HasPrefix(k, "FAKE_"):
		default:
			env = append(env, kv)
		}
	}
	env = append(env, "PATH="+f.bin+":"+f.sys)
	return append(env, extra...)
}

// call is one call of a fake tool.
type call struct {
	name string
	pid  int
	args []string
}

func (c call) String() string { return c.name + " " + strings.Join(c.args, " ") }

// calls lists the calls so far, in the order they began; "salloc-end"
// entries (no arguments) mark the end of salloc's command.
func (f *fakeSlurm) calls(t *testing.T) []call {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, "calls"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []call
	for line := range strings.Lines(string(b)) {
		name, pid, _ := strings.Cut(strings.TrimSpace(line), " ")
		c := call{name: name}
		c.pid, _ = strconv.Atoi(pid)
		if name != "salloc-end" {
			a, err := os.ReadFile(filepath.Join(f.dir, "args."+pid))
			if err != nil {
				t.Fatal(err)
			}
			c.args = strings.Split(strings.TrimSuffix(string(a), "\x00"), "\x00")
			if len(a) == 0 {
				c.args = nil
			}
		}
		out = append(out, c)
	}
	return out
}

// only is the calls of the tool name.
func only(calls []call, name string) []call {
	var out []call
	for _, c := range calls {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// names is the tools called, in order.
func names(calls []call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.name
	}
	return out
}

// debugLog collects the executor's debug events.
type debugLog struct {
	mu    sync.Mutex
	lines []string
	on    func(line string) // called with each line, outside the lock
}

func (l *debugLog) debugf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.lines = append(l.lines, line)
	on := l.on
	l.mu.Unlock()
	if on != nil {
		on(line)
	}
}

func (l *debugLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// index is the position of the first event containing s, -1 if none.
func (l *debugLog) index(s string) int {
	for i, line := range l.all() {
		if strings.Contains(line, s) {
			return i
		}
	}
	return -1
}

func (l *debugLog) has(s string) bool { return l.index(s) >= 0 }

// lineWriter is a job's standard error: it keeps what it got and closes
// ready when a line "ready" came.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func newLineWriter() *lineWriter { return &lineWriter{ready: make(chan struct{})} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains("\n"+w.buf.String(), "\nready\n") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitReady waits for the job's "ready" line, bounded so that a broken
// executor fails the test rather than hanging it.
func (w *lineWriter) waitReady(t *testing.T) {
	t.Helper()
	select {
	case <-w.ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("the job never said ready; its standard error: %q", w.String())
	}
}

// openInside opens an executor inside the allocation 42 of the fake.
func openInside(t *testing.T, f *fakeSlurm, log *debugLog, extra ...string) *Executor {
	t.Helper()
	opts := Options{Env: f.env(append([]string{"SLURM_JOB_ID=42"}, extra...)...), Name: "aiorun"}
	if log != nil {
		opts.Debug = log.debugf
	}
	e, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open inside allocation 42: %v", err)
	}
	return e
}

// spec is an attempt of the job name running command with the fake's
// environment plus extra.
func (f *fakeSlurm) spec(name, command string, extra ...string) *task.Spec {
	return &task.Spec{Name: name, Command: command, Env: f.env(extra...), Grace: 5 * time.Second, Stderr: newLineWriter()}
}

// run runs spec in e and returns its result and srun's pid as started
// reported it.
func run(t *testing.T, ctx context.Context, e *Executor, spec *task.Spec) (task.Result, int) {
	t.Helper()
	pid := 0
	res := e.ExecInfo(ctx, spec, func(info task.Info) { pid = info.Pid })
	return res, pid
}

// reaped reports whether pid is no process any more (not even a zombie).
func reaped(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// shortBound shortens scancelBound for one test.
func shortBound(t *testing.T, d time.Duration) {
	t.Helper()
	old := scancelBound
	scancelBound = d
	t.Cleanup(func() { scancelBound = old })
}
