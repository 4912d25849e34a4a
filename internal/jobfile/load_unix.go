//go:build unix

package jobfile

import (
	"os"
	"syscall"
)

// openFlags opens the job file without blocking, should it have become a
// FIFO after it was looked at.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
