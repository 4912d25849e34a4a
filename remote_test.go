package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The end-to-end scripts of the remote executors (SPEC §9) run against
// real engines on this machine: a private sshd on 127.0.0.1 and a
// single-node Slurm, stood up by testdata/remote/*-up.sh and stopped by
// *-down.sh. They need root, the Debian packages of .ci/run, and minutes,
// so they run only under AIORUN_TEST_REMOTE=1 (make test-remote); an
// engine that cannot start then fails the test with its log.

// remoteEnabled skips t unless AIORUN_TEST_REMOTE=1.
func remoteEnabled(t *testing.T) {
	t.Helper()
	if os.Getenv("AIORUN_TEST_REMOTE") != "1" {
		t.Skip("set AIORUN_TEST_REMOTE=1 (make test-remote) to run against a real sshd and Slurm")
	}
}

// engineDir is a private directory for an engine's files, readable by the
// unprivileged user the ssh jobs log in as (t.TempDir is not: 0700).
func engineDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// upDown runs testdata/remote/NAME-up.sh DIR, and NAME-down.sh DIR when
// the test ends; a failure to start is fatal, with the script's output.
func upDown(t *testing.T, name, dir string) {
	t.Helper()
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	up := filepath.Join(repo, "testdata", "remote", name+"-up.sh")
	down := filepath.Join(repo, "testdata", "remote", name+"-down.sh")
	t.Cleanup(func() {
		out, err := exec.Command("sh", down, dir).CombinedOutput()
		if err != nil {
			t.Errorf("%s-down.sh: %v\n%s", name, err, out)
		}
		if !t.Failed() {
			_ = os.RemoveAll(dir)
		} else {
			t.Logf("%s files kept in %s", name, dir)
		}
	})
	start := time.Now()
	out, err := exec.Command("sh", up, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("%s-up.sh could not start the engine: %v\n%s", name, err, out)
	}
	t.Logf("%s up in %s: %s", name, time.Since(start).Round(time.Millisecond), bytes.TrimSpace(out))
}

// remoteScripts runs the scripts testdata/remote/PREFIX*.txtar with env
// added to each script's environment.
func remoteScripts(t *testing.T, prefix string, env map[string]string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "remote", prefix+"*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts testdata/remote/%s*.txtar (%v)", prefix, err)
	}
	cmds := scriptCmds()
	for name, c := range remoteCmds(env) {
		cmds[name] = c
	}
	// One script at a time: they share the engine, and some cut its
	// connections or measure time.
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runRemoteScript(t, file, cmds, env)
		})
	}
}

func runRemoteScript(t *testing.T, file string, cmds map[string]scriptCmd, env map[string]string) {
	testscript.Run(t, testscript.Params{
		Files:         []string{file},
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Values[stateKey{}] = &scriptState{}
			for _, kv := range os.Environ() {
				if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AIORUN_") || k == "NO_COLOR" {
					e.Setenv(k, "")
				}
			}
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(e.WorkDir, ".config"))
			e.Setenv("HOME", e.WorkDir)
			e.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			for k, v := range env {
				e.Setenv(k, v)
			}
			return nil
		},
		Cmds: cmds,
	})
}

// TestRemoteSSH runs testdata/remote/ssh_*.txtar against a private sshd
// with the Host aliases h1, h2, h3 (one sshd, three "hosts") and dead (a
// closed port). Jobs log in as aiorun-test, whose home is $REMOTE_HOME.
func TestRemoteSSH(t *testing.T) {
	remoteEnabled(t)
	dir := engineDir(t, "aiorun-sshd-")
	upDown(t, "ssh", dir)
	remoteScripts(t, "ssh_", map[string]string{
		"SSH_CONFIG":  filepath.Join(dir, "ssh_config"),
		"SSH_COMMAND": "ssh -F " + filepath.Join(dir, "ssh_config"),
		"REMOTE_HOME": filepath.Join(dir, "home"),
		"SSHD_PID":    readTrim(t, filepath.Join(dir, "sshd.pid")),
	})
}

