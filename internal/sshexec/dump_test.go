package sshexec

import (
	"os"
	"testing"
	"time"
)

func TestDumpSmall(t *testing.T) {
	s := script("sh", "", `true`, []string{"AIORUN_JOB=a", "X=1"}, time.Second, "TAG:", "tok")
	os.WriteFile("/tmp/small.sh", []byte(s), 0o644)
}
