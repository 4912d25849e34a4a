package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// faultCmds are the custom script commands of the fault-injection scripts
// (testdata/script/fault_*.txtar):
//
//	within DURATION N PROG [ARGS...]   like exits N, and PROG must end within DURATION
//	maxrss MB PROG [ARGS...]           run PROG; fail unless it exits 0 with a peak RSS under MB
//	volume                             set $VOLUME_MB, $RSS_LIMIT_MB, $MANY_JOBS for this build
//	pidscgroup N                       a pids cgroup with pids.max N, as $PIDS_CGROUP
//	tmux-start PROG [ARGS...]          a private tmux server running PROG in $WORK
//	tmux-send KEYS...                  tmux send-keys to that pane
//	tmux-wait [-t DUR] REGEXP          wait until the pane matches; the pane is then stdout
//	streamsum FILE...                  per-job line counts and sha256 of aiorun's output
var faultCmds = map[string]scriptCmd{
	"within":     cmdWithin,
	"maxrss":     cmdMaxrss,
	"volume":     cmdVolume,
	"pidscgroup": cmdPidsCgroup,
	"tmux-start": cmdTmuxStart,
	"tmux-send":  cmdTmuxSend,
	"tmux-wait":  cmdTmuxWait,
	"streamsum":  cmdStreamsum,
}

// within DURATION N PROG [ARGS...]: as exits N PROG ARGS, and PROG must
// also end within DURATION: "aiorun returns promptly" made checkable. A
// PROG that hangs is only caught when it ends, so the scripts make what
// could hang end by itself (sleep 20, not sleep forever).
func cmdWithin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: within DURATION N PROG [ARGS...]")
	}
	limit, err := time.ParseDuration(args[0])
	ts.Check(err)
	start := time.Now()
	cmdExits(ts, false, args[1:])
	if took := time.Since(start); took > limit {
		ts.Fatalf("%s took %s, want at most %s", args[2], took.Round(time.Millisecond), limit)
	}
}

// scriptEnv is the script's environment, as its commands get it.
func scriptEnv(ts *testscript.TestScript) []string {
	ts.Check(ts.Exec("env", "-0"))
	var env []string
	for _, kv := range strings.Split(ts.ReadFile("stdout"), "\x00") {
		if kv != "" {
			env = append(env, kv)
		}
	}
	return env
}

// maxrss MB PROG [ARGS...]: run PROG in the script's directory and
// environment (standard input /dev/null); it must exit 0, and its peak
// resident set size must stay under MB megabytes. The peak is wait4's
// ru_maxrss: the largest of PROG and every descendant it waited for, so
// for `sh -c 'aiorun ...'` it bounds aiorun, the shell and the jobs. PROG's
// output becomes stdout and stderr; the peak is logged and kept in
// $MAXRSS_KB.
func cmdMaxrss(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: maxrss MB PROG [ARGS...]")
	}
	limit, err := strconv.Atoi(args[0])
	ts.Check(err)
	// Resolve PROG as exec does: in the script's PATH (aiorun is there).
	path := ""
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if p := filepath.Join(dir, args[1]); isExecutable(p) {
			path = p
			break
		}
	}
	if path == "" {
		ts.Fatalf("maxrss: %s not found in the script's PATH", args[1])
	}
	var stdout, stderr bytes.Buffer
	c := exec.Command(path, args[2:]...)
	c.Args[0] = args[1]
	c.Env = scriptEnv(ts)
	c.Dir = ts.MkAbs(".")
	c.Stdout, c.Stderr = &stdout, &stderr
	start := time.Now()
	runErr := c.Run()
	ts.Logf("maxrss: %s ran %s", args[1], time.Since(start).Round(time.Millisecond))
	_, _ = ts.Stdout().Write(stdout.Bytes())
	_, _ = ts.Stderr().Write(stderr.Bytes())
	if runErr != nil {
		ts.Fatalf("maxrss: %s: %v", args[1], runErr)
	}
	kb := c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	ts.Setenv("MAXRSS_KB", strconv.FormatInt(kb, 10))
	ts.Logf("maxrss: peak RSS %.1f MB (limit %d MB)", float64(kb)/1024, limit)
	if kb > int64(limit)*1024 {
		ts.Fatalf("maxrss: peak RSS %.1f MB, want under %d MB", float64(kb)/1024, limit)
	}
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0
}

