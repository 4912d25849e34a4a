//go:build unix

package proc

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/task"
)

// BenchmarkExecTrue is one `sh -c true` job through Exec, value captured.
func BenchmarkExecTrue(b *testing.B) {
	spec := newSpec("bench", "true")
	for b.Loop() {
		if r := shared.Exec(context.Background(), spec, nil); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkExecCommandTrue is the baseline: os/exec, stdout to a buffer,
// stderr discarded.
func BenchmarkExecCommandTrue(b *testing.B) {
	for b.Loop() {
		var out bytes.Buffer
		cmd := exec.Command("sh", "-c", "true")
		cmd.Stdout, cmd.Stderr = &out, io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecTrueParallel runs GOMAXPROCS jobs at a time (xargs -P).
func BenchmarkExecTrueParallel(b *testing.B) {
	spec := newSpec("bench", "true")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := shared.Exec(context.Background(), spec, nil); r.Err != nil {
				b.Error(r.Err)
				return
			}
		}
	})
}

func BenchmarkExecCommandTrueParallel(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var out bytes.Buffer
			cmd := exec.Command("sh", "-c", "true")
			cmd.Stdout, cmd.Stderr = &out, io.Discard
			if err := cmd.Run(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkExecConcurrentSleep starts 1,000 `sleep 1` jobs at once and
// waits for them all (one op = the whole batch).
func BenchmarkExecConcurrentSleep(b *testing.B) {
	const jobs = 1000
	spec := &task.Spec{Name: "sleep", Shell: "sh", Command: "sleep 1", Env: os.Environ(), Stderr: io.Discard}
	for b.Loop() {
		var wg sync.WaitGroup
		for range jobs {
			wg.Go(func() {
				if r := shared.Exec(context.Background(), spec, nil); r.Err != nil {
					b.Error(r.Err)
				}
			})
		}
		wg.Wait()
	}
}

// BenchmarkExecTrueVsCommand alternates Exec and the os/exec baseline job
// by job, so that both see the same machine load; it reports each one's
// mean time per job.
func BenchmarkExecTrueVsCommand(b *testing.B) {
	spec := newSpec("bench", "true")
	var execTotal, cmdTotal time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if r := shared.Exec(context.Background(), spec, nil); r.Err != nil {
			b.Fatal(r.Err)
		}
		t1 := time.Now()
		var out bytes.Buffer
		cmd := exec.Command("sh", "-c", "true")
		cmd.Stdout, cmd.Stderr = &out, io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		execTotal += t1.Sub(t0)
		cmdTotal += time.Since(t1)
		n++
	}
	b.ReportMetric(float64(execTotal.Nanoseconds())/float64(n), "exec-ns/job")
	b.ReportMetric(float64(cmdTotal.Nanoseconds())/float64(n), "oscmd-ns/job")
}

// BenchmarkExecDirect is one `/bin/true` job, exec'd without the shell
// when sh is dash (one process).
func BenchmarkExecDirect(b *testing.B) {
	if !shared.shellPath("sh").dash {
		b.Skip("sh is not dash: no command skips the shell")
	}
	spec := newSpec("bench", "/bin/true")
	for b.Loop() {
		if r := shared.Exec(context.Background(), spec, nil); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkExecShellExternal is the same job through the shell, `sh -c
// /bin/true`: dash forks for an external command, two processes.
func BenchmarkExecShellExternal(b *testing.B) {
	spec := newSpec("bench", "/bin/true")
	for b.Loop() {
		if r := sharedShell.Exec(context.Background(), spec, nil); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkExecDirectVsShell alternates `/bin/true` without the shell,
// `sh -c /bin/true` and `sh -c true` (a builtin: one process) job by job,
// so that all three see the same machine load; it reports each one's mean
// time per job.
func BenchmarkExecDirectVsShell(b *testing.B) {
	if !shared.shellPath("sh").dash {
		b.Skip("sh is not dash: no command skips the shell")
	}
	runs := []struct {
		l     *Local
		spec  *task.Spec
		total time.Duration
		unit  string
	}{
		{shared, newSpec("bench", "/bin/true"), 0, "direct-ns/job"},
		{sharedShell, newSpec("bench", "/bin/true"), 0, "sh-external-ns/job"},
		{sharedShell, newSpec("bench", "true"), 0, "sh-builtin-ns/job"},
	}
	n := 0
	for b.Loop() {
		for i := range runs {
			t0 := time.Now()
			if r := runs[i].l.Exec(context.Background(), runs[i].spec, nil); r.Err != nil {
				b.Fatal(r.Err)
			}
			runs[i].total += time.Since(t0)
		}
		n++
	}
	for _, r := range runs {
		b.ReportMetric(float64(r.total.Nanoseconds())/float64(n), r.unit)
	}
}
