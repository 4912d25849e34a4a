//go:build linux

package proc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/task"
)

func TestDirectArgv(t *testing.T) {
	for _, tt := range []struct {
		cmd  string
		want []string // nil: through the shell
	}{
		{"sleep 1", []string{"sleep", "1"}},
		{"/bin/true", []string{"/bin/true"}},
		{"make -C src test", []string{"make", "-C", "src", "test"}},
		{"go test ./...", []string{"go", "test", "./..."}},
		{"  a   b  c  ", []string{"a", "b", "c"}},
		{"cmd a=b -x +y , : @ % ^ . .. -- =", []string{"cmd", "a=b", "-x", "+y", ",", ":", "@", "%", "^", ".", "..", "--", "="}},
		{"./build.sh", []string{"./build.sh"}},
		{"Z_9.a-b+c@d%e^f,g:h", []string{"Z_9.a-b+c@d%e^f,g:h"}},
		{"", nil},
		{"   ", nil},
		{"A=1 cmd", nil},     // an assignment
		{"a=b", nil},         // an assignment alone
		{"x=", nil},          // idem
		{"=x cmd", nil},      // a first word with '=', whatever it is
		{"-x", nil},          // sh -c -x: an option of sh
		{"+x cmd", nil},      // idem
		{"/bin/echo é", nil}, // not ASCII
		{"ls ~", nil},
		{"ls ~/x", nil},
		{"a\tb", nil},
		{"a\nb", nil},
		{"ls ]", nil},
	} {
		got, ok := directArgv(tt.cmd)
		if ok != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("directArgv(%q) = %q, %v; want %q", tt.cmd, got, ok, tt.want)
		}
	}
	// Every byte, in the middle of a later word.
	for c := range 256 {
		cmd := "/bin/echo a" + string([]byte{byte(c)}) + "b"
		_, ok := directArgv(cmd)
		want := c == ' ' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
			strings.IndexByte("-_./,:=+@%^", byte(c)) >= 0
		if ok != want {
			t.Errorf("byte %#x (%q): eligible %v, want %v", c, rune(c), ok, want)
		}
	}
	// Every builtin and reserved word, alone and with an argument; as an
	// argument it is a plain word, and a path to a program is no builtin.
	for _, w := range []string{
		".", ":", "[", "alias", "bg", "break", "cd", "chdir", "command", "continue", "echo", "eval",
		"exec", "exit", "export", "false", "fg", "getopts", "hash", "jobs", "kill", "local", "printf",
		"pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "true", "type",
		"ulimit", "umask", "unalias", "unset", "wait",
		"!", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until",
		"while", "{", "}", "[[", "]]", "function", "select", "time", "fc", "source", "let", "declare",
		"typeset", "builtin", "newgrp",
	} {
		for _, cmd := range []string{w, w + " x"} {
			if argv, ok := directArgv(cmd); ok {
				t.Errorf("directArgv(%q) = %q: a shell word runs directly", cmd, argv)
			}
		}
		if plain := strings.Trim(w, "![]{}"); plain != "" && plain == w {
			if _, ok := directArgv("/usr/bin/env " + w); !ok {
				t.Errorf("%q as an argument keeps the command on the shell", w)
			}
			if _, ok := directArgv("./" + w); !ok && w != "." {
				t.Errorf("./%s is a shell word", w)
			}
		}
	}
}

func TestShellName(t *testing.T) {
	for kv, want := range map[string]int{
		"A=1": 1, "_=x": 1, "ab_9=": 4, "PATH=/bin": 4, "A": 0, "=x": 0, "1A=x": 0, "A-B=x": 0,
		"BASH_FUNC_f%%=() {}": 0, "é=x": 0, "": 0,
	} {
		if got := shellName(kv); got != want {
			t.Errorf("shellName(%q) = %d, want %d", kv, got, want)
		}
	}
}

