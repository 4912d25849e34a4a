package slurmexec

import (
	"context"
	"errors"
	"time"

	"github.com/aiorun/aiorun/internal/task"
)

// Options for the Slurm executor.
type Options struct {
	Env       []string
	Args      []string
	Size      int
	TimeLimit time.Duration
	Name      string
	SpillDir  string
	Threshold int
	Debug     func(format string, args ...any)
}

// Executor runs attempts as Slurm job steps.
type Executor struct{}

// Open finds or makes the allocation.
func Open(ctx context.Context, opts Options) (*Executor, error) {
	return nil, errors.New("slurm: not yet")
}

func (e *Executor) Exec(ctx context.Context, spec *task.Spec, started func(pid int)) task.Result {
	return task.Result{}
}

func (e *Executor) Close() error { return nil }