// raceEnabled reports whether this test binary, and so the aiorun the
// scripts run, was built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// volume: sets the sizes of the load scripts for this build: $VOLUME_MB,
// how many megabytes each job of fault_volume writes to each stream;
// $RSS_LIMIT_MB, the bound on aiorun's peak RSS there; $MANY_JOBS, the
// number of jobs of fault_many_jobs. A plain build: 50 MB, 64 MB, 3000
// jobs. A -race build (what `go test -race` runs: the race detector makes
// aiorun 2-3 times slower and its shadow memory several times bigger): 10
// MB, 128 MB, 1000 jobs, to keep the suite fast. FAULT_VOLUME_MB and
// FAULT_MANY_JOBS in go test's environment override the sizes.
func cmdVolume(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: volume")
	}
	mb, rss, jobs := 50, 64, 3000
	if raceEnabled() {
		mb, rss, jobs = 10, 128, 1000
	}
	for _, o := range []struct {
		env string
		n   *int
	}{{"FAULT_VOLUME_MB", &mb}, {"FAULT_MANY_JOBS", &jobs}} {
		if s := os.Getenv(o.env); s != "" {
			n, err := strconv.Atoi(s)
			ts.Check(err)
			*o.n = n
		}
	}
	ts.Setenv("VOLUME_MB", strconv.Itoa(mb))
	ts.Setenv("RSS_LIMIT_MB", strconv.Itoa(rss))
	ts.Setenv("MANY_JOBS", strconv.Itoa(jobs))
	ts.Logf("volume: %d MB per stream, peak RSS limit %d MB, %d jobs (race: %v)", mb, rss, jobs, raceEnabled())
}

var faultSeq atomic.Int64

// pidscgroup N: makes a cgroup with pids.max N (cgroup v1's pids
// hierarchy, or v2 where the pids controller is enabled), sets
// $PIDS_CGROUP to its directory and puts the program has-pids-cgroup in
// PATH, so that the script can say
//
//	[!exec:has-pids-cgroup] skip 'no writable pids cgroup'
//
// A process joins with `echo $$ > $PIDS_CGROUP/cgroup.procs`. At the end
// of the script every process left in the cgroup is killed (the script
// still fails on what it checks) and the cgroup is removed. Root ignores
// RLIMIT_NPROC, so a cgroup is the way to make fork fail with EAGAIN here.
func cmdPidsCgroup(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: pidscgroup N")
	}
	if _, err := strconv.Atoi(args[0]); err != nil {
		ts.Fatalf("pidscgroup: bad limit %q", args[0])
	}
	name := fmt.Sprintf("aiorun-fault-%d-%d", os.Getpid(), faultSeq.Add(1))
	var dir string
	for _, parent := range []string{"/sys/fs/cgroup/pids", "/sys/fs/cgroup"} {
		if _, err := os.Stat(filepath.Join(parent, "pids.max")); err != nil && parent == "/sys/fs/cgroup" {
			// cgroup v2 root: a child gets pids.max only when the
			// root enables the controller for its children.
			ctl, err := os.ReadFile(filepath.Join(parent, "cgroup.subtree_control"))
			if err != nil || !strings.Contains(string(ctl), "pids") {
				continue
			}
		}
		d := filepath.Join(parent, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(d, "pids.max"), []byte(args[0]), 0o644); err != nil {
			_ = os.Remove(d)
			continue
		}
		dir = d
		break
	}
	if dir == "" {
		ts.Logf("pidscgroup: no writable pids cgroup")
		return
	}
	ts.Defer(func() { removeCgroup(dir) })
	bin := ts.MkAbs(".pidscgroup-bin")
	ts.Check(os.MkdirAll(bin, 0o755))
	ts.Check(os.WriteFile(filepath.Join(bin, "has-pids-cgroup"), []byte("#!/bin/sh\nexit 0\n"), 0o755))
	ts.Setenv("PATH", bin+string(filepath.ListSeparator)+ts.Getenv("PATH"))
	ts.Setenv("PIDS_CGROUP", dir)
}

// removeCgroup kills what is left in a cgroup, then removes it.
func removeCgroup(dir string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			break
		}
		pids := strings.Fields(string(b))
		if len(pids) == 0 {
			break
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	for time.Now().Before(deadline) {
		if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(10 * time.Millisecond) // killed processes still exiting
	}
}

// The tmux commands drive one private tmux server per script (its own
// socket, so scripts that run in parallel never share one); the server is
// always killed at the end of the script. $TMUX_SOCKET names the socket.
const tmuxSession = "fault"

// tmux-start PROG [ARGS...]: start a tmux server whose one pane, 120x40,
// runs PROG in the script's directory with the script's environment
// (TERM=xterm for the client; tmux sets the pane's own TERM).
func cmdTmuxStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: tmux-start PROG [ARGS...]")
	}
	if ts.Getenv("TMUX_SOCKET") != "" {
		ts.Fatalf("tmux-start: a tmux server already runs for this script")
	}
	// A socket path must fit in sun_path (108 bytes): keep it short.
	sock := filepath.Join(os.TempDir(), fmt.Sprintf("aiorun-tmux-%d-%d", os.Getpid(), faultSeq.Add(1)))
	env := append(scriptEnv(ts), "TERM=xterm")
	// The server inherits this environment: tmux must not think it runs
	// inside another tmux.
	env = withoutVar(env, "TMUX")
	ts.Defer(func() {
		kill := exec.Command("tmux", "-S", sock, "kill-server")
		kill.Env = env
		_ = kill.Run()
		_ = os.Remove(sock)
	})
	ts.Setenv("TMUX_SOCKET", sock)
	tmuxArgs := append([]string{"-S", sock, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
		"-s", tmuxSession, "-c", ts.MkAbs(".")}, args...)
	c := exec.Command("tmux", tmuxArgs...)
	c.Env = env
	c.Dir = ts.MkAbs(".")
	if out, err := c.CombinedOutput(); err != nil {
		ts.Fatalf("tmux-start: %v: %s", err, out)
	}
}

