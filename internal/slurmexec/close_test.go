package slurmexec

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/remote"
	"github.com/aiorun/aiorun/internal/task"
)

// openOwned opens an executor with an allocation of its own (salloc's
// job 42 of the fake).
func openOwned(t *testing.T, f *fakeSlurm, log *debugLog, extra ...string) *Executor {
	t.Helper()
	opts := Options{Env: f.env(extra...), Name: "aiorun", Size: 2}
	if log != nil {
		opts.Debug = log.debugf
	}
	e, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return e
}

// TestCloseReleases: Close of an allocation aiorun made sweeps it, cancels
// it, ends salloc's command (the pipe), then waits until squeue no longer
// lists it; a second Close does nothing.
func TestCloseReleases(t *testing.T) {
	f := newFake(t)
	log := &debugLog{}
	e := openOwned(t, f, log, "FAKE_NODES=3", "FAKE_LISTED=2")
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	c := f.calls(t)
	want := []string{"sinfo", "salloc", "squeue", "srun", "scancel", "salloc-end", "squeue", "squeue", "squeue"}
	if got := names(c); !slices.Equal(got, want) {
		t.Fatalf("calls %v\nwant %v", c, want)
	}
	if got := c[2].args; !slices.Equal(got, []string{"-h", "-j", "42", "-o", "%D"}) {
		t.Errorf("squeue for the nodes: %q", got)
	}
	sweep := []string{"--jobid=42", "--overlap", "--nodes=3", "--ntasks-per-node=1", "--job-name=aiorun-sweep",
		"--input=none", "--quiet", "sh", "-c", "t=$0\n" + remote.Sweep, e.token}
	if got := c[3].args; !slices.Equal(got, sweep) {
		t.Errorf("the sweep: srun %q\nwant %q", got, sweep)
	}
	if got := c[4].args; !slices.Equal(got, []string{"42"}) {
		t.Errorf("scancel %q, want 42", got)
	}
	for _, q := range c[6:] {
		if !slices.Equal(q.args, []string{"-h", "-j", "42", "-o", "%i %T"}) {
			t.Errorf("squeue while waiting: %q", q.args)
		}
	}
	if !reaped(c[1].pid) {
		t.Errorf("salloc (pid %d) still there", c[1].pid)
	}
	for _, d := range []string{"slurm: swept allocation 42 on 3 node(s)", "slurm: scancel 42", "slurm: allocation 42 released",
		"slurm: salloc: Relinquishing job allocation 42"} {
		if !log.has(d) {
			t.Errorf("debug lacks %q: %q", d, log.all())
		}
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if n := len(f.calls(t)); n != len(want) {
		t.Errorf("the second Close called %v", f.calls(t)[len(want):])
	}
}

// TestCloseTools: Close when Slurm's tools fail, are missing or hang: it
// still ends salloc and returns, every failure only logged.
func TestCloseTools(t *testing.T) {
	for _, tc := range []struct {
		name   string
		env    []string
		remove []string
		bound  time.Duration
		want   []string // the calls after salloc's
		debug  []string
	}{
		{name: "no nodes from squeue", env: []string{"FAKE_NODES="},
			want:  []string{"squeue", "srun", "scancel", "salloc-end", "squeue"},
			debug: []string{"slurm: swept allocation 42 on 1 node(s)"}},
		{name: "squeue fails", env: []string{"FAKE_SQUEUE=fail"},
			want:  []string{"squeue", "srun", "scancel", "salloc-end", "squeue"},
			debug: []string{"slurm: swept allocation 42 on 1 node(s)", "slurm: allocation 42 released"}},
		{name: "no squeue", remove: []string{"squeue"},
			want:  []string{"srun", "scancel", "salloc-end"},
			debug: []string{"slurm: swept allocation 42 on 1 node(s)"}},
		{name: "scancel fails", env: []string{"FAKE_SCANCEL=fail", "FAKE_NODES=1"},
			want:  []string{"squeue", "srun", "scancel", "salloc-end", "squeue"},
			debug: []string{"slurm: scancel 42: scancel: error: Kill job error on job id 42: Invalid job id specified (exit status 1)"}},
		{name: "no scancel", remove: []string{"scancel"}, env: []string{"FAKE_NODES=1"},
			want:  []string{"squeue", "srun", "salloc-end", "squeue"},
			debug: []string{"slurm: scancel not found on PATH"}},
		{name: "scancel hangs", env: []string{"FAKE_SCANCEL=hang", "FAKE_NODES=1"}, bound: 200 * time.Millisecond,
			want:  []string{"squeue", "srun", "scancel", "salloc-end", "squeue"},
			debug: []string{"slurm: scancel 42 (signal: killed)"}},
		{name: "still listed", env: []string{"FAKE_NODES=1", "FAKE_LISTED=1000000"}, bound: 200 * time.Millisecond,
			debug: []string{"slurm: allocation 42 still in squeue after 200ms"}},
		{name: "the sweep fails", env: []string{"FAKE_NODES=1", "FAKE_SRUN=canned", "FAKE_ERR=srun: error: Unable to create step\n", "FAKE_STATUS=1"},
			want:  []string{"squeue", "srun", "scancel", "salloc-end", "squeue"},
			debug: []string{"slurm: swept allocation 42 on 1 node(s): srun: error: Unable to create step (exit status 1)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.bound > 0 {
				shortBound(t, tc.bound)
			}
			f := newFake(t)
			log := &debugLog{}
			e := openOwned(t, f, log, tc.env...)
			for _, name := range tc.remove {
				f.remove(t, name)
			}
			if err := e.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			c := f.calls(t)
			if tc.want != nil {
				if got := names(c[2:]); !slices.Equal(got, tc.want) {
					t.Errorf("Close called %v, want %v", c[2:], tc.want)
				}
			}
			if s := only(c, "salloc"); len(s) != 1 || !reaped(s[0].pid) {
				t.Errorf("salloc %v not reaped", s)
			}
			for _, d := range tc.debug {
				if !log.has(d) {
					t.Errorf("debug lacks %q: %q", d, log.all())
				}
			}
		})
	}
}

