package remote

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The wrapper runs here with sh, as a host's sshd would run it (the
// login shell runs CommandLine; the control channel on standard input): what it prints,
// which records it writes, and what it leaves running.

func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

// wrapped is one run of the wrapper.
type wrapped struct {
	out, err string
	records  []string
}

type lockedBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

// runWrapper runs the wrapper for command with vars, in dir, and lets
// drive talk to its control channel once it started (nil: leave it
// open until the wrapper ends).
func runWrapper(t *testing.T, shell, dir, command string, vars []string, grace time.Duration, drive func(ctl io.WriteCloser, pgid int)) wrapped {
	t.Helper()
	tag := "aiorun" + RandomHex(4) + ":"
	cmdline, prefix := CommandLine(Script(shell, dir, command, vars, grace, tag, RandomHex(16)))
	var out, errOut lockedBuffer
	var mu sync.Mutex
	var records []string
	started := make(chan struct{})
	onRecord := func(p string) {
		mu.Lock()
		records = append(records, p)
		mu.Unlock()
		if p == "start" {
			select {
			case <-started:
			default:
				close(started)
			}
		}
	}
	of := &Filter{Out: &out, Tag: tag, Gated: true, PassAfterOpen: true}
	ef := &Filter{Out: &errOut, Tag: tag, Gated: true, OnRecord: onRecord}
	// The host's login shell runs the command line.
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Stdout, cmd.Stderr = of, ef
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ctl, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if prefix != "" {
		_, _ = io.WriteString(ctl, prefix)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("the wrapper did not start; stderr %q", errOut.String())
	}
	if drive != nil {
		drive(ctl, cmd.Process.Pid)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("the wrapper did not end; stderr %q", errOut.String())
	}
	_ = ctl.Close()
	_ = of.Close()
	_ = ef.Close()
	mu.Lock()
	defer mu.Unlock()
	return wrapped{out: out.String(), err: errOut.String(), records: records}
}

func (w wrapped) status(t *testing.T) int {
	t.Helper()
	for _, r := range w.records {
		if s, ok := strings.CutPrefix(r, "exit "); ok {
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("bad exit record %q", r)
			}
			return n
		}
	}
	t.Fatalf("no exit record in %q (stderr %q)", w.records, w.err)
	return -1
}

// alive lists the processes whose command line is exactly cmdline.
func alive(cmdline string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		if strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ") == cmdline {
			stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
				continue
			}
			pid, _ := strconv.Atoi(e.Name())
			pids = append(pids, pid)
		}
	}
	return pids
}

