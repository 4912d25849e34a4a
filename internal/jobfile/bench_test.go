package jobfile

import (
	"fmt"
	"strings"
	"testing"
)

// manyJobs is a job file of n jobs in the short form; with mixed, every
// tenth is a mapping with a timeout, env, retries and two needs, so that
// needs, cycle and value-variable checks run over the whole file.
func manyJobs(n int, mixed bool) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nenv: {GREETING: hi}\njobs:\n")
	for i := range n {
		if !mixed || i%10 != 0 || i == 0 {
			fmt.Fprintf(&b, "  job-%d: echo %d\n", i, i)
			continue
		}
		fmt.Fprintf(&b, "  job-%d:\n    run: echo %d\n    timeout: 5s\n    env: {N: %d}\n    retries: 2\n    needs: [job-%d, job-%d]\n",
			i, i, i, i-1, i-10)
	}
	return []byte(b.String())
}

// BenchmarkParse20000 parses and validates files of 20,000 jobs. "short"
// is the file PERF-NOTES measures yaml.v3 on; "decode" is yaml.v3's part
// of "mixed".
func BenchmarkParse20000(b *testing.B) {
	dir := b.TempDir()
	for _, bench := range []struct {
		name  string
		mixed bool
	}{{"short", false}, {"mixed", true}} {
		data := manyJobs(20000, bench.mixed)
		b.Run(bench.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := Parse("jobs.yaml", data, dir)
				if err != nil || len(f.Jobs) != 20000 {
					b.Fatal(err)
				}
			}
		})
	}
	data := manyJobs(20000, true)
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := decodeDocuments(strings.NewReader(string(data))); err != nil {
				b.Fatal(err)
			}
		}
	})
}