func withoutVar(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func tmuxSocket(ts *testscript.TestScript) string {
	sock := ts.Getenv("TMUX_SOCKET")
	if sock == "" {
		ts.Fatalf("no tmux server: run tmux-start first")
	}
	return sock
}

// tmux-send KEYS...: tmux send-keys to the pane (key names as tmux has
// them: Enter, C-c; other words are typed as they are).
func cmdTmuxSend(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: tmux-send KEYS...")
	}
	c := exec.Command("tmux", append([]string{"-S", tmuxSocket(ts), "send-keys", "-t", tmuxSession}, args...)...)
	if out, err := c.CombinedOutput(); err != nil {
		ts.Fatalf("tmux-send: %v: %s", err, out)
	}
}

// tmux-wait [-t DURATION] REGEXP: wait (up to DURATION, 30s by default)
// until the pane's text matches REGEXP (multi-line mode: ^ and $ match at
// line ends); the pane's text is then stdout, for stdout and cmp.
func cmdTmuxWait(ts *testscript.TestScript, neg bool, args []string) {
	limit := 30 * time.Second
	if len(args) == 3 && args[0] == "-t" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		limit, args = d, args[2:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: tmux-wait [-t DURATION] REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[0])
	ts.Check(err)
	sock := tmuxSocket(ts)
	deadline := time.Now().Add(limit)
	var pane string
	for {
		out, err := exec.Command("tmux", "-S", sock, "capture-pane", "-p", "-t", tmuxSession).CombinedOutput()
		if err != nil {
			ts.Fatalf("tmux-wait: capture-pane: %v: %s", err, out)
		}
		pane = strings.TrimRight(string(out), "\n") + "\n"
		if re.MatchString(pane) {
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("tmux-wait: no match for %q within %s; the pane:\n%s", args[0], limit, pane)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, _ = ts.Stdout().Write([]byte(pane))
}

// streamsum FILE...: splits aiorun's text output into its streams and
// prints, sorted, one line per stream with its line count and the sha256
// of its lines (each with its newline, as sha256sum of the job's own
// output gives): `stderr NAME: N lines SHA` for the lines prefixed
// `NAME | ` (a job's standard error), `value NAME: N lines SHA` for the
// lines that follow `NAME: finished` (as-completed prints the job's value
// there), and every status line as `status: LINE`. A line of neither kind
// (a torn line, two jobs' lines run together) is `other: LINE`. Lines from
// two jobs interleaved mid-line change both jobs' sums and leave `other`
// lines. It reads each file once, so it stays fast on hundreds of MB.
func cmdStreamsum(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: streamsum FILE...")
	}
	type stream struct {
		lines int
		sum   hash.Hash
	}
	streams := map[string]*stream{}
	var lastKey string
	var last *stream
	add := func(key string, line []byte) {
		if last == nil || key != lastKey {
			last = streams[key]
			if last == nil {
				last = &stream{sum: sha256.New()}
				streams[key] = last
			}
			lastKey = key
		}
		last.lines++
		last.sum.Write(line)
	}
	start := time.Now()
	defer func() { ts.Logf("streamsum: %s", time.Since(start)) }()
	var out []string
	statusRe := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*: (started|finished|cancelled|failed: .*|timed out after .*|retrying .*)$`)
	for _, name := range args {
		f, err := os.Open(ts.MkAbs(name))
		ts.Check(err)
		r := bufio.NewReaderSize(f, 1<<20)
		value := "" // the job whose value the next plain lines are
		var long []byte
		for {
			line, err := r.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				long = append(long, line...)
				continue
			}
			if long != nil {
				line = append(long, line...)
				long = nil
			}
			if len(line) > 0 {
				text := line[:len(line)-1]
				if line[len(line)-1] != '\n' {
					text = line // a last line without a newline
				}
				bar, colon := bytes.IndexByte(text, '|'), bytes.IndexByte(text, ':')
				if bar < 0 && colon < 0 && value != "" {
					add(value, line) // the common case, kept cheap
				} else if i := bytes.Index(text, []byte(" | ")); i > 0 && !bytes.ContainsAny(text[:i], " :") {
					add("stderr "+string(text[:i]), line[i+3:])
				} else if colon > 0 && statusRe.Match(text) {
					out = append(out, "status: "+string(text))
					value = ""
					if job, ok := bytes.CutSuffix(text, []byte(": finished")); ok {
						value = "value " + string(job)
					}
				} else if value != "" {
					add(value, line)
				} else {
					out = append(out, "other: "+string(text))
				}
			}
			if err == io.EOF {
				break
			}
			ts.Check(err)
		}
		ts.Check(f.Close())
	}
	for key, s := range streams {
		out = append(out, fmt.Sprintf("%s: %d lines %s", key, s.lines, hex.EncodeToString(s.sum.Sum(nil))))
	}
	sort.Strings(out)
	w := ts.Stdout()
	for _, l := range out {
		fmt.Fprintln(w, l)
	}
}
