package runner

import (
	"os"

	"golang.org/x/sys/unix"
)

// DefaultStateDir is where a run keeps the small files it hands to jobs
// (awaited values, cancellation reasons), given aiorun's environment:
// $TMPDIR when the user set it, else a memory-backed directory
// ($XDG_RUNTIME_DIR, /dev/shm) where creating a file costs microseconds
// rather than a journaled disk write, else the system's temporary
// directory.
func DefaultStateDir(env []string) string {
	var tmp, runtime string
	for _, kv := range env {
		switch k, v, _ := cutEnv(kv); k {
		case "TMPDIR":
			tmp = v
		case "XDG_RUNTIME_DIR":
			runtime = v
		}
	}
	if tmp != "" {
		return tmp
	}
	for _, dir := range []string{runtime, "/dev/shm"} {
		if dir != "" && unix.Access(dir, unix.W_OK|unix.X_OK) == nil {
			return dir
		}
	}
	return os.TempDir()
}
