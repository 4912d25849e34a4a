package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aiorun/aiorun/cmd"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

// TestMain lets the test binary act as aiorun, so that scripts run the
// real command line, signals, exit statuses and all.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"aiorun": func() { os.Exit(cmd.Main()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: a job file,
// the aiorun command and its expected output in one txtar file each.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Values[stateKey{}] = &scriptState{}
			// A clean slate: no inherited aiorun settings, colour wishes or
			// CI (CI itself runs the tests with CI=true, maybe on GitHub).
			for _, kv := range os.Environ() {
				if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AIORUN_") ||
					slices.Contains([]string{"NO_COLOR", "CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_STEP_SUMMARY"}, k) {
					env.Setenv(k, "")
				}
			}
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			// Under -race, a race-enabled binary sleeps 1s at exit
			// (atexit_sleep_ms) so that late reports get out: every aiorun
			// a script runs would cost a second. Skip it, keeping any other
			// GORACE options.
			env.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			// $REPO lets a script run the repository's own files (jobs.example.yaml).
			repo, err := os.Getwd()
			env.Setenv("REPO", repo)
			return err
		},
		Cmds: scriptCmds(),
	})
}

type scriptCmd = func(ts *testscript.TestScript, neg bool, args []string)

// scriptCmds are the custom commands the scripts use, beside testscript's
// own (exec, cmp, stdout, wait, ...).
func scriptCmds() map[string]scriptCmd {
	cmds := map[string]scriptCmd{
		"exits":    cmdExits,
		"signal":   cmdSignal,
		"exitcode": cmdExitcode,
		"waitfile": cmdWaitfile,
		"pidsgone": cmdPidsgone,
	}
	maps.Copy(cmds, uxCmds)
	for name, c := range faultCmds {
		cmds[name] = c
	}
	return cmds
}

type stateKey struct{}

// scriptState is what custom commands remember within one script.
type scriptState struct {
	signalled *exec.Cmd // the background command last signalled
}

// exits N PROG [ARGS...]: run PROG and require exit status N; its stdout
// and stderr are kept for cmp and stdout/stderr as with exec.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		got = exit.ExitCode()
	case err != nil:
		ts.Fatalf("%v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// signal SIG: send SIG (INT, TERM, HUP, KILL) to the most recent
// background command.
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: signal INT|TERM|HUP|KILL")
	}
	sig, ok := map[string]syscall.Signal{
		"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "HUP": syscall.SIGHUP, "KILL": syscall.SIGKILL,
	}[args[0]]
	if !ok {
		ts.Fatalf("unknown signal %s", args[0])
	}
	bg := ts.BackgroundCmds()
	if len(bg) == 0 {
		ts.Fatalf("no background command to signal")
	}
	c := bg[len(bg)-1]
	ts.Check(c.Process.Signal(sig))
	ts.Value(stateKey{}).(*scriptState).signalled = c
}

// exitcode N: after `! exec ... &name&`, signal and `wait name`, require the last signalled background command
// to have exited with status N.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: exitcode N (after signal and wait)")
	}
	c := ts.Value(stateKey{}).(*scriptState).signalled
	if c == nil || c.ProcessState == nil {
		ts.Fatalf("exitcode: no signalled background command has been waited for")
	}
	if got := c.ProcessState.ExitCode(); strconv.Itoa(got) != args[0] {
		ts.Fatalf("exit status %d, want %s", got, args[0])
	}
}

// waitfile FILE...: wait (up to 30s) until each FILE exists and is not
// empty; jobs write these files to say how far they got.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: waitfile FILE...")
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, name := range args {
		path := ts.MkAbs(name)
		for {
			if info, err := os.Stat(path); err == nil && info.Size() > 0 {
				break
			}
			if time.Now().After(deadline) {
				ts.Fatalf("waitfile: %s did not appear within 30s", name)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// pidsgone FILE...: every PID listed in the files (one per line) is gone:
// no such process, not even a zombie. A missing or empty file fails the
// check, so that it cannot pass by accident.
func cmdPidsgone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: pidsgone FILE...")
	}
	for _, name := range args {
		pids := readPids(ts, name)
		if len(pids) == 0 {
			ts.Fatalf("pidsgone: %s lists no PID", name)
		}
		for _, pid := range pids {
			if alive(pid) {
				ts.Fatalf("pidsgone: process %d (from %s) is still running: %s", pid, name, describe(pid))
			}
		}
	}
}

func readPids(ts *testscript.TestScript, name string) []int {
	f, err := os.Open(ts.MkAbs(name))
	ts.Check(err)
	defer f.Close()
	var pids []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		pid, err := strconv.Atoi(line)
		if err != nil {
			ts.Fatalf("pidsgone: %s: bad PID %q", name, line)
		}
		pids = append(pids, pid)
	}
	ts.Check(sc.Err())
	return pids
}

// alive reports whether pid runs, allowing a moment for the kernel to
// finish tearing down a process that was just killed.
func alive(pid int) bool {
	deadline := time.Now().Add(2 * time.Second)
	for {
		if syscall.Kill(pid, 0) != nil {
			return false
		}
		if zombie(pid) {
			return false // dead; only its exit status waits to be collected
		}
		if time.Now().After(deadline) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// zombie reports whether pid has exited and not been reaped: its state,
// after the parenthesised command name in /proc/PID/stat, is Z.
func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

func describe(pid int) string {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return err.Error()
	}
	return strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " ")
}
