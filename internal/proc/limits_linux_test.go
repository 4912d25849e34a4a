package proc

import (
	"os"
	"path/filepath"
	"testing"
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
