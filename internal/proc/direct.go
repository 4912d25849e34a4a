//go:build linux

package proc

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/aiorun/aiorun/internal/task"
)

// Skipping the shell (see the package documentation, "Skipping the
// shell"): what dash would do with `dash -c COMMAND` when COMMAND is one
// simple command without shell syntax, done here without dash.

// maxCachedCommands bounds the PATH lookups a Local remembers.
const maxCachedCommands = 1024

// directArgv splits command into the words dash would make of it, when it
// is one simple command that dash would run as an external program with
// no expansion at all: only plain characters (see plainByte) separated by
// spaces, a first word that is no assignment (no '='), no option to the
// shell (a leading '-' or '+': `sh -c -x` parses -x as sh's option), and no
// builtin or reserved word of dash, POSIX sh or bash. ok is false for
// anything else, the empty command included; such a command runs through
// the shell. The words are substrings of command.
func directArgv(command string) (argv []string, ok bool) {
	words := false
	for i := 0; i < len(command); i++ {
		c := command[i]
		if c == ' ' {
			continue
		}
		if !plainByte(c) {
			return nil, false
		}
		words = true
	}
	if !words {
		return nil, false
	}
	argv = strings.Fields(command) // spaces only, checked above
	first := argv[0]
	if first[0] == '-' || first[0] == '+' || strings.IndexByte(first, '=') >= 0 || shellWords[first] {
		return nil, false
	}
	return argv, true
}

// plainByte reports whether c means itself to dash wherever it stands in a
// word outside an assignment: ASCII letters, digits and - _ . / , : = + @
// % ^. Every other byte is excluded: quotes, '\', '$', '`', ';&|<>(){}',
// '#', '!', the glob characters *?[], '~' (tilde expansion), ']', tab,
// newline and every other control byte, DEL, and all non-ASCII bytes.
// (GNU make also treats '^' as special, for the Bourne shell's pipe; dash,
// the only shell this is done for, does not.)
func plainByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_./,:=+@%^", c) >= 0
}

// shellWords are the first words that keep a command on the shell: the
// builtins and reserved words of dash 0.5.12 (`dash -c 'type NAME'`), the
// POSIX special and regular builtins, and those of bash and ksh, so that a
// newer dash growing one of them changes nothing. Names with characters
// that are not plain are listed for completeness; directArgv refuses them
// anyway.
var shellWords = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(`
		. : [ alias bg break cd chdir command continue echo eval exec exit
		export false fg getopts hash jobs kill local printf pwd read readonly
		return set shift test times trap true type ulimit umask unalias unset
		wait
		! case do done elif else esac fi for if in then until while { }
		fc newgrp
		[[ ]] bind builtin caller compgen complete compopt coproc declare dirs
		disown enable function help history let logout mapfile popd print
		pushd readarray select shopt source suspend time typeset whence`) {
		m[w] = true
	}
	return m
}()

// shellIsDash reports whether the shell at path (absolute) is dash linked
// with glibc: the shell whose -c semantics directExec replicates, down to
// the messages of signalDeath (glibc's strsignal, untranslated: dash never
// calls setlocale). It is decided once per shell, by the name path
// resolves to (/bin/sh -> dash on Debian and Ubuntu) and the program
// interpreter named in the file's first page.
func shellIsDash(path string) bool {
	real, err := filepath.EvalSymlinks(path)
	if err != nil || filepath.Base(real) != "dash" {
		return false
	}
	f, err := os.Open(real)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := f.ReadAt(buf, 0)
	return bytes.HasPrefix(buf[:n], []byte("\x7fELF")) && bytes.Contains(buf[:n], []byte("/ld-linux"))
}

// directExec decides whether spec runs without its shell (dash, see
// shellIsDash): it returns the file to execute, its argv (the words as
// typed: argv[0] is the first word, as dash passes it) and the
// environment dash would give the command (see dashEnv), or ok false
// when the command must run through the shell. A first word with a '/'
// is executed as it is (relative to spec.Dir, as dash does after its
// chdir); another is looked up in the PATH of spec.Env (see searchPath).
func (l *Local) directExec(spec *task.Spec, dash bool, token string) (file string, argv, env []string, ok bool) {
	if !dash || l.noDirect {
		return "", nil, nil, false
	}
	if file, name, ok := noOp(spec.Command); ok {
		env, _, ok := l.dashEnv(spec.Env, token, spec.Dir)
		return file, []string{name}, env, ok
	}
	argv, ok = directArgv(spec.Command)
	if !ok {
		return "", nil, nil, false
	}
	env, pathVar, ok := l.dashEnv(spec.Env, token, spec.Dir)
	if !ok {
		return "", nil, nil, false
	}
	file = argv[0]
	if strings.IndexByte(file, '/') < 0 {
		if pathVar < 0 {
			return "", nil, nil, false // dash's own default PATH would be searched
		}
		v := env[pathVar][len("PATH="):]
		if file, ok = l.lookCommand(v, file); !ok {
			return "", nil, nil, false
		}
	}
	return file, argv, env, true
}