// fixture is a directory of programs, scripts and files for the
// differential tests.
type fixture struct {
	dir  string // physical path
	path string // a PATH: bin1, bin2, bin3/ (with its slash), then the test's
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	const args = "#!/bin/sh\nprintf '%s|' \"$0\" \"$@\"\n"
	write("bin1/script", args, 0o755)
	write("bin1/noexec", args, 0o644)                          // shadows bin2/noexec, not executable
	write("bin1/nosheb", "echo nosheb \"$0\" \"$@\"\n", 0o755) // ENOEXEC: dash runs it itself
	write("bin2/noexec", "#!/bin/sh\necho bin2 noexec\n", 0o755)
	write("bin2/dirname", "#!/bin/sh\necho bin2 dirname \"$0\" \"$@\"\n", 0o755)
	write("bin3/slashy", args, 0o755)
	write("noshebang", "echo from script \"$0\" \"$@\"; exit 3\n", 0o755)
	write("plain.txt", "not a program\n", 0o644)
	write("exit7", "#!/bin/sh\necho out; echo err >&2; exit 7\n", 0o755)
	write("selfkill", "#!/bin/sh\necho before >&2\nkill -$1 $$\n", 0o755)
	write("badinterp", "#!/nonexistent-aiorun/interp\n", 0o755)
	write("real/sub/x", "", 0o644)
	for _, d := range []string{"bin1/dirname", "bin1/env"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	return fixture{
		dir:  dir,
		path: dir + "/bin1:" + dir + "/bin2:" + dir + "/bin3/:" + os.Getenv("PATH"),
	}
}

// baseEnv is the test's environment without PATH and PWD, with the
// variables dash drops, deduplicates or rewrites.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "PWD=") {
			env = append(env, kv)
		}
	}
	return append(env,
		"IFS=x", "OPTIND=7", "PPID=1", "LINENO=3", "OLDPWD=/old", "SHLVL=4", "_=/underscore",
		"A-B=dropped", "1X=dropped", "NOEQUALS", "=x", "é=x", "DUP=1", "DUP=2", "DUP=3",
		"BASH_FUNC_f%%=() {  echo f\n}", "NL=a\nb", TokenVar+"=outer", "EMPTY=",
	)
}

type runOutcome struct {
	value, stderr, err string
	pid                int
}

func execOutcome(t *testing.T, l *Local, spec task.Spec, envValue bool) runOutcome {
	t.Helper()
	var stderr bytes.Buffer
	spec.Stderr = &stderr
	r := execT(t, l, context.Background(), &spec)
	v := ""
	if r.Value != nil {
		v = valueString(t, r.Value)
	}
	if envValue {
		v = normalEnv(v)
	}
	return runOutcome{value: v, stderr: stderr.String(), err: fmt.Sprintf("%#v", r.Err), pid: r.Pid}
}

// normalEnv sorts the entries of `env -0` output and hides the attempt's
// token (the inherited part is kept).
func normalEnv(v string) string {
	entries := strings.Split(strings.TrimSuffix(v, "\x00"), "\x00")
	for i, e := range entries {
		if rest, ok := strings.CutPrefix(e, TokenVar+"="); ok {
			if j := strings.LastIndexByte(rest, ':'); j >= 0 {
				entries[i] = TokenVar + "=" + rest[:j] + ":TOKEN"
			} else {
				entries[i] = TokenVar + "=TOKEN"
			}
		}
	}
	slices.Sort(entries)
	return strings.Join(entries, "\n")
}

func requireDash(t *testing.T) {
	t.Helper()
	if !shared.shellPath("sh").dash {
		t.Skip("sh is not dash: every command runs through the shell")
	}
}

