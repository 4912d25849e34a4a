package remote

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/task"
)

func TestGate(t *testing.T) {
	var g Gate
	if _, ok := g.Enter(context.Background()); !ok {
		t.Fatal("an open gate refused an attempt")
	}
	cause := &exception.CancelledError{Reason: exception.ReasonFailFast}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	if res, ok := g.Enter(ctx); ok || res.Err != cause {
		t.Errorf("a cancelled attempt: ok %v, err %#v; want the cause", ok, res.Err)
	}

	closed := make(chan bool)
	go func() { closed <- g.Close() }()
	for !g.Closed() {
		runtime.Gosched()
	}
	select {
	case <-closed:
		t.Fatal("Close returned with an attempt in progress")
	default:
	}
	res, ok := g.Enter(context.Background())
	var start *exception.StartError
	if ok || !errors.As(res.Err, &start) {
		t.Errorf("after Close: ok %v, err %#v; want a StartError", ok, res.Err)
	}
	g.Leave()
	if !<-closed {
		t.Error("the first Close reported the gate closed already")
	}
	if g.Close() {
		t.Error("a second Close did not report the gate closed already")
	}
}

func TestExec(t *testing.T) {
	var pid int
	res := Exec(context.Background(), infoOnly{}, &task.Spec{}, func(p int) { pid = p })
	if pid != 42 || res.Pid != 42 {
		t.Errorf("started with %d, result pid %d; want 42", pid, res.Pid)
	}
	if res := Exec(context.Background(), infoOnly{}, &task.Spec{}, nil); res.Pid != 42 {
		t.Errorf("without started: result pid %d", res.Pid)
	}
}

// infoOnly is an executor whose attempts start at once as pid 42.
type infoOnly struct{}

func (infoOnly) Exec(context.Context, *task.Spec, func(int)) task.Result { panic("not called") }
func (infoOnly) ExecInfo(_ context.Context, _ *task.Spec, started func(task.Info)) task.Result {
	started(task.Info{Pid: 42, Host: "h"})
	return task.Result{Pid: 42}
}
