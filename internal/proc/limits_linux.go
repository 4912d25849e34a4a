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

// tightMargin: with fewer free process slots than this beyond the jobs
// that may run at once, processes are tight (see ProcessesTight).
const tightMargin = 512

// ProcessesTight reports whether this process runs under a limit on
// processes that atOnce running jobs (and what they start) could fill: a
// pids cgroup (v1 or v2, this process's or an ancestor's), or, for a user
// the kernel does not exempt, RLIMIT_NPROC, with fewer than tightMargin
// slots free beyond atOnce (RLIMIT_NPROC counts the user's processes,
// which are read here as all of the system's threads, an upper bound).
// Threads count against both, and the Go runtime cannot survive failing to
// start one: under such a limit aiorun starts spare threads early and does
// not let jobs wait each on a thread of their own (Options.NoInline).
func ProcessesTight(atOnce int) bool {
	h := headroom()
	return h.limited && h.free < int64(tightMargin+atOnce)
}

type room struct {
	free    int64
	limited bool
}

var headroom = sync.OnceValue(func() room {
	pidsFree, pidsLimited := pidsFree()
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NPROC, &rl) != nil {
		rl.Cur = unix.RLIM_INFINITY
	}
	return roomOf(pidsFree, pidsLimited, os.Getuid(), rl.Cur, systemThreads)
})

// roomOf is the headroom left by a pids cgroup (pidsFree, when
// pidsLimited) and by RLIMIT_NPROC (nproc, for a uid other than root),
// whichever is smaller; threads counts the system's threads, read only
// when needed.
func roomOf(pidsFree int64, pidsLimited bool, uid int, nproc uint64, threads func() int64) room {
	var h room
	if pidsLimited {
		h = room{free: pidsFree, limited: true}
	}
	if uid != 0 && nproc != unix.RLIM_INFINITY {
		free := int64(min(nproc, 1<<62)) - threads()
		if !h.limited || free < h.free {
			h = room{free: free, limited: true}
		}
	}
	return h
}

// systemThreads is how many threads the system runs (the fourth field of
// /proc/loadavg, "running/total"); the whole range of an int64 when it
// cannot be read, so that the limit counts as full.
func systemThreads() int64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) >= 4 {
			if _, total, ok := strings.Cut(f[3], "/"); ok {
				if n, err := strconv.ParseInt(total, 10, 64); err == nil {
					return n
				}
			}
		}
	}
	return 1 << 62
}

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
		var roots []string
		switch {
		case parts[0] == "0" && parts[1] == "":
			roots = []string{"/sys/fs/cgroup"}
		case hasController(parts[1], "pids"):
			// v1: mounted by its own name, or with the controllers it
			// shares a hierarchy with ("cpu,pids").
			roots = []string{"/sys/fs/cgroup/pids"}
			if parts[1] != "pids" {
				roots = append(roots, "/sys/fs/cgroup/"+parts[1])
			}
		default:
			continue
		}
		for _, root := range roots {
			for dir := filepath.Join(root, parts[2]); strings.HasPrefix(dir, root); dir = filepath.Dir(dir) {
				if n, has := cgroupFree(dir); has && (!ok || n < free) {
					free, ok = n, true
				}
				if dir == root {
					break
				}
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
