package report_test

import (
	"os"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/report"
)

func ExampleNewText() {
	r := report.NewText(report.Streams{Out: os.Stdout, Err: os.Stdout},
		report.Options{Mode: event.Gather, ReturnExceptions: true})
	for _, job := range []string{"a", "b", "c"} {
		r.Started(event.Started{Job: job, Attempt: 1})
	}
	w := r.Stderr("b")
	_, _ = w.Write([]byte("warning: disk almost full\nnot"))
	_, _ = w.Write([]byte(" found\n"))
	_ = w.Close()
	r.Finished(event.Finished{Job: "b", Err: &exception.ExitError{Code: 3}, Selected: true})
	r.Finished(event.Finished{Job: "a", Value: capture.FromString("a\n"), Selected: true})
	r.Retrying(event.Retrying{Job: "c", Attempt: 1, Of: 2, Delay: time.Second,
		Err: &exception.TimeoutError{After: time.Second}})
	r.Finished(event.Finished{Job: "c", Value: capture.FromString("it's"), Selected: true})
	r.Result(event.Result{Mode: event.Gather, ExitCode: 1, Outcomes: []event.Outcome{
		{Job: "a", Value: capture.FromString("a")},
		{Job: "b", Err: &exception.ExitError{Code: 3}},
		{Job: "c", Value: capture.FromString("it's")},
	}})
	// Output:
	// a: started
	// b: started
	// c: started
	// b | warning: disk almost full
	// b | not found
	// b: failed: exit status 3
	// a: finished
	// c: retrying (1/2) after timed out after 1s
	// c: finished
	// Result: ['a', ExitError(3), "it's"]
}

func ExampleNewJSON() {
	r := report.NewJSON(report.Streams{Out: os.Stdout, Err: os.Stdout}, report.Options{Mode: event.Gather})
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	r.Started(event.Started{Job: "a", Time: t0, Pid: 4242, Attempt: 1})
	r.Finished(event.Finished{Job: "a", Value: capture.FromString("a\n"), Duration: 2003 * time.Millisecond,
		Time: t0.Add(2003 * time.Millisecond), Selected: true})
	r.Result(event.Result{Mode: event.Gather, Outcomes: []event.Outcome{{Job: "a", Value: capture.FromString("a")}}})
	// Output:
	// {"event":"started","job":"a","pid":4242,"time":"2026-11-25T10:00:00.000Z"}
	// {"event":"finished","job":"a","status":"ok","exit_code":0,"duration_s":2.003,"value":"a","time":"2026-11-25T10:00:02.003Z"}
	// {"event":"result","mode":"gather","values":["a"],"exit_code":0}
}
