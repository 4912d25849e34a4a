package sshexec

import (
	"errors"
	"testing"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/task"
)

// executorOf is an Executor over hosts without connections: dead names
// the hosts whose connection failed.
func executorOf(t *testing.T, specs []string, dead map[string]string) *Executor {
	t.Helper()
	e := &Executor{}
	for _, s := range specs {
		h, err := ParseHost(s)
		if err != nil {
			t.Fatal(err)
		}
		e.hosts = append(e.hosts, &host{Host: h, dead: dead[h.Name]})
	}
	return e
}

func TestAcquire(t *testing.T) {
	e := executorOf(t, []string{"2/h1", "h2", "h3"}, map[string]string{"h3": "ssh: connect to host h3 port 22: Connection refused"})
	if got := e.Slots(); got != 3 {
		t.Errorf("Slots = %d, want 3 (h3 is down)", got)
	}
	// Least loaded first, the first of equals: h1, h2, h1, then nothing.
	var got []string
	for range 3 {
		h, err := e.acquire("")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name)
	}
	if want := []string{"h1", "h2", "h1"}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("acquired %v, want %v", got, want)
	}
	_, err := e.acquire("")
	var tmp task.Temporary
	if !errors.As(err, &tmp) || !tmp.Temporary() {
		t.Errorf("all busy: %v, want a temporary start error", err)
	}
	// A job pinned to a busy host waits; one pinned to the down host fails.
	if _, err := e.acquire("h2"); !errors.As(err, &tmp) {
		t.Errorf("pinned to busy h2: %v, want temporary", err)
	}
	var conn *exception.ConnectionError
	if _, err := e.acquire("h3"); !errors.As(err, &conn) || conn.Host != "h3" || conn.Msg != "ssh: connect to host h3 port 22: Connection refused" {
		t.Errorf("pinned to down h3: %v", err)
	}
	e.release(e.hosts[1])
	if h, err := e.acquire("2/h1"); !errors.As(err, &tmp) || h != nil {
		t.Errorf("pinned to busy h1 as written: %v %v", h, err)
	}
	if h, err := e.acquire("h2"); err != nil || h.Name != "h2" {
		t.Errorf("pinned to freed h2: %v %v", h, err)
	}
}

func TestAcquireNoHostLeft(t *testing.T) {
	e := executorOf(t, []string{"a", "b"}, map[string]string{"a": "refused", "b": "timeout"})
	_, err := e.acquire("")
	var conn *exception.ConnectionError
	if !errors.As(err, &conn) || conn.Error() != "connection error: a: refused" {
		t.Errorf("no host left: %v", err)
	}
}