// TestDirectMatchesShell runs a corpus of commands both without the shell
// (shared) and through it (sharedShell), and requires the same value,
// standard error, exception and environment.
func TestDirectMatchesShell(t *testing.T) {
	requireDash(t)
	t.Parallel()
	fx := newFixture(t)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	real, link := fx.dir+"/real", fx.dir+"/link"
	const envCmd = "/usr/bin/env -0"
	const none, empty = "\x00none", "\x00empty"
	for _, tt := range []struct {
		name   string
		cmd    string
		dir    string // "": the test's
		pwd    string // the PWD entry; "": the test's directory; none: no PWD
		path   string // the PATH entry; "": fx.path; none: no PATH; empty: PATH=
		direct bool   // directExec takes it
		env    bool   // the value is `env -0`'s: compared as a set
	}{
		{name: "external echo", cmd: "/bin/echo a b", direct: true},
		{name: "many words", cmd: "/bin/echo -n x y z 1 2 3 a-b c_d e.f g,h i:j k=l m+n o@p q%r s^t u/v .. . -- -x +y =", direct: true},
		{name: "spaces", cmd: "   /bin/echo   lead    and   trail   ", direct: true},
		{name: "builtin echo", cmd: "echo a  b"},
		{name: "builtin printf", cmd: "printf %s-%s x y"},
		{name: "builtin true alone", cmd: "true", direct: true},
		{name: "builtin false alone", cmd: "  false ", direct: true},
		{name: "builtin true with an argument", cmd: "true --help"},
		{name: "builtin false with an argument", cmd: "false x"},
		{name: "builtin true, PATH without it", cmd: "true", path: "/nonexistent-aiorun", direct: true},
		{name: "builtin pwd", cmd: "pwd", dir: link, pwd: link},
		{name: "external true", cmd: "/bin/true", direct: true},
		{name: "external false", cmd: "/bin/false", direct: true},
		{name: "PATH lookup", cmd: "ls -d / /usr", direct: true},
		{name: "exit 2 with a message", cmd: "ls /nonexistent-aiorun", direct: true},
		{name: "both streams", cmd: "ls -d / /nonexistent-aiorun", direct: true},
		{name: "not found", cmd: "nonexistent-cmd-xyz a b"},
		{name: "not found, a path", cmd: "/nonexistent-aiorun/cmd a", direct: true},
		{name: "not found, relative", cmd: "nonexistent-aiorun/cmd", direct: true},
		{name: "not executable", cmd: fx.dir + "/plain.txt", direct: true},
		{name: "a directory", cmd: fx.dir + " x", direct: true},
		{name: "no shebang", cmd: fx.dir + "/noshebang a b", direct: true},
		{name: "no shebang in PATH", cmd: "nosheb a", direct: true},
		{name: "missing interpreter", cmd: fx.dir + "/badinterp", direct: true},
		{name: "shebang script", cmd: fx.dir + "/exit7", direct: true},
		{name: "relative path in dir", cmd: "./exit7", dir: fx.dir, direct: true},
		{name: "script in PATH", cmd: "script a b=c", direct: true},
		{name: "PATH entry with a slash", cmd: "slashy x", direct: true},
		{name: "non-executable shadow", cmd: "noexec"},
		{name: "directory shadow", cmd: "dirname x", direct: true},
		{name: "environment", cmd: envCmd, env: true, direct: true},
		{name: "environment, PATH lookup past a directory", cmd: "env -0", env: true, direct: true},
		{name: "environment without PWD", cmd: envCmd, pwd: none, env: true, direct: true},
		{name: "environment, relative PWD", cmd: envCmd, pwd: "real", dir: fx.dir, env: true, direct: true},
		{name: "environment, PWD through a symlink", cmd: envCmd, dir: real, pwd: link, env: true, direct: true},
		{name: "environment, PWD with dots", cmd: envCmd, dir: link + "/sub", pwd: link + "/./sub/", env: true, direct: true},
		{name: "environment, stale PWD", cmd: envCmd, dir: link + "/sub", pwd: link, env: true, direct: true},
		{name: "environment, PWD elsewhere", cmd: envCmd, dir: real, pwd: "/", env: true, direct: true},
		{name: "environment, relative dir", cmd: envCmd, dir: ".", pwd: none, env: true, direct: true},
		{name: "pwd -P through a symlink", cmd: "/bin/pwd -P", dir: link, pwd: link, direct: true},
		{name: "pwd -L, PWD through a symlink", cmd: "/bin/pwd -L", dir: real, pwd: link, direct: true},
		{name: "pwd -L, stale PWD", cmd: "/bin/pwd -L", dir: real + "/sub", pwd: link, direct: true},
		{name: "pwd -L, no PWD", cmd: "/bin/pwd -L", dir: link, pwd: none, direct: true},
		{name: "no PATH", cmd: envCmd, path: none, env: true, direct: true},
		{name: "no PATH, lookup", cmd: "env -0", path: none, env: true},
		{name: "relative PATH entry", cmd: "env -0", path: "bin:/usr/bin", env: true},
		{name: "empty PATH entry", cmd: "env -0", path: ":/usr/bin", env: true},
		{name: "empty PATH", cmd: "ls", path: empty},
		{name: "PATH entry with %", cmd: "env -0", path: "/usr/bin%builtin:/usr/bin", env: true},
		{name: "relative PATH entry after the hit", cmd: "env -0", path: "/usr/bin:bin", env: true, direct: true},
		{name: "sleep", cmd: "sleep 0", direct: true},
		{name: "argv as typed", cmd: "cat /proc/self/cmdline", direct: true},
		{name: "assignment", cmd: "A=1 /usr/bin/env -0", env: true},
		{name: "leading dash", cmd: "-x"},
		{name: "not ASCII", cmd: "/bin/echo é"},
		{name: "reserved word", cmd: "if"},
		{name: "blank", cmd: "   "},
		{name: "signal state, umask, capabilities", cmd: "grep -e SigPnd -e SigBlk -e SigIgn -e SigCgt -e ShdPnd -e Umask -e Cap -e NoNewPrivs -e Seccomp /proc/self/status", direct: true},
		{name: "descriptors", cmd: "ls /proc/self/fd", direct: true},
		{name: "limits", cmd: "cat /proc/self/limits", direct: true},
		{name: "standard input", cmd: "wc -c", direct: true},
		{name: "large output", cmd: "seq 1 200000", direct: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := baseEnv()
			switch tt.pwd {
			case "":
				env = append(env, "PWD="+cwd)
			case none:
			default:
				env = append(env, "PWD="+tt.pwd)
			}
			switch tt.path {
			case "":
				env = append(env, "PATH="+fx.path)
			case none:
			case empty:
				env = append(env, "PATH=")
			default:
				env = append(env, "PATH="+tt.path)
			}
			spec := task.Spec{Name: "d", Shell: "sh", Command: tt.cmd, Env: env, Dir: tt.dir, Grace: 5e9}
			if _, _, _, direct := shared.directExec(&spec, true, "t"); direct != tt.direct {
				t.Errorf("directExec took it: %v, want %v", direct, tt.direct)
			}
			d := execOutcome(t, shared, spec, tt.env)
			s := execOutcome(t, sharedShell, spec, tt.env)
			if d.value != s.value {
				t.Errorf("value\ndirect: %q\nshell:  %q", d.value, s.value)
			}
			if d.stderr != s.stderr {
				t.Errorf("stderr\ndirect: %q\nshell:  %q", d.stderr, s.stderr)
			}
			if d.err != s.err {
				t.Errorf("err\ndirect: %s\nshell:  %s", d.err, s.err)
			}
			if testing.Verbose() {
				t.Logf("value %.200q, stderr %q, err %s", d.value, d.stderr, d.err)
			}
		})
	}
}