// TestRemoteSlurm runs testdata/remote/slurm_*.txtar against a private
// single-node Slurm (munge, slurmctld, slurmd; SLURM_CONF in the scripts'
// environment).
func TestRemoteSlurm(t *testing.T) {
	remoteEnabled(t)
	dir := engineDir(t, "aiorun-slurm-")
	upDown(t, "slurm", dir)
	remoteScripts(t, "slurm_", map[string]string{
		"SLURM_CONF": filepath.Join(dir, "slurm.conf"),
	})
}

func readTrim(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// remoteCmds are the script commands of the remote scripts.
func remoteCmds(env map[string]string) map[string]scriptCmd {
	return map[string]scriptCmd{
		"waitproc":    cmdWaitproc,
		"procsgone":   cmdProcsgone,
		"dropconn":    func(ts *testscript.TestScript, neg bool, args []string) { cmdDropconn(ts, neg, args, env["SSHD_PID"]) },
		"squeueempty": cmdSqueueEmpty,
	}
}

// pgrepExact returns the pids of the processes whose whole command line
// is cmdline (pgrep -fx), of any user.
func pgrepExact(cmdline string) []int {
	var pids []int
	self := os.Getpid()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || len(b) == 0 {
			continue
		}
		if strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ") == cmdline && !zombie(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitproc CMDLINE [N]: wait (up to 30s) until at least N (default 1)
// processes run with exactly that command line (pgrep -fx).
func cmdWaitproc(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitproc CMDLINE [N]")
	}
	n := 1
	if len(args) == 2 {
		var err error
		n, err = strconv.Atoi(args[1])
		ts.Check(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(pgrepExact(args[0])) < n {
		if time.Now().After(deadline) {
			ts.Fatalf("waitproc: fewer than %d processes %q after 30s", n, args[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// procsgone CMDLINE [SECONDS]: no process runs with exactly that command
// line, within SECONDS (default 3) for the engine to tear it down.
func cmdProcsgone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: procsgone CMDLINE [SECONDS]")
	}
	wait := 3.0
	if len(args) == 2 {
		var err error
		wait, err = strconv.ParseFloat(args[1], 64)
		ts.Check(err)
	}
	deadline := time.Now().Add(time.Duration(wait * float64(time.Second)))
	for {
		pids := pgrepExact(args[0])
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL) // do not leak it into the next script
			}
			ts.Fatalf("procsgone: %q still running after %gs: pids %v", args[0], wait, pids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dropconn: cut every connection to the test sshd, as a network failure
// or a host going down would: SIGKILL to its per-connection processes
// (the privileged monitor and the user's network process, both "sshd:
// ..."), not to the sessions' commands, which must find out on their own.
func cmdDropconn(ts *testscript.TestScript, neg bool, args []string, sshdPid string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: dropconn")
	}
	listener, err := strconv.Atoi(sshdPid)
	ts.Check(err)
	parents := map[int]bool{listener: true}
	var victims []int
	for round := 0; round < 3; round++ {
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || parents[pid] {
				continue
			}
			stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
			if err != nil {
				continue
			}
			i := bytes.LastIndexByte(stat, ')')
			f := strings.Fields(string(stat[i+1:]))
			ppid, _ := strconv.Atoi(f[1])
			cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if parents[ppid] && bytes.HasPrefix(cmdline, []byte("sshd")) {
				parents[pid] = true
				victims = append(victims, pid)
			}
		}
	}
	for _, pid := range victims {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(victims) == 0 {
		ts.Fatalf("dropconn: no connection to the sshd (pid %d)", listener)
	}
	ts.Logf("dropconn: killed the connection processes %v", victims)
}

// squeueempty: no job of this user is left in squeue (within 10s).
func cmdSqueueEmpty(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: squeueempty")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		env := append(os.Environ(), "SLURM_CONF="+ts.Getenv("SLURM_CONF"))
		cmd := exec.Command("squeue", "-h", "-o", "%i %j %T")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err == nil && len(bytes.TrimSpace(out)) == 0 {
			steps := exec.Command("squeue", "-h", "--steps", "-o", "%i %j")
			steps.Env = env
			sout, serr := steps.CombinedOutput()
			if serr == nil && len(bytes.TrimSpace(sout)) == 0 {
				return
			}
			out = sout
		}
		if time.Now().After(deadline) {
			ts.Fatalf("squeueempty: squeue still lists after 10s (%v):\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
