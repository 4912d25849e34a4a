package remote

import (
	"context"
	"errors"
	"sync"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/task"
)

// Gate admits an executor's attempts until Close, and lets Close wait
// for the attempts in progress. The zero value is open.
type Gate struct {
	mu     sync.Mutex
	closed bool
	active sync.WaitGroup
}

// Enter admits an attempt of ctx. When it does not (the gate is closed:
// a StartError; ctx already cancelled: the exception of its cause), ok
// is false and res is the attempt's result. After ok, call Leave once the
// attempt is over.
func (g *Gate) Enter(ctx context.Context) (res task.Result, ok bool) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return task.Result{Err: StartError(errors.New("executor closed"))}, false
	}
	g.active.Add(1)
	g.mu.Unlock()
	if ctx.Err() != nil {
		g.active.Done()
		return task.Result{Err: exception.OfCancellation(context.Cause(ctx))}, false
	}
	return task.Result{}, true
}

// Leave ends an attempt Enter admitted.
func (g *Gate) Leave() { g.active.Done() }

// Closed reports whether Close was called.
func (g *Gate) Closed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// Close admits no more attempts and waits for those in progress. It
// reports false, at once, when the gate was already closed.
func (g *Gate) Close() bool {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return false
	}
	g.closed = true
	g.mu.Unlock()
	g.active.Wait()
	return true
}

// Exec is task.Executor's Exec for an executor that has ExecInfo:
// started, when set, gets the pid of the Info.
func Exec(ctx context.Context, ex task.InfoExecutor, spec *task.Spec, started func(pid int)) task.Result {
	return ex.ExecInfo(ctx, spec, func(info task.Info) {
		if started != nil {
			started(info.Pid)
		}
	})
}
