package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/jobfile"
	"github.com/aiorun/aiorun/internal/task"
)

// instantExec ends every attempt at once with a one-line value: what is
// left to measure is the scheduler's own cost per job.
type instantExec struct{}

func (instantExec) Exec(_ context.Context, spec *task.Spec, started func(int)) task.Result {
	started(1)
	return task.Result{Pid: 1, Value: capture.FromString(spec.Name + "\n")}
}

type discardReporter struct{}

func (discardReporter) Started(event.Started)        {}
func (discardReporter) Finished(event.Finished)      {}
func (discardReporter) Retrying(event.Retrying)      {}
func (discardReporter) Result(event.Result)          {}
func (discardReporter) Stderr(string) io.WriteCloser { return nopWriteCloser{} }

// flatFile is n independent jobs.
func flatFile(n int) string {
	var b strings.Builder
	b.WriteString("jobs:\n")
	for i := range n {
		fmt.Fprintf(&b, "  j%d: true\n", i)
	}
	return b.String()
}

// graphFile is n jobs in groups of ten: a root, a chain of four after it,
// and a fan-out of five after the chain's end, so that most jobs wait for
// others and values travel along every edge.
func graphFile(n int) string {
	var b strings.Builder
	b.WriteString("jobs:\n")
	for i := 0; i < n; i += 10 {
		fmt.Fprintf(&b, "  g%d-root: true\n", i)
		prev := fmt.Sprintf("g%d-root", i)
		for c := range 4 {
			name := fmt.Sprintf("g%d-chain%d", i, c)
			fmt.Fprintf(&b, "  %s: {run: true, needs: [%s]}\n", name, prev)
			prev = name
		}
		for f := range 5 {
			fmt.Fprintf(&b, "  g%d-fan%d: {run: true, needs: [%s]}\n", i, f, prev)
		}
	}
	return b.String()
}

func benchmarkRun(b *testing.B, yaml string, workers int) {
	f, err := jobfile.Parse("jobs.yaml", []byte(yaml), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Mode: event.Gather, MaxWorkers: workers, StateDir: DefaultStateDir(os.Environ())}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res := Run(context.Background(), f, opts, instantExec{}, discardReporter{})
		if res.ExitCode != 0 {
			b.Fatal(res.Err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(f.Jobs)), "ns/job")
}

// BenchmarkScheduleFlat and BenchmarkScheduleGraph compare the scheduler's
// cost per job for 10,000 independent jobs and for 10,000 jobs in chains
// and fan-outs.
func BenchmarkScheduleFlat(b *testing.B)  { benchmarkRun(b, flatFile(10000), 8) }
func BenchmarkScheduleGraph(b *testing.B) { benchmarkRun(b, graphFile(10000), 8) }

// BenchmarkLoadGraph is loading and checking (cycles included) a
// 10,000-job graph file.
func BenchmarkLoadGraph(b *testing.B) {
	data := []byte(graphFile(10000))
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jobfile.Parse("jobs.yaml", data, dir); err != nil {
			b.Fatal(err)
		}
	}
}