// noOp is the one exception to the builtins staying on the shell: `true`
// or `false` alone (spaces around allowed, no argument) runs the system's
// own true or false program, found at a fixed place (/usr/bin, then /bin)
// rather than in PATH, since dash's builtin ignores PATH. Without
// arguments the builtin and the program cannot be told apart (no output,
// status 0 or 1, nothing read); GNU make runs the program for these
// recipes too. ok is false for any other command, or when the program is
// not there.
func noOp(command string) (file, name string, ok bool) {
	name = strings.Trim(command, " ")
	switch name {
	case "true":
		file = noOpFiles().true
	case "false":
		file = noOpFiles().false
	}
	return file, name, file != ""
}

var noOpFiles = sync.OnceValue(func() (f struct{ true, false string }) {
	find := func(name string) string {
		for _, dir := range []string{"/usr/bin/", "/bin/"} {
			var st unix.Stat_t
			if unix.Stat(dir+name, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && unix.Access(dir+name, unix.X_OK) == nil {
				return dir + name
			}
		}
		return ""
	}
	f.true, f.false = find("true"), find("false")
	return f
})

type cmdKey struct{ path, name string }

type cmdLookup struct {
	file string
	ok   bool
}

// lookCommand is searchPath, remembered per (PATH, name) for the life of
// the Local. Nothing is invalidated: a run is short, and the answers that
// can go stale are harmless (a file that disappeared or lost its
// execute bits makes the exec fail, and the command then runs through the
// shell; a command not found runs through the shell, which looks again),
// except one: a command put during the run in a PATH directory before the
// one where it was found is not seen (dash would run the new one).
func (l *Local) lookCommand(pathVar, name string) (string, bool) {
	k := cmdKey{pathVar, name}
	l.cmdMu.Lock()
	r, hit := l.cmds[k]
	l.cmdMu.Unlock()
	if hit {
		return r.file, r.ok
	}
	r.file, r.ok = searchPath(pathVar, name)
	l.cmdMu.Lock()
	if l.cmds == nil {
		l.cmds = make(map[cmdKey]cmdLookup)
	}
	if len(l.cmds) < maxCachedCommands {
		l.cmds[k] = r
	}
	l.cmdMu.Unlock()
	return r.file, r.ok
}

// searchPath finds name in pathVar as dash's find_command does: in each
// directory in order, the first name that stat(2) says is a regular file
// (directories, missing names and names that cannot be stat'ed are
// skipped), and file is DIR + "/" + name, byte for byte what dash passes to
// execve (a script's interpreter sees it). ok is false, and the shell
// decides, when the search meets first a directory that is empty (the
// current directory), relative (relative to the job's directory), or has
// a '%' (dash's %builtin and %func), when nothing is found (the shell
// prints "not found"), or when the file found is not executable (dash
// would try the next directories before saying "Permission denied").
func searchPath(pathVar, name string) (file string, ok bool) {
	for dir := range strings.SplitSeq(pathVar, ":") {
		if dir == "" || dir[0] != '/' || strings.IndexByte(dir, '%') >= 0 {
			return "", false
		}
		file = dir + "/" + name
		var st unix.Stat_t
		if err := unix.Stat(file, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		// access(2) and execve(2) agree on a regular file, root included
		// (root needs one execute bit), and on noexec mounts.
		if unix.Access(file, unix.X_OK) != nil {
			return "", false
		}
		return file, true
	}
	return "", false
}

// dashEnv is the environment dash exports to the commands it runs when
// started with env plus TokenVar (as withToken puts it), in spec.Dir (""
// for aiorun's own directory), as dash 0.5.12 builds it at startup:
//
//   - entries whose name is not a shell name ([A-Za-z_][A-Za-z0-9_]*,
//     followed by '=') are dropped (exported bash functions,
//     BASH_FUNC_name%%, among them);
//   - of several entries for a name, the last one's value is kept;
//   - IFS, OPTIND and PPID, when present, are reset: IFS to space, tab,
//     newline; OPTIND to 1; PPID to aiorun's pid (dash's parent);
//   - PWD is kept when it is absolute and names the job's directory (the
//     same device and inode: a path through symbolic links, or with '.'
//     components, is kept as it is); else it is set to the directory's
//     physical path, as getcwd(3) gives it.
//
// Only the order differs: dash exports in the order of its hash table;
// here the order of env is kept (TokenVar first, where the sweep reads
// it). pathVar is the index of PATH in out, -1 without one. ok is false
// when the directory or its path cannot be found out; the shell then runs.
func (l *Local) dashEnv(env []string, token, dir string) (out []string, pathVar int, ok bool) {
	seen, _ := l.names.Get().(map[string]int)
	if seen == nil {
		seen = make(map[string]int, len(env))
	}
	defer func() {
		clear(seen)
		l.names.Put(seen)
	}()
	out = make([]string, 1, len(env)+2)
	inherited := ""
	for _, kv := range env {
		n := shellName(kv)
		if n == 0 {
			continue
		}
		name := kv[:n]
		if name == TokenVar {
			inherited = kv[n+1:]
			continue
		}
		if i, dup := seen[name]; dup {
			out[i] = kv
			continue
		}
		seen[name] = len(out)
		out = append(out, kv)
	}
	if inherited != "" {
		token = inherited + ":" + token
	}
	out[0] = TokenVar + "=" + token
	if i, ok := seen["IFS"]; ok {
		out[i] = "IFS= \t\n"
	}
	if i, ok := seen["OPTIND"]; ok {
		out[i] = "OPTIND=1"
	}
	if i, ok := seen["PPID"]; ok {
		out[i] = "PPID=" + strconv.Itoa(l.self)
	}
	pwd := ""
	i, havePWD := seen["PWD"]
	if havePWD {
		pwd = out[i][len("PWD="):]
	}
	fixed, keep, ok := jobPWD(pwd, havePWD, dir)
	if !ok {
		return nil, -1, false
	}
	if !keep {
		if havePWD {
			out[i] = "PWD=" + fixed
		} else {
			out = append(out, "PWD="+fixed)
		}
	}
	pathVar = -1
	if i, ok := seen["PATH"]; ok {
		pathVar = i
	}
	return out, pathVar, true
}

// shellName is the length of the shell name kv starts with, when an '='
// follows it; else 0.
func shellName(kv string) int {
	for i := 0; i < len(kv); i++ {
		c := kv[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		case c == '=' && i > 0:
			return i
		default:
			return 0
		}
	}
	return 0
}

// jobPWD decides PWD as dash does at startup in dir ("" for aiorun's
// own): keep says the given value stays; else fixed is the physical path.
func jobPWD(pwd string, havePWD bool, dir string) (fixed string, keep, ok bool) {
	if dir == "" {
		dir = "."
	}
	var d unix.Stat_t
	if err := unix.Stat(dir, &d); err != nil {
		return "", false, false // the chdir will fail: let the shell's start report it
	}
	if havePWD && strings.HasPrefix(pwd, "/") {
		var p unix.Stat_t
		if unix.Stat(pwd, &p) == nil && p.Dev == d.Dev && p.Ino == d.Ino {
			return "", true, true
		}
	}
	fixed, ok = physicalDir(dir, &d)
	return fixed, false, ok
}

// physicalDir is the path getcwd(3) would give in dir (which stat'ed to
// st): the kernel's name of the directory, read back from
// /proc/self/fd. A name that is not absolute, is a deleted directory's,
// or no longer leads to st, is refused.
func physicalDir(dir string, st *unix.Stat_t) (string, bool) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", false
	}
	defer closeFds(fd)
	var buf [unix.PathMax]byte
	n, err := unix.Readlink("/proc/self/fd/"+strconv.Itoa(fd), buf[:])
	if err != nil || n < 1 || n >= len(buf)-1 || buf[0] != '/' {
		return "", false
	}
	p := string(buf[:n])
	var got unix.Stat_t
	if strings.HasSuffix(p, " (deleted)") || unix.Stat(p, &got) != nil || got.Dev != st.Dev || got.Ino != st.Ino {
		return "", false
	}
	return p, true
}

