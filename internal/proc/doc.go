// Package proc is the local executor: it runs one attempt of a job (a
// task.Spec) as `SHELL -c COMMAND` (or COMMAND alone, see "Skipping the
// shell") in a process group of its own on this machine, delivers the job's output, turns the way it ended into an
// exception, and returns only when nothing of it is left running.
//
// It owns: the shell lookup, the pipes, the one /dev/null every job reads
// as standard input, reading standard output and standard error to EOF,
// the signals (SIGTERM to the group on cancellation, SIGKILL after the
// grace or when Spec.Kill is closed), reaping, and the sweep of whatever a
// job leaves behind. It must not decide what a failure means for the run
// (retries, fail-fast, exit status: the runner's), print anything (it only
// emits Options.Debug events), remove the cancel file (the runner owns it),
// close a writer it was given, or reap a process it did not start and
// cannot attribute to one of its jobs (Close excepted, see below).
//
// # What the sweep catches
//
// When a job's leader (the shell) exits, for any reason, Exec sends SIGKILL
// to the job's process group while the leader is still an unreaped zombie:
// the zombie keeps the group id from being reused, so the signal cannot
// reach an unrelated process. This kills `sleep 100 &` and every other
// process that stayed in the group, however deep.
//
// On Linux, after BecomeSubreaper, orphans are reparented to aiorun instead
// of init. The kernel hands them to the first live thread of the
// subreaper, which for a Go program is the main thread (the runtime never
// ends it), so after each leader exit Exec reads
// /proc/self/task/PID/children once (PID = aiorun's pid; one read is
// shared by the jobs that end at the same time) and looks at every child
// that is not a live job leader of this Local. A child still in the job's
// process group, or one whose environment carries the job's token (Exec
// puts TokenVar first in each attempt's environment; the sweep reads
// /proc/CHILD/environ), is killed together with its own process group when
// it leads one (setsid, double fork, setpgid), and reaped, so it leaves no
// zombie. The children of a killed escaped process reach aiorun in turn and
// are caught in the next round by their group or session; rounds go on
// until one finds nothing (at most 64). A child carrying the token of an
// attempt of this Local that has ended is killed by whichever sweep meets
// it; one carrying the token of another attempt in progress is left to it.
// A child seen in the middle of execve (its environment reads empty for an
// instant) is looked at again a millisecond later.
//
// Close kills what is left: the groups of the jobs still running (and
// waits for their Exec calls), then every child of this process that is
// not a job of another Local, whatever its environment, and reaps them.
// Close must therefore be called after every other part of the program
// that starts child processes has finished with them.
//
// What it cannot catch before Close:
//
//   - a process that escapes its group and drops the token from its
//     environment (`env -i setsid daemon`, a daemon that execs itself with
//     a clean environment) or whose environment cannot be read (a setuid
//     program run by an unprivileged user): the sweep cannot tell which job
//     it belongs to, so it lives until Close;
//   - descendants that escaped under a live subreaper of the job's own (a
//     nested aiorun, tini, systemd --user): they are that subreaper's
//     children, and reach aiorun only when it dies; the jobs of a nested
//     aiorun are then recognised only if TokenVar was passed on to it (its
//     jobs' tokens follow the inherited one);
//   - anything, without the subreaper (BecomeSubreaper not called, or not
//     Linux): orphans go to init and only the process-group SIGKILL
//     reaches them. On other unix systems the sweep is that SIGKILL alone,
//     sent just after the leader was reaped (no WNOWAIT peek there), so in
//     the instant between reap and kill the group id is not pinned;
//   - a process that escaped with the token and died before the sweep read
//     its environment: it stays a zombie child of aiorun until Close;
//
// A process in uninterruptible sleep (D state) dies of SIGKILL only when it
// wakes, and the sweep waits for what it killed: such a process delays
// Exec.
//
// # Output
//
// Exec reads both pipes to EOF and writes every byte it read to Spec.Stdout
// (or the captured value) and Spec.Stderr before it returns. A writer that
// fails is remembered and no longer written to, but its pipe is still
// drained, so a broken sink never blocks the job. When the sweep is done
// and a pipe is still open (held by a process the sweep could not
// attribute), Exec waits at most PipeDrainBound for EOF, then closes its end
// and returns; that is not a failure of the job.
//
// # Cost
//
// One goroutine per running job (the caller's, inside Exec). On Linux the
// first inlineJobs (32) jobs running at once (none with Options.NoInline,
// for a run under a tight process limit, see ProcessesTight) each wait in
// poll(2) on their pipes and their leader's pidfd, on the Exec goroutine's
// own thread: a
// leader's exit wakes that thread, which sweeps, reaps and returns, and
// the next job starts without a hand-off between threads (what makes a
// run of short jobs at a small worker limit fast). Beyond that, jobs wait
// through one epoll instance per Local, itself waited on by Go's
// netpoller, so thousands of running jobs park no thread each. Either
// way the Exec goroutine does non-blocking reads with pooled buffers, so a
// job that writes nothing holds no buffer. Cancellation runs in a
// goroutine started by context.AfterFunc only when the context is
// cancelled; one goroutine per Spec.Kill channel kills the inline jobs
// when it is closed. (Without CLONE_PIDFD, before Linux 5.2, a thread
// waits in waitid per job; on other unix systems each job has two reader
// goroutines and a thread in wait4.)
//
// A sweep that finds nothing costs one kill(2) and a share of one read of
// the children file; a child it does not know costs a read of its stat
// and of the first bytes of its environment (most are leaders that other
// Exec calls are starting and do not know the pid of yet).
//
// # Skipping the shell
//
// As GNU make does, Exec runs a command that has no shell syntax without
// the shell: dash forks for an external command even when it is the only
// one of `sh -c` (two processes per job), and this halves the cost of
// short jobs. It is done only where nothing observable changes (SPEC §3):
// TestDirectMatchesShell runs a corpus of commands both ways and requires
// the same value, standard error, exception and environment.
//
// When. The shell is dash (Spec.Shell resolves, through symbolic links, to
// a program named dash linked with glibc: `sh` on Debian and Ubuntu),
// because its -c semantics are the ones replicated here; bash is not
// (it sources BASH_ENV, imports exported functions that can shadow any
// command, sets SHLVL and _), nor any other shell, nor any system but
// Linux. The command (directArgv) consists, after surrounding spaces, of
// words separated by spaces made only of ASCII letters, digits and
// `-_./,:=+@%^`; its first word has no '=' (an assignment), does not start
// with '-' or '+' (`sh -c -x` reads an option), and is no builtin or
// reserved word of dash, POSIX or bash (`echo`, `printf`, `kill`, `pwd`,
// `test`, `time`...: those stay `sh -c`, which for a builtin is one
// process anyway). One exception: `true` or `false` alone, without an
// argument, runs /usr/bin/true or /usr/bin/false (or /bin's), not looked
// up in PATH: without arguments the builtin and the program cannot be told
// apart, and the program starts faster than dash (GNU make runs it too). Quotes, '\', '$', '`', `;&|<>(){}`, '#', '!', '~',
// globs, tabs, newlines and non-ASCII bytes keep a command on the shell.
//
// What dash would exec. argv is the words as typed (argv[0] is the first
// word, not its path). A first word with a '/' is executed as it is
// (relative to Spec.Dir). Another is looked up in the PATH of Spec.Env
// (not aiorun's), as dash does: the first regular file DIR/NAME, byte for
// byte (a script's interpreter sees that path); the shell is used instead
// when Spec.Env has no PATH (dash has a default of its own), when an
// empty, relative or '%' directory comes before the file, when the file
// is not executable (dash would try the next directories), and when
// nothing is found. Lookups are remembered per (PATH, name) for the life
// of the Local and never invalidated: a run is short, and the answers that
// can go stale are harmless but one (a command created during the run in
// a PATH directory before the one where it was found is not seen).
//
// The environment is the one dash exports (dashEnv): names that are not
// shell names dropped (exported bash functions among them), the last of
// duplicates kept, IFS, OPTIND and PPID reset when present, PWD kept when
// it names the job's directory and set to its physical path otherwise.
// Only the order of the entries differs (dash exports in the order of its
// hash table).
//
// Failures go to the shell. When the exec fails (not found, not
// executable, a directory, a script without #! that dash would run
// itself, a missing interpreter, E2BIG...), Exec starts `sh -c COMMAND`
// instead, and the shell reports the failure in its own words and status
// (`sh: 1: NAME: not found`, 127; `Permission denied`, 126). No message is
// made up here but one: a command killed by a signal S that aiorun did not
// send ends, as dash reports its child's death, as ExitError(128+S) with
// dash's line on standard error ("Killed", "Segmentation fault (core
// dumped)"; none for SIGINT and SIGPIPE), not as CancelledError(S).
//
// Known differences, by design: the command's parent is aiorun, not a
// shell (PPid in /proc, getppid); a signal sent from outside to the whole
// process group (`kill -- -PGID`, `kill 0` in the command) is reported as
// above, where the shell, killed too, would have ended as
// CancelledError(S) with no message; and on cancellation the command
// itself gets SIGTERM and its grace, where dash, dying at once of the
// SIGTERM, would have had the sweep SIGKILL it early. Tests force the
// shell with Local.noDirect.
package proc
