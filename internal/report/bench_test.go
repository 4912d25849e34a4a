package report

import (
	"bytes"
	"io"
	"os"
	"sync"
	"testing"
)

// chunk32k is 32 KiB of 100-byte lines (the last one cut short), the size a
// job's stderr pipe is read in.
func chunk32k() []byte {
	line := append(bytes.Repeat([]byte("0123456789"), 9), "abcdefghi\n"...)
	return bytes.Repeat(line, 328)[:32<<10]
}

// BenchmarkStderr measures the prefixed stderr path: 100-byte lines in
// 32 KiB writes, to io.Discard, and through pipes to /dev/null beside a
// plain copy (what cat does) of the same bytes.
func BenchmarkStderr(b *testing.B) {
	chunk := chunk32k()

	b.Run("1job", func(b *testing.B) {
		w := newTestReporter(io.Discard).Stderr("job")
		b.SetBytes(int64(len(chunk)))
		b.ReportAllocs()
		for b.Loop() {
			_, _ = w.Write(chunk)
		}
	})

	b.Run("4jobs", func(b *testing.B) {
		const jobs, perJob = 4, 1 << 20 / (32 << 10) // 1 MiB per job per op
		r := newTestReporter(io.Discard)
		ws := make([]io.Writer, jobs)
		for j := range ws {
			ws[j] = r.Stderr(string(rune('a' + j)))
		}
		b.SetBytes(jobs * perJob * int64(len(chunk)))
		b.ReportAllocs()
		for b.Loop() {
			var wg sync.WaitGroup
			for _, w := range ws {
				wg.Go(func() {
					for range perJob {
						_, _ = w.Write(chunk)
					}
				})
			}
			wg.Wait()
		}
	})

	// 4 jobs, each writing 8 MiB into its own pipe; the reader side either
	// copies to /dev/null as cat does, or goes through the prefixed writer.
	pipes := func(b *testing.B, prefixed bool) {
		const jobs, perJob = 4, 8 << 20 / (32 << 10)
		null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer null.Close()
		r := newTestReporter(null)
		b.SetBytes(jobs * perJob * int64(len(chunk)))
		for b.Loop() {
			var wg sync.WaitGroup
			for j := range jobs {
				pr, pw, err := os.Pipe()
				if err != nil {
					b.Fatal(err)
				}
				wg.Go(func() {
					for range perJob {
						_, _ = pw.Write(chunk)
					}
					pw.Close()
				})
				wg.Go(func() {
					defer pr.Close()
					var dst io.Writer = null
					if prefixed {
						lw := r.Stderr(string(rune('a' + j)))
						defer lw.Close()
						dst = lw
					}
					buf := make([]byte, 32<<10)
					for {
						n, err := pr.Read(buf)
						if n > 0 {
							_, _ = dst.Write(buf[:n])
						}
						if err != nil {
							return
						}
					}
				})
			}
			wg.Wait()
		}
	}
	b.Run("pipes/cat", func(b *testing.B) { pipes(b, false) })
	b.Run("pipes/prefixed", func(b *testing.B) { pipes(b, true) })
}
