//go:build unix && !linux

package proc

import (
	"syscall"

	"github.com/aiorun/aiorun/internal/task"
)

// Skipping the shell is done on Linux only (see the package
// documentation); elsewhere every command runs through the shell.

func shellIsDash(string) bool { return false }

func (l *Local) directExec(*task.Spec, bool, string) (string, []string, []string, bool) {
	return "", nil, nil, false
}

func signalDeath(sig syscall.Signal, _ bool) (string, int) { return "", 128 + int(sig) }

type cmdKey struct{ path, name string }

type cmdLookup struct {
	file string
	ok   bool
}