// TestCloseSallocStuck: a salloc that does not end when its command does
// (nor on SIGTERM) is killed, with its process group, after the bound.
func TestCloseSallocStuck(t *testing.T) {
	shortBound(t, 200*time.Millisecond)
	f := newFake(t)
	script := `echo "salloc: Granted job allocation 42" >&2; trap '' TERM; cat; exec sleep 1000`
	e := openOwned(t, f, nil, "FAKE_SALLOC=script", "FAKE_SALLOC_SCRIPT="+script, "FAKE_NODES=1")
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	c := f.calls(t)
	if got, want := names(c), []string{"sinfo", "salloc", "squeue", "srun", "scancel", "squeue"}; !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	// It cannot end on its own: reaped, it was killed.
	if !reaped(c[1].pid) {
		t.Errorf("salloc (pid %d) still there", c[1].pid)
	}
}

// TestCloseLogsSallocsEnd: what salloc says last is logged before Close
// returns, even when it reaches the pipe after salloc has ended (here
// from a process it left, which holds its standard error a little
// longer): no debug event comes after Close.
func TestCloseLogsSallocsEnd(t *testing.T) {
	f := newFake(t)
	log := &debugLog{}
	script := `echo "salloc: Granted job allocation 42" >&2
cat
p=$$
(while kill -0 $p 2>/dev/null; do sleep 0.01; done; sleep 0.05; echo "salloc: Relinquishing job allocation 42" >&2) &`
	e := openOwned(t, f, log, "FAKE_SALLOC=script", "FAKE_SALLOC_SCRIPT="+script, "FAKE_NODES=1")
	f.remove(t, "squeue") // Close returns as soon as salloc has ended
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	lines := log.all()
	if !slices.Contains(lines, "slurm: salloc: Relinquishing job allocation 42") {
		t.Errorf("Close returned before salloc's last line was logged: %q", lines)
	}
}

