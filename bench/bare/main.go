// Command bare is the benchmark's floor for a runner written in Go: it reads
// shell commands from standard input, one per line, and runs each as
// `sh -c CMD` with os/exec, at most -j at once (goroutines and a semaphore).
// Nothing else: no capture, no prefixes, no process groups, no timeouts. The
// jobs inherit its standard output and standard error, and read /dev/null.
//
//	printf 'true\ntrue\n' | bare -j 8
//
// It exits 1 when a command failed or could not start, after every command
// has ended.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
)

func main() {
	workers := flag.Int("j", 0, "run at most `N` commands at once (0: no limit)")
	flag.Parse()
	if *workers < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: bare [-j N] < commands")
		os.Exit(2)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(2)
	}

	var sem chan struct{}
	if *workers > 0 {
		sem = make(chan struct{}, *workers)
	}
	var (
		wg     sync.WaitGroup
		failed atomic.Bool
	)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 1<<20)
	for in.Scan() {
		line := in.Text()
		if line == "" {
			continue
		}
		if sem != nil {
			sem <- struct{}{}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sem != nil {
				defer func() { <-sem }()
			}
			cmd := exec.Command(sh, "-c", line)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				failed.Store(true)
				fmt.Fprintf(os.Stderr, "bare: %s: %v\n", line, err)
			}
		}()
	}
	wg.Wait()
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(2)
	}
	if failed.Load() {
		os.Exit(1)
	}
}
