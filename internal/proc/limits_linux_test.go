package proc

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCgroupFree(t *testing.T) {
	for _, tt := range []struct {
		max, current string // "": no such file
		free         int64
		ok           bool
	}{
		{"max\n", "3\n", 0, false},
		{"100\n", "40\n", 60, true},
		{"24\n", "24\n", 0, true},
		{"", "", 0, false},
		{"10\n", "", 0, false},
	} {
		dir := t.TempDir()
		for name, v := range map[string]string{"pids.max": tt.max, "pids.current": tt.current} {
			if v != "" {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if free, ok := cgroupFree(dir); free != tt.free || ok != tt.ok {
			t.Errorf("max %q current %q: %d, %v; want %d, %v", tt.max, tt.current, free, ok, tt.free, tt.ok)
		}
	}
}

func TestSystemThreads(t *testing.T) {
	if n := systemThreads(); n < 1 || n >= 1<<62 {
		t.Errorf("systemThreads() = %d; /proc/loadavg unread?", n)
	}
}

func TestRoomOf(t *testing.T) {
	threads := func() int64 { return 300 }
	inf := uint64(unix.RLIM_INFINITY)
	for _, tt := range []struct {
		name        string
		pidsFree    int64
		pidsLimited bool
		uid         int
		nproc       uint64
		atOnce      int
		tight       bool
	}{
		{"root, no pids limit", 0, false, 0, 100, 1000, false},
		{"root, a full pids cgroup", 20, true, 0, inf, 1, true},
		{"root, a pids cgroup with room", 5000, true, 0, inf, 100, false},
		{"root, a pids cgroup too small for the run", 1000, true, 0, inf, 5000, true},
		{"a user, no RLIMIT_NPROC", 0, false, 1000, inf, 5000, false},
		{"a user, the usual default RLIMIT_NPROC", 0, false, 1000, 96364, 5000, false},
		{"a user, ulimit -u 600", 0, false, 1000, 600, 1, true},
		{"a user, ulimit -u 1000, a small run", 0, false, 1000, 1000, 1, false},
		{"a user, a pids cgroup smaller than the ulimit", 100, true, 1000, 96364, 1, true},
	} {
		h := roomOf(tt.pidsFree, tt.pidsLimited, tt.uid, tt.nproc, threads)
		if tight := h.limited && h.free < int64(tightMargin+tt.atOnce); tight != tt.tight {
			t.Errorf("%s: room %+v, %d at once: tight %v, want %v", tt.name, h, tt.atOnce, tight, tt.tight)
		}
	}
}