// TestDirectSignals: a command killed by a signal (here: a script that
// kills itself) ends as dash reports it, exit status 128+S and its
// message, with or without the shell.
func TestDirectSignals(t *testing.T) {
	requireDash(t)
	t.Parallel()
	fx := newFixture(t)
	for _, sig := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 24, 25, 26, 27, 29, 30, 31, 34, 35, 50, 64} {
		t.Run(strconv.Itoa(sig), func(t *testing.T) {
			t.Parallel()
			spec := task.Spec{Name: "s", Shell: "sh", Command: fx.dir + "/selfkill " + strconv.Itoa(sig),
				Env: append(os.Environ(), "PATH="+fx.path), Grace: 5e9}
			d := execOutcome(t, shared, spec, false)
			s := execOutcome(t, sharedShell, spec, false)
			msg, status := signalDeath(syscall.Signal(sig), false)
			want := runOutcome{stderr: "before\n" + msg, err: fmt.Sprintf("%#v", &exception.ExitError{Code: status})}
			for _, got := range []struct {
				how string
				r   runOutcome
			}{{"direct", d}, {"shell", s}} {
				got.r.pid = 0
				if got.r != want {
					t.Errorf("%s: %+v, want %+v", got.how, got.r, want)
				}
			}
		})
	}
}