// gone fails t when a process with command line cmdline is still running
// after a moment, and kills it.
func gone(t *testing.T, cmdline string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		pids := alive(cmdline)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range pids {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			t.Fatalf("%q still running: %v", cmdline, pids)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sleeper is a command line no other test runs.
func sleeper(t *testing.T) string {
	return fmt.Sprintf("sleep %d", 400+time.Now().UnixNano()%500)
}

func TestWrapperOutput(t *testing.T) {
	tricky := "it's \"quoted\" $HOME `id` \\ back\nnew  line ünïcødé ✓ *|x"
	w := runWrapper(t, "sh", "", `printf '%s' "$TRICKY"; echo; echo "$AIORUN_JOB ${AIORUN_JOB_TOKEN:+has-token}" >&2; printf 'no newline' >&2`,
		[]string{"TRICKY=" + tricky, "AIORUN_JOB=a"}, time.Second, nil)
	if w.out != tricky+"\n" {
		t.Errorf("stdout %q, want %q", w.out, tricky+"\n")
	}
	if w.err != "a has-token\nno newline" {
		t.Errorf("stderr %q", w.err)
	}
	if got := w.status(t); got != 0 {
		t.Errorf("status %d", got)
	}
	if want := []string{"start", "exit 0"}; !slicesEqual(w.records, want) {
		t.Errorf("records %q, want %q", w.records, want)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

func TestWrapperStatus(t *testing.T) {
	if got := runWrapper(t, "sh", "", "exit 3", nil, time.Second, nil).status(t); got != 3 {
		t.Errorf("exit 3: status %d", got)
	}
	if got := runWrapper(t, "sh", "", "exit 255", nil, time.Second, nil).status(t); got != 255 {
		t.Errorf("exit 255: status %d", got)
	}
	if got := runWrapper(t, "no-such-shell-aiorun", "", "true", nil, time.Second, nil).status(t); got != 127 {
		t.Errorf("missing shell: status %d", got)
	}
}

func TestWrapperDir(t *testing.T) {
	dir := t.TempDir()
	w := runWrapper(t, "sh", dir, "pwd", nil, time.Second, nil)
	if strings.TrimSpace(w.out) != dir || w.status(t) != 0 {
		t.Errorf("pwd in %s: %q, status %d", dir, w.out, w.status(t))
	}
	w = runWrapper(t, "sh", dir+"/nowhere", "pwd", nil, time.Second, nil)
	if w.status(t) == 0 || !strings.Contains(w.err, "nowhere") || w.out != "" {
		t.Errorf("missing dir: status %d, stderr %q, stdout %q", w.status(t), w.err, w.out)
	}
}

// TestWrapperPath: a job that sets PATH gets it, and the wrapper still
// finds setsid.
func TestWrapperPath(t *testing.T) {
	w := runWrapper(t, "/bin/sh", "", `echo "$PATH"`, []string{"PATH=/nowhere:/bin:/usr/bin", "X=1"}, time.Second, nil)
	if w.out != "/nowhere:/bin:/usr/bin\n" || w.status(t) != 0 {
		t.Errorf("stdout %q status %d stderr %q", w.out, w.status(t), w.err)
	}
}

func TestWrapperTerm(t *testing.T) {
	s := sleeper(t)
	start := time.Now()
	w := runWrapper(t, "sh", "", s+" & wait", nil, 10*time.Second, func(ctl io.WriteCloser, _ int) {
		waitAlive(t, s)
		_, _ = io.WriteString(ctl, "TERM\n")
	})
	if got := w.status(t); got != 143 {
		t.Errorf("status %d, want 143", got)
	}
	if !slicesEqual(w.records, []string{"start", "signal TERM", "exit 143"}) {
		t.Errorf("records %q", w.records)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
	gone(t, s)
}

func TestWrapperKill(t *testing.T) {
	s := sleeper(t)
	w := runWrapper(t, "sh", "", "trap '' TERM; "+s+"; echo survived", nil, 10*time.Second, func(ctl io.WriteCloser, _ int) {
		waitAlive(t, s)
		_, _ = io.WriteString(ctl, "TERM\n")
		time.Sleep(200 * time.Millisecond)
		if len(alive(s)) == 0 {
			t.Errorf("%s died of SIGTERM, which its shell ignores", s)
		}
		_, _ = io.WriteString(ctl, "KILL\n")
	})
	if got := w.status(t); got != 137 {
		t.Errorf("status %d, want 137", got)
	}
	gone(t, s)
}

// TestWrapperEOF: the end of the control channel (aiorun or the
// connection gone) stops the job: SIGTERM, SIGKILL after the grace, and
// the sweep of what left its group with its environment.
func TestWrapperEOF(t *testing.T) {
	s1, s2 := sleeper(t), sleeper(t)+"1"
	start := time.Now()
	w := runWrapper(t, "sh", "", "trap '' TERM; setsid "+s2+" & "+s1, nil, 500*time.Millisecond, func(ctl io.WriteCloser, _ int) {
		waitAlive(t, s1)
		waitAlive(t, s2)
		_ = ctl.Close()
	})
	if got := w.status(t); got != 137 {
		t.Errorf("status %d, want 137", got)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("ended after %s, before the grace", d)
	}
	gone(t, s1)
	gone(t, s2)
}

// TestWrapperSweep: escaped processes die with the job on a normal end.
func TestWrapperSweep(t *testing.T) {
	s1, s2 := sleeper(t)+"2", sleeper(t)+"3"
	w := runWrapper(t, "sh", "", "setsid "+s1+" >/dev/null 2>&1 & (setsid sh -c '"+s2+" & ' >/dev/null 2>&1 &); sleep 0.3; echo ok", nil, time.Second, nil)
	if w.out != "ok\n" || w.status(t) != 0 {
		t.Errorf("stdout %q status %d", w.out, w.status(t))
	}
	gone(t, s1)
	gone(t, s2)
}

// TestWrapperLongScript: a script too long for a command line travels on
// the control channel.
func TestWrapperLongScript(t *testing.T) {
	big := strings.Repeat("'x", 60000)
	w := runWrapper(t, "sh", "", `printf '%s %s' "${#A}" "${#B}"`, []string{"A=" + big, "B=" + big}, time.Second, nil)
	if w.out != "120000 120000" || w.status(t) != 0 {
		t.Errorf("stdout %q status %d stderr %q", w.out, w.status(t), w.err)
	}
}

func waitAlive(t *testing.T, cmdline string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(alive(cmdline)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%q did not start", cmdline)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGraceSeconds(t *testing.T) {
	for d, want := range map[string]string{"5s": "5", "500ms": "0.5", "1.25s": "1.25", "0s": "0", "2m": "120"} {
		if got := graceSeconds(mustDuration(d)); got != want {
			t.Errorf("graceSeconds(%s) = %s, want %s", d, got, want)
		}
	}
}

// TestWrapperSignals: the job gets the default dispositions (SIGPIPE not
// ignored: `yes | head` ends quietly); a SIGTERM to every process of the
// step at once (as Slurm sends it) stops the job through its group and
// the wrapper survives it to report the exit.
func TestWrapperSignals(t *testing.T) {
	w := runWrapper(t, "sh", "", "yes | head -n 1; grep -E '^Sig(Ign|Cgt)' /proc/self/status", nil, time.Second, nil)
	if w.status(t) != 0 || !strings.HasPrefix(w.out, "y\n") || w.err != "" {
		t.Errorf("stdout %q stderr %q status %d", w.out, w.err, w.status(t))
	}
	if strings.Contains(w.out, "SigIgn:\t0000000000001000") {
		t.Errorf("the job ignores SIGPIPE: %q", w.out)
	}
	s := sleeper(t) + "5"
	// Both the wrapper and its watcher pass an outside TERM on (whichever
	// is running when it comes), so the job may get it twice; its trap
	// acts on the first.
	w = runWrapper(t, "sh", "", "trap 'trap \"\" TERM; echo job got TERM >&2; exit 9' TERM; "+s+" & wait", nil, 10*time.Second, func(_ io.WriteCloser, pgid int) {
		waitAlive(t, s)
		// The wrapper's group (it and its watcher), not the job's.
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
	})
	if got := w.status(t); got != 9 || w.err != "job got TERM\n" {
		t.Errorf("status %d stderr %q, want 9 and the job's trap", got, w.err)
	}
	gone(t, s)
}

// TestJobSweep runs the wrapper's end-of-job sweep on its own against a
// process that carries the token: whenever the sweep cannot be skipped,
// the whole Sweep kills it. (That it is skipped when nothing newer than a
// short job runs cannot be shown on a shared machine: any process started
// meanwhile, a test's in another package, makes the sweep run.)
func TestJobSweep(t *testing.T) {
	const now = `read u0 x < /proc/uptime; u0=${u0%.*}${u0#*.}` + "\n"
	for _, tt := range []struct {
		name  string
		setup func(pid int) string // sets j, w and u0
	}{
		{"a process started since the job", func(pid int) string { return fmt.Sprintf("j=%d w=0\n", pid-1) + now }},
		{"pids wrapped around", func(int) string { return fmt.Sprintf("j=%d w=0\n", 1<<30) + now }},
		{"a long job", func(int) string { return "j=$$ w=0 u0=0\n" }},
		{"no start time", func(int) string { return "j=$$ w=0 u0=\n" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const token = "sweep-test-token"
			p := exec.Command("sleep", "300")
			p.Env = append(os.Environ(), TokenVar+"="+token)
			p.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := p.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Process.Kill() }() // a no-op once it is reaped
			waited := make(chan error, 1)
			go func() { waited <- p.Wait() }()
			script := "t=" + token + "\n" + tt.setup(p.Process.Pid) + jobSweep
			if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
				t.Fatalf("sweep: %v: %s", err, out)
			}
			select {
			case <-waited:
			case <-time.After(10 * time.Second):
				t.Error("still running after the sweep")
			}
		})
	}
}
