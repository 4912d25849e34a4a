package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// soakJobs and soakWorkers are the soak run: many short jobs through a
// fixed pool, the shape of a big CI matrix.
const (
	soakJobs    = 20000
	soakWorkers = 64
)

// BenchmarkSoak runs the aiorun binary on 20,000 `true` jobs with -j 64
// and reports, per run, its wall time (s/run) and its peak resident set
// size (peak-RSS-MB: wait4's ru_maxrss, the largest of aiorun and the jobs
// it reaped). It is a soak test, not a micro-benchmark: run it alone, once,
//
//	go test -run '^$' -bench Soak -benchtime 1x .
//
// The binary is $AIORUN_BIN, or a plain (not -race) build of this module
// made for the benchmark. Like every benchmark it runs only when -bench
// selects it; it is never part of `go test`.
func BenchmarkSoak(b *testing.B) {
	bin := os.Getenv("AIORUN_BIN")
	dir := b.TempDir()
	if bin == "" {
		bin = filepath.Join(dir, "aiorun")
		build := exec.Command("go", "build", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	var file strings.Builder
	file.WriteString("jobs:\n")
	for i := range soakJobs {
		fmt.Fprintf(&file, "  j%d: \"true\"\n", i+1)
	}
	jobs := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(jobs, []byte(file.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AIORUN_") && !strings.HasPrefix(kv, "NO_COLOR=") {
			env = append(env, kv)
		}
	}

	b.ResetTimer()
	var wall time.Duration
	var peak int64
	for range b.N {
		var stdout, stderr bytes.Buffer
		c := exec.Command(bin, "gather", "-j", fmt.Sprint(soakWorkers), jobs)
		c.Dir, c.Env, c.Stdout, c.Stderr = dir, env, &stdout, &stderr
		start := time.Now()
		err := c.Run()
		wall += time.Since(start)
		if err != nil {
			b.Fatalf("aiorun: %v\n%s", err, stderr.String())
		}
		if n := bytes.Count(stdout.Bytes(), []byte(": finished\n")); n != soakJobs {
			b.Fatalf("%d jobs finished, want %d", n, soakJobs)
		}
		peak = max(peak, c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	b.StopTimer()
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
}