// TestCloseAllocationGone: an allocation that ended before Close
// (revoked, its time limit) is still cancelled and waited for, without
// error.
func TestCloseAllocationGone(t *testing.T) {
	f := newFake(t)
	log := &debugLog{}
	script := `echo "salloc: Granted job allocation 42" >&2
IFS= read -r l
echo "salloc: Job allocation 42 has been revoked." >&2`
	e := openOwned(t, f, log, "FAKE_SALLOC=script", "FAKE_SALLOC_SCRIPT="+script, "FAKE_SCANCEL=fail", "FAKE_NODES=1")
	// salloc ends on a line of its input (as it does when Slurm revokes
	// the allocation): wait for it.
	if _, err := e.sallocIn.Write([]byte("end\n")); err != nil {
		t.Fatal(err)
	}
	<-e.sallocDone
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got, want := names(f.calls(t)), []string{"sinfo", "salloc", "squeue", "srun", "scancel", "squeue"}; !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	if !log.has("slurm: salloc: Job allocation 42 has been revoked.") {
		t.Errorf("debug %q: no word of the revocation", log.all())
	}
}

// TestCloseSweepKills: the last sweep runs the real sweep script with the
// run's token: it kills what a job of the run left anywhere (a process
// carrying a token the run's token begins), and nothing else.
func TestCloseSweepKills(t *testing.T) {
	f := newFake(t)
	e := openInside(t, f, nil)
	start := func(token string) *exec.Cmd {
		cmd := exec.Command("sleep", "1000")
		cmd.Env = []string{"PATH=/usr/bin:/bin", remote.TokenVar + "=" + token}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	left := start(e.token + "-" + remote.RandomHex(8))
	other := start("aiorun-" + remote.RandomHex(12) + "-" + remote.RandomHex(8))
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	err := left.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("the leftover of a job of the run: %v, want killed by the sweep", err)
	}
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("another run's process was killed: %v", err)
	}
}

// TestCloseWaitsForExecs: Close refuses new attempts at once, but waits
// for the ones in progress before it sweeps and releases the allocation.
func TestCloseWaitsForExecs(t *testing.T) {
	f := newFake(t)
	log := &debugLog{}
	e := openOwned(t, f, log, "FAKE_NODES=1")
	fifo := f.dir + "/gate"
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	spec := f.spec("blocker", "echo ready >&2; read x < "+fifo+"; printf done")
	done := make(chan task.Result, 1)
	go func() { done <- e.Exec(context.Background(), spec, nil) }()
	spec.Stderr.(*lineWriter).waitReady(t)

	closed := make(chan error, 1)
	go func() { closed <- e.Close() }()
	for !e.gate.Closed() {
		runtime.Gosched()
	}
	res := e.Exec(context.Background(), f.spec("late", "true"), nil)
	var se *exception.StartError
	if !errors.As(res.Err, &se) || res.Err.Error() != "cannot start: executor closed" {
		t.Errorf("an attempt while closing: %v, want cannot start: executor closed", res.Err)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while an attempt runs", err)
	default:
	}
	if n := len(only(f.calls(t), "scancel")); n != 0 {
		t.Fatalf("the allocation was cancelled while an attempt runs")
	}

	// Let the job end.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.WriteString("go\n")
	_ = w.Close()
	if res := <-done; res.Err != nil || value(t, res) != "done" {
		t.Errorf("the attempt in progress: Err %v, value %q; want done", res.Err, value(t, res))
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	ended, swept := log.index("exit blocker in allocation 42"), log.index("slurm: swept allocation 42")
	if ended < 0 || swept < ended {
		t.Errorf("the sweep (event %d) did not wait for the attempt's end (event %d): %q", swept, ended, log.all())
	}
	if got := names(f.calls(t)); !slices.Equal(got[len(got)-4:], []string{"srun", "scancel", "salloc-end", "squeue"}) {
		t.Errorf("calls %v: want the sweep, scancel, salloc's end, squeue last", got)
	}
	for _, c := range only(f.calls(t), "srun") {
		if slices.Contains(c.args, "--job-name=late") {
			t.Errorf("srun ran for an attempt refused at Close: %v", c)
		}
	}
	if strings.Contains(strings.Join(log.all(), "\n"), "spawn late") {
		t.Errorf("an attempt refused at Close was spawned")
	}
}
