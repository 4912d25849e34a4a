// Package guard keeps a job file from running itself recursively (SPEC §7).
//
// aiorun marks each job's environment with AIORUN_STACK: one line per
// aiorun run that encloses the job, "DIGEST JOB", where DIGEST identifies
// the job file's content. An aiorun started inside a job reads the stack
// and refuses to run a job that is already on it (the same file and job:
// asyncio.run cannot be called from a running event loop), or to nest
// deeper than MaxDepth.
package guard

import (
	"fmt"
	"strings"
)

// Var is the environment variable that carries the stack.
const Var = "AIORUN_STACK"

// MaxDepth is how deeply aiorun runs may nest.
const MaxDepth = 16

// Stack is the chain of enclosing runs, outermost first.
type Stack []Frame

// Frame is one enclosing run: the job file's digest and the job's name.
type Frame struct{ Digest, Job string }

// Parse reads the value of Var. Lines that do not parse are ignored: the
// variable is advisory and must never stop a legitimate run.
func Parse(s string) Stack {
	var st Stack
	for line := range strings.SplitSeq(s, "\n") {
		digest, job, ok := strings.Cut(line, " ")
		if ok && digest != "" && job != "" {
			st = append(st, Frame{digest, job})
		}
	}
	return st
}

// Error is a refused recursive or too deep run.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Check refuses to run any of jobs of the file with digest when one of
// them encloses this run, or when the stack is already MaxDepth deep.
func (st Stack) Check(digest string, jobs []string) error {
	for _, f := range st {
		if f.Digest != digest {
			continue
		}
		for _, j := range jobs {
			if j == f.Job {
				return &Error{Msg: fmt.Sprintf("recursive run of %s: it is running this aiorun (a job file cannot run itself)", j)}
			}
		}
	}
	if len(st) >= MaxDepth {
		return &Error{Msg: fmt.Sprintf("aiorun runs nested %d deep; the limit is %d", len(st)+1, MaxDepth)}
	}
	return nil
}

// Push returns the value of Var for a job of the file with digest.
func (st Stack) Push(digest, job string) string {
	var b strings.Builder
	for _, f := range st {
		b.WriteString(f.Digest)
		b.WriteByte(' ')
		b.WriteString(f.Job)
		b.WriteByte('\n')
	}
	b.WriteString(digest)
	b.WriteByte(' ')
	b.WriteString(job)
	return b.String()
}