// signalNames are glibc's strsignal(3) texts, which dash prints.
var signalNames = [...]string{
	1: "Hangup", 2: "Interrupt", 3: "Quit", 4: "Illegal instruction",
	5: "Trace/breakpoint trap", 6: "Aborted", 7: "Bus error",
	8: "Floating point exception", 9: "Killed", 10: "User defined signal 1",
	11: "Segmentation fault", 12: "User defined signal 2", 13: "Broken pipe",
	14: "Alarm clock", 15: "Terminated", 16: "Stack fault", 17: "Child exited",
	18: "Continued", 19: "Stopped (signal)", 20: "Stopped", 21: "Stopped (tty input)",
	22: "Stopped (tty output)", 23: "Urgent I/O condition", 24: "CPU time limit exceeded",
	25: "File size limit exceeded", 26: "Virtual timer expired", 27: "Profiling timer expired",
	28: "Window changed", 29: "I/O possible", 30: "Power failure", 31: "Bad system call",
}

// signalDeath is what dash says when the command it waits for is killed
// by sig: the line it writes to standard error (none for SIGINT and
// SIGPIPE; " (core dumped)" added when a core was dumped) and its exit
// status, 128 + sig.
func signalDeath(sig syscall.Signal, core bool) (msg string, status int) {
	status = 128 + int(sig)
	if sig == unix.SIGINT || sig == unix.SIGPIPE {
		return "", status
	}
	switch {
	case sig > 0 && int(sig) < len(signalNames):
		msg = signalNames[sig]
	case sig >= 34 && sig <= 64: // glibc's SIGRTMIN is 34
		msg = "Real-time signal " + strconv.Itoa(int(sig)-34)
	default:
		msg = "Unknown signal " + strconv.Itoa(int(sig))
	}
	if core {
		msg += " (core dumped)"
	}
	return msg + "\n", status
}
