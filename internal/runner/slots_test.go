package runner

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/task"
)

// busy is a remote executor's "every slot of the host is busy": a
// temporary start failure.
type busy struct{}

func (busy) Error() string   { return "every slot is busy" }
func (busy) Temporary() bool { return true }

// slotExec runs jobs in memory on hosts with slots, as a remote executor
// does: a job takes a free slot of its pinned host (Spec.Host) or of any
// host when Exec is called, and reports a temporary start failure when
// there is none. It tells the host through ExecInfo.
type slotExec struct {
	hosts []string
	slots map[string]int
	sleep map[string]time.Duration
	// before, when set for a job, is waited on before that job's Exec
	// returns its start failure (to order it after another job's end).
	before map[string]chan struct{}
	ended  map[string]chan struct{}

	mu    sync.Mutex
	busy  map[string]int
	pid   int
	tries map[string]int
}

func (x *slotExec) Exec(ctx context.Context, spec *task.Spec, started func(int)) task.Result {
	return x.ExecInfo(ctx, spec, func(i task.Info) { started(i.Pid) })
}

func (x *slotExec) ExecInfo(ctx context.Context, spec *task.Spec, started func(task.Info)) task.Result {
	x.mu.Lock()
	x.tries[spec.Name]++
	host := ""
	for _, h := range x.hosts {
		if (spec.Host == "" || spec.Host == h) && x.busy[h] < x.slots[h] {
			host = h
			break
		}
	}
	if host == "" {
		x.mu.Unlock()
		if c := x.before[spec.Name]; c != nil {
			<-c
		}
		return task.Result{Err: &exception.StartError{Err: busy{}}}
	}
	x.busy[host]++
	x.pid++
	pid := x.pid
	x.mu.Unlock()
	started(task.Info{Pid: pid, Host: host})
	select {
	case <-time.After(x.sleep[spec.Name]):
	case <-ctx.Done():
	}
	x.mu.Lock()
	x.busy[host]--
	x.mu.Unlock()
	if c := x.ended[spec.Name]; c != nil {
		close(c)
	}
	return task.Result{Pid: pid, Host: host, Value: capture.FromString(spec.Name + "@" + host)}
}

// hostRecorder records where each job started.
type hostRecorder struct {
	recorder
	hosts []string
}

func (r *hostRecorder) Started(e event.Started) {
	r.hosts = append(r.hosts, e.Job+"@"+e.Host)
	r.recorder.Started(e)
}

// TestSlots: a job pinned to a busy host waits for its slot without
// holding up the jobs behind it, every job is accounted for, and the
// Started events carry the host.
func TestSlots(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := parse(t, `jobs:
  p1:
    run: x
    host: h2
  p2:
    run: x
    host: h2
  free1: x
  free2: x
`)
		x := &slotExec{
			hosts: []string{"h1", "h2"},
			slots: map[string]int{"h1": 1, "h2": 1},
			sleep: map[string]time.Duration{"p1": time.Second, "p2": time.Second, "free1": 1500 * time.Millisecond, "free2": time.Second},
			busy:  map[string]int{}, tries: map[string]int{},
		}
		rec := &hostRecorder{recorder: recorder{start: time.Now(), timed: true}}
		res := Run(context.Background(), f, Options{Mode: event.Gather, MaxWorkers: 2}, x, rec)
		if res.Err != nil || res.ExitCode != 0 {
			t.Fatalf("result %v, exit %d; events:\n%s", res.Err, res.ExitCode, rec.lines)
		}
		want := []string{"p1@h2", "free1@h1", "p2@h2", "free2@h1"}
		if !slices.Equal(rec.hosts, want) {
			t.Errorf("started %q, want %q", rec.hosts, want)
		}
		if d := time.Since(rec.start); d != 2500*time.Millisecond {
			t.Errorf("took %s, want 2.5s (p2 after p1, free2 after free1)", d)
		}
	})
}

// TestBusyAfterTheHolderEnded: a job told "busy" by an executor whose
// busy slot was freed before the runner heard of the failure, with
// nothing else running, is tried again instead of failing.
func TestBusyAfterTheHolderEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := parse(t, "jobs:\n  a:\n    run: x\n    host: h\n  b:\n    run: x\n    host: h\n")
		aEnded := make(chan struct{})
		x := &slotExec{
			hosts:  []string{"h"},
			slots:  map[string]int{"h": 1},
			sleep:  map[string]time.Duration{"a": time.Second},
			before: map[string]chan struct{}{"b": aEnded},
			ended:  map[string]chan struct{}{"a": aEnded},
			busy:   map[string]int{}, tries: map[string]int{},
		}
		rec := &hostRecorder{recorder: recorder{start: time.Now()}}
		res := Run(context.Background(), f, Options{Mode: event.Gather}, x, rec)
		if res.Err != nil {
			var se *exception.StartError
			t.Fatalf("result %v (start error: %v); events:\n%s", res.Err, errors.As(res.Err, &se), rec.lines)
		}
		if x.tries["b"] != 2 {
			t.Errorf("b tried %d times, want 2", x.tries["b"])
		}
	})
}
