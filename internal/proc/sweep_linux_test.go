//go:build linux

package proc

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/aiorun/aiorun/internal/task"
)

// assertGone fails unless pid no longer exists, not even as a zombie.
func assertGone(t *testing.T, what string, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		t.Errorf("%s pid %d is still there (kill: %v): %s", what, pid, err, stat)
	}
}

func pidIn(t *testing.T, path string) int {
	t.Helper()
	pid, err := strconv.Atoi(waitFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestEnvExact(t *testing.T) {
	t.Parallel()
	for _, env := range [][]string{
		{"A=1", "B=two words", "PATH=" + os.Getenv("PATH")},
		{"A=1", TokenVar + "=outer"},
		{},
	} {
		spec := newSpec("a", `cat /proc/$$/environ`)
		spec.Env = env
		r := execT(t, shared, context.Background(), spec)
		got := strings.Split(strings.TrimSuffix(valueString(t, r.Value), "\x00"), "\x00")
		if r.Err != nil || len(got) == 0 {
			t.Fatalf("err %v, environ %q", r.Err, got)
		}
		want := withToken(env, "")
		if tok := got[0]; !strings.HasPrefix(tok, want[0]+shared.prefix) {
			t.Errorf("token %q, want %q followed by a token", tok, want[0])
		}
		if strings.Join(got[1:], "\n") != strings.Join(want[1:], "\n") {
			t.Errorf("environment %q, want the token and %q", got, env)
		}
	}
}

// TestSweep: whatever a job leaves behind is gone when Exec returns, with
// the output intact and the outcome the leader's.
func TestSweep(t *testing.T) {
	tests := []struct {
		name  string
		cmd   string
		value string
		pids  []string // files in $D holding pids that must be gone
	}{
		{
			name:  "background in the group",
			cmd:   `sleep 300 & echo $! > "$D/bg"; echo a`,
			value: "a",
			pids:  []string{"bg"},
		},
		{
			name:  "grandchild holding stdout",
			cmd:   `echo a; (sleep 300; echo late) & echo $! > "$D/sub"; (sh -c 'echo $$ > "$D/deep"; exec sleep 300' &); while [ ! -s "$D/deep" ]; do sleep 0.01; done`,
			value: "a",
			pids:  []string{"sub", "deep"},
		},
		{
			name:  "setsid",
			cmd:   `setsid sh -c 'echo $$ > "$D/p"; mv "$D/p" "$D/esc"; exec sleep 300' & while [ ! -s "$D/esc" ]; do sleep 0.01; done; echo a`,
			value: "a",
			pids:  []string{"esc"},
		},
		{
			name: "double fork with a child",
			cmd: `(setsid sh -c 'sleep 300 & echo $! > "$D/c"; mv "$D/c" "$D/child"; echo $$ > "$D/p"; mv "$D/p" "$D/daemon"; wait' &)
while [ ! -s "$D/daemon" ]; do sleep 0.01; done`,
			pids: []string{"daemon", "child"},
		},
		{
			name: "new group, same session",
			cmd: `perl -e 'setpgrp(0,0); open(F, ">", "$ENV{D}/p"); print F "$$\n"; close F; rename("$ENV{D}/p", "$ENV{D}/grp"); sleep 300' &
while [ ! -s "$D/grp" ]; do sleep 0.01; done`,
			pids: []string{"grp"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if strings.Contains(tt.cmd, "perl") {
				if _, err := os.Stat("/usr/bin/perl"); err != nil {
					t.Skip("no perl")
				}
			}
			dir := t.TempDir()
			spec := newSpec("a", tt.cmd, "D="+dir)
			r := execT(t, shared, context.Background(), spec)
			if r.Err != nil || valueString(t, r.Value) != tt.value {
				t.Errorf("err %v, value %q", r.Err, valueString(t, r.Value))
			}
			for _, f := range tt.pids {
				assertGone(t, f, pidIn(t, filepath.Join(dir, f)))
			}
		})
	}
}

// TestPipeHeldOutsideReach: an escaped process without the token holding
// stdout does not hang Exec (PipeDrainBound); Close kills it.
func TestPipeHeldOutsideReach(t *testing.T) {
	var log debugLog
	l, err := NewLocal(Options{Debug: log.printf})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := t.TempDir()
	spec := newSpec("a", `echo a
env -i PATH=/usr/bin:/bin D="$D" setsid sh -c 'echo $$ > "$D/p"; mv "$D/p" "$D/esc"; exec sleep 300' &
while [ ! -s "$D/esc" ]; do sleep 0.01; done; echo b`, "D="+dir)
	r := execT(t, l, context.Background(), spec)
	if r.Err != nil || valueString(t, r.Value) != "a\nb" {
		t.Errorf("err %v, value %q", r.Err, valueString(t, r.Value))
	}
	if !log.has("a pipe is still open") {
		t.Errorf("no pipe event in\n%s", &log)
	}
	pid := pidIn(t, filepath.Join(dir, "esc"))
	if err := syscall.Kill(pid, 0); err != nil {
		t.Errorf("the escaped process without a token is gone before Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, "escaped", pid)
}

// TestSweepDoesNotTouchOthers: a sweep leaves alone the orphans of other
// jobs in progress (already reparented to aiorun), escaped or not.
func TestSweepDoesNotTouchOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	other := newSpec("other", `(setsid sh -c 'echo $$ > "$D/p"; mv "$D/p" "$D/esc"; exec sleep 300' &)
(sleep 300 & echo $! > "$D/bg")
while [ ! -s "$D/esc" ]; do sleep 0.01; done
echo ready > "$D/ready"; sleep 300`, "D="+dir)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan task.Result, 1)
	go func() { done <- shared.Exec(ctx, other, nil) }()
	waitFile(t, filepath.Join(dir, "ready"))
	esc, bg := pidIn(t, filepath.Join(dir, "esc")), pidIn(t, filepath.Join(dir, "bg"))
	for _, pid := range []int{esc, bg} {
		if st, err := readStat(pid); err != nil || st.ppid != os.Getpid() {
			t.Fatalf("pid %d is not an orphan of the test: %+v %v", pid, st, err)
		}
	}
	for range 20 {
		if r := execT(t, shared, context.Background(), newSpec("quick", "sleep 0 & echo x")); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	for _, pid := range []int{esc, bg} {
		if err := syscall.Kill(pid, 0); err != nil {
			t.Errorf("pid %d of another job was killed: %v", pid, err)
		}
	}
	cancel()
	<-done
	assertGone(t, "escaped", esc)
	assertGone(t, "background", bg)
}

// TestConcurrentSweeps: jobs that end together, each leaving a process in
// its group and an escaped one, get their values and leave nothing.
func TestConcurrentSweeps(t *testing.T) {
	t.Parallel()
	const n = 60
	dir := t.TempDir()
	results := make([]task.Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			spec := newSpec("c"+strconv.Itoa(i), `sleep 300 & echo $! > "$D/bg$I"
setsid sh -c 'echo $$ > "$D/p$I"; mv "$D/p$I" "$D/esc$I"; exec sleep 300' &
while [ ! -s "$D/esc$I" ]; do sleep 0.01; done; echo $I`, "D="+dir, "I="+strconv.Itoa(i))
			results[i] = shared.Exec(context.Background(), spec, nil)
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.Err != nil || valueString(t, r.Value) != strconv.Itoa(i) {
			t.Errorf("job %d: err %v, value %q", i, r.Err, valueString(t, r.Value))
		}
		for _, f := range []string{"bg", "esc"} {
			assertGone(t, f+strconv.Itoa(i), pidIn(t, filepath.Join(dir, f+strconv.Itoa(i))))
		}
	}
}