// TestDirectCoreDump: dash adds " (core dumped)" when the kernel says so.
// Not parallel: it raises the test process's core size limit.
func TestDirectCoreDump(t *testing.T) {
	requireDash(t)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &old); err != nil || old.Max < 1<<20 {
		t.Skipf("core size limit %+v, %v", old, err)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/core_pattern"); err != nil || !bytes.HasPrefix(b, []byte("core")) {
		t.Skipf("cores are not written in the working directory: %q", b)
	}
	lim := old
	lim.Cur = old.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &lim); err != nil {
		t.Skip(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_CORE, &old)
	fx := newFixture(t)
	spec := task.Spec{Name: "s", Shell: "sh", Command: fx.dir + "/selfkill 11", Dir: t.TempDir(), Env: os.Environ(), Grace: 5e9}
	d := execOutcome(t, shared, spec, false)
	s := execOutcome(t, sharedShell, spec, false)
	want := "before\nSegmentation fault (core dumped)\n"
	if d.stderr != want || s.stderr != want || d.err != s.err {
		t.Errorf("direct %+v\nshell %+v", d, s)
	}
}

// TestDirectGroupSignal documents the one known difference: a signal sent
// to the whole process group from outside (here by the command itself,
// `kill 0`) also kills the shell, which then reports nothing and ends as
// CancelledError(S); without the shell it is reported as a signal to the
// command alone, the common case (a crash, the OOM killer, `kill PID`).
func TestDirectGroupSignal(t *testing.T) {
	requireDash(t)
	t.Parallel()
	spec := task.Spec{Name: "g", Shell: "sh", Command: "/bin/kill -TERM 0", Env: os.Environ(), Grace: 5e9}
	d := execOutcome(t, shared, spec, false)
	s := execOutcome(t, sharedShell, spec, false)
	if d.err != fmt.Sprintf("%#v", &exception.ExitError{Code: 143}) || d.stderr != "Terminated\n" {
		t.Errorf("direct: %+v", d)
	}
	if s.err != fmt.Sprintf("%#v", &exception.CancelledError{Signal: 15}) || s.stderr != "" {
		t.Errorf("shell: %+v", s)
	}
}

// TestDirectTaken: without the shell the leader is the command (its pid
// is Result.Pid); through it, the command is the shell's child.
func TestDirectTaken(t *testing.T) {
	requireDash(t)
	t.Parallel()
	spec := task.Spec{Name: "p", Shell: "sh", Command: "grep -w -e Pid -e PPid /proc/self/status", Env: os.Environ(), Grace: 5e9}
	d := execOutcome(t, shared, spec, false)
	if want := fmt.Sprintf("Pid:\t%d\nPPid:\t%d", d.pid, os.Getpid()); d.value != want {
		t.Errorf("direct: %q, want %q", d.value, want)
	}
	s := execOutcome(t, sharedShell, spec, false)
	if strings.Contains(s.value, fmt.Sprintf("Pid:\t%d\n", s.pid)) || !strings.Contains(s.value, fmt.Sprintf("PPid:\t%d", s.pid)) {
		t.Errorf("shell (leader %d): %q", s.pid, s.value)
	}
}

// TestDirectCancel: a command run without the shell is cancelled as any
// job: SIGTERM, the cause as its exception, no message.
func TestDirectCancel(t *testing.T) {
	requireDash(t)
	t.Parallel()
	cause := &exception.CancelledError{Reason: exception.ReasonFailFast}
	ctx, cancel := context.WithCancelCause(context.Background())
	spec := newSpec("c", "sleep 300")
	var stderr bytes.Buffer
	spec.Stderr = &stderr
	r := shared.Exec(ctx, spec, func(int) { cancel(cause) })
	if r.Err != cause || stderr.Len() != 0 {
		t.Errorf("err %#v, stderr %q", r.Err, stderr.String())
	}
}

// BenchmarkDirectPlan is what deciding to skip the shell costs a job: the
// words, dash's environment and a remembered PATH lookup.
func BenchmarkDirectPlan(b *testing.B) {
	spec := newSpec("bench", "sleep 1")
	for b.Loop() {
		if _, _, _, ok := shared.directExec(spec, true, "t"); !ok {
			b.Fatal("not direct")
		}
	}
}

// BenchmarkSearchPath is one PATH lookup of sleep, not remembered.
func BenchmarkSearchPath(b *testing.B) {
	path := os.Getenv("PATH")
	for b.Loop() {
		if _, ok := searchPath(path, "sleep"); !ok {
			b.Fatal("sleep not found")
		}
	}
}
