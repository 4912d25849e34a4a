package proc

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// tightMargin: with fewer free process slots than this, processes are
// tight (see ProcessesTight).
const tightMargin = 512

// ProcessesTight reports whether this process runs under a limit on
// processes that its jobs could fill: a pids cgroup (v1 or v2, this
// process's or an ancestor's) with fewer than tightMargin free slots, or,
// for a user other than root, a finite RLIMIT_NPROC (what it counts
// cannot be read). Threads count against both, and the Go runtime cannot
// survive failing to start one: under such a limit aiorun starts its
// spare threads early and keeps its jobs from waiting each on a thread of
// its own. Decided once.
var ProcessesTight = sync.OnceValue(func() bool {
	if os.Geteuid() != 0 {
		var rl unix.Rlimit
		if unix.Getrlimit(unix.RLIMIT_NPROC, &rl) == nil && rl.Cur != unix.RLIM_INFINITY {
			return true
		}
	}
	free, ok := pidsFree()
	return ok && free < tightMargin
})

// pidsFree is the smallest pids.max - pids.current over this process's
// pids cgroup and its ancestors; ok is false when none has a limit.
func pidsFree() (free int64, ok bool) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		// hierarchy-ID:controllers:path; v2 is "0::path".
		parts := strings.SplitN(string(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var root string
		switch {
		case parts[0] == "0" && parts[1] == "":
			root = "/sys/fs/cgroup"
		case hasController(parts[1], "pids"):
			root = "/sys/fs/cgroup/pids"
		default:
			continue
		}
		for dir := filepath.Join(root, parts[2]); strings.HasPrefix(dir, root); dir = filepath.Dir(dir) {
			if n, has := cgroupFree(dir); has && (!ok || n < free) {
				free, ok = n, true
			}
			if dir == root {
				break
			}
		}
	}
	return free, ok
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// cgroupFree reads one cgroup's pids.max and pids.current.
func cgroupFree(dir string) (int64, bool) {
	m, err := os.ReadFile(filepath.Join(dir, "pids.max"))
	if err != nil {
		return 0, false
	}
	max, err := strconv.ParseInt(strings.TrimSpace(string(m)), 10, 64)
	if err != nil { // "max"
		return 0, false
	}
	c, err := os.ReadFile(filepath.Join(dir, "pids.current"))
	if err != nil {
		return 0, false
	}
	cur, err := strconv.ParseInt(strings.TrimSpace(string(c)), 10, 64)
	if err != nil {
		return 0, false
	}
	return max - cur, true
}
