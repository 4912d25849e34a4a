package remote

import (
	"strconv"
	"strings"
	"time"
)

// The wrapper is the remote side of one attempt, for ssh hosts and Slurm
// steps alike: a POSIX sh script, run by `sh -c` where the job runs, that
// needs nothing but sh, setsid, kill and sleep (grep and /proc, where
// there are, for the sweep). Its standard input is its control channel
// (ssh's, srun's): aiorun keeps the pipe open as long as the job may run.
//
//   - It says "start" on standard output and standard error, so that
//     what a login shell or ssh printed before is not taken for the job's;
//     in a Slurm step the record also names the step, "start JOB.STEP".
//   - It runs the job as `SHELL -c CMD` under setsid: a session and a
//     process group of its own, whose id is $!; standard input /dev/null;
//     the job's environment set by an intermediate sh, after setsid, so
//     that the wrapper's own tools keep the login PATH; `cd DIR` there, so
//     that a failed cd is the job's failure, with the shell's message.
//   - A watcher, in a group of its own, reads the control channel: a line
//     TERM sends SIGTERM to the job's group, KILL sends SIGKILL; end of
//     file (aiorun closed it, died, or the connection dropped) sends
//     SIGTERM, then SIGKILL after the grace, then sweeps.
//   - When the job's leader exits, the wrapper stops the watcher, sends
//     SIGKILL to what is left of the job's group, sweeps, and writes the
//     exit record, "exit STATUS", last on standard error.
//   - The sweep (Linux hosts) kills the job's processes that left its
//     group (setsid, double-forked daemons): every process whose
//     environment carries the attempt's AIORUN_JOB_TOKEN, found with grep
//     in /proc/*/environ, round after round until none is left (after the
//     job's exit, only among the processes started since the job: see
//     jobSweep).
//
// Records are RecordMark, the attempt's tag, a payload, a newline
// (remote.Filter takes them out of the streams).

// TokenVar marks a job's processes on the host, as internal/proc marks
// local ones; a nested aiorun there keeps it in front of its own tokens.
const TokenVar = "AIORUN_JOB_TOKEN"

// watcher is the body of the watcher, a subshell of the wrapper with
// the control channel as its standard input; $j is the job's group, $g
// the grace, $t the token, $r the record prefix. Before it signals the
// job at aiorun's request it writes the record "signal SIG" on the job's
// standard error (fd 4), so that aiorun can tell a job it stopped from one
// that ended on its own. The wrapper stops it with SIGUSR1, which also
// ends the sleep of the grace; a SIGTERM from outside (Slurm's) is passed
// on to the job's group.
const watcher = `(
trap 'kill -TERM -"$j" 2>/dev/null || kill -TERM "$j" 2>/dev/null' TERM
while IFS= read -r l; do
case $l in
TERM) printf "${r}signal TERM\\n" >&4; kill -TERM -"$j" 2>/dev/null || kill -TERM "$j" 2>/dev/null;;
KILL) printf "${r}signal KILL\\n" >&4; kill -KILL -"$j" 2>/dev/null || kill -KILL "$j" 2>/dev/null;;
esac
done
exec 4>&-
trap 'kill "$z" 2>/dev/null; exit' USR1
kill -TERM -"$j" 2>/dev/null || kill -TERM "$j" 2>/dev/null
sleep "$g" & z=$!
wait "$z"
kill -KILL -"$j" 2>/dev/null
` + Sweep + `) <&3 3<&- >/dev/null 2>&1 &
`

// Sweep kills, on a host with /proc, every process whose environment
// carries a token that starts with $t (grep -F matches
// "AIORUN_JOB_TOKEN=$t" anywhere in the environment): an attempt's own
// token in its wrapper, a run's token prefix in Slurm's last sweep. It
// goes round after round (at most 20) until one finds nothing.
const Sweep = `if [ -r /proc/self/environ ]; then
i=0
while [ $i -lt 20 ]; do
p=$(grep -l -F -e "AIORUN_JOB_TOKEN=$t" /proc/[0-9]*/environ 2>/dev/null)
[ -n "$p" ] || break
set --
for f in $p; do f=${f#/proc/}; set -- "$@" "${f%/environ}"; done
kill -KILL "$@" 2>/dev/null
i=$((i+1))
done
fi
`

// jobSweep is the wrapper's Sweep once the job's leader has exited,
// skipped in the common case of a short job that left nothing behind: a
// process that carries the job's token was started after the job, so
// while pids have not wrapped around since ($j, the job's pid, is below
// a pid taken now, `: &`'s), a job that ran under half a second (too
// short for pids to wrap around and pass $j again; /proc/uptime's
// hundredths, $u0 taken when it started) and after which no process
// with a higher pid than $j runs (the watcher $w aside) has nothing to
// sweep. Any other job gets the whole Sweep.
const jobSweep = `: & n=$!
a=1
if [ -n "$u0" ] && [ "$n" -gt "$j" ] && read u1 x < /proc/uptime; then
u1=${u1%.*}${u1#*.}
if [ $((u1 - u0)) -lt 50 ]; then
a=
for f in /proc/[0-9]*; do
f=${f#/proc/}
if [ "$f" -gt "$j" ] && [ "$f" != "$w" ] && [ "$f" != "$n" ]; then a=1; break; fi
done
fi
fi
[ -z "$a" ] || {
` + Sweep + `}
`

// inner sets the job's environment in its new session when the wrapper
// cannot: when the job's PATH differs, which would change where the
// wrapper finds setsid. sh -c INNER SHELL CMD VAR=VALUE...
const inner = `s=$0 c=$1
shift
for v do export "$v"; done
exec "$s" -c "$c"`

// Script is the wrapper for one attempt: SHELL -c COMMAND in dir ("" for
// the login directory, or the step's), with vars (remote.Travelling) and
// the token in its environment; grace is the wait between SIGTERM and
// SIGKILL when the control channel ends; tag marks its records.
func Script(shell, dir, command string, vars []string, grace time.Duration, tag, token string) string {
	var b strings.Builder
	w := b.WriteString
	// fd 3: the control channel; fd 4: the job's standard error. The
	// wrapper's own fd 2 is /dev/null, so that what sh says about its
	// background jobs ("Terminated") is not taken for the job's.
	w("exec 3<&0 </dev/null 4>&2 2>/dev/null\n")
	w("r='\\037" + tag + "' t=" + token + " g=" + graceSeconds(grace) + "\n")
	w(`x=${SLURM_STEP_ID:+" $SLURM_JOB_ID.$SLURM_STEP_ID"}` + "\n")
	w(`printf "${r}start%s\\n" "$x"; printf "${r}start%s\\n" "$x" >&4` + "\n")
	if dir != "" {
		// A failed cd is the job's failure, with the shell's message.
		w("cd -- " + Quote(dir) + ` 2>&4 || { s=$?; printf "${r}exit %s\\n" "$s" >&4; exit 0; }` + "\n")
	}
	// A SIGTERM meant for all of the job's processes (Slurm signals a
	// step's processes one by one) is passed to the job's group instead of
	// killing the wrapper. The trap is set before the job starts, so that
	// no TERM is lost in between: one that comes before $j is known is
	// remembered (p) and passed on as soon as it is. The job does not
	// inherit the trap: exec resets caught signals.
	// The job's start in hundredths of a second since boot, for jobSweep
	// ("" without /proc/uptime).
	w(`u0= ; read u0 x < /proc/uptime && u0=${u0%.*}${u0#*.}` + "\n")
	w(`p= j=` + "\n")
	w(`trap 'if [ -z "$j" ]; then p=1; else kill -TERM -"$j" 2>/dev/null || kill -TERM "$j" 2>/dev/null; fi' TERM` + "\n")
	vars = append(vars[:len(vars):len(vars)], TokenVar+"="+token)
	viaInner := false
	for _, kv := range vars {
		viaInner = viaInner || strings.HasPrefix(kv, "PATH=")
	}
	if viaInner {
		w("setsid sh -c " + Quote(inner) + " " + Quote(shell) + " " + Quote(command))
		for _, kv := range vars {
			w(" " + Quote(kv))
		}
	} else {
		for _, kv := range vars {
			k, v, _ := strings.Cut(kv, "=")
			w(k + "=" + Quote(v) + " ")
		}
		w("setsid " + Quote(shell) + " -c " + Quote(command))
	}
	w(" 2>&4 3<&- 4>&- &\nj=$!\n")
	// Only now, so that the job does not inherit it (an ignored signal
	// stays ignored across exec): the wrapper ignores SIGPIPE, since the
	// channel may be gone when it writes.
	w("trap '' PIPE\n")
	w(`[ -z "$p" ] || kill -TERM -"$j" 2>/dev/null || kill -TERM "$j" 2>/dev/null` + "\n")
	w(watcher)
	w("w=$!\nexec 3<&-\n")
	w("wait \"$j\"; s=$?\n")
	w(`while kill -0 "$j" 2>/dev/null; do wait "$j"; s=$?; done` + "\n")
	// A trap (an outside TERM) interrupts wait with 128+15; dash still
	// holds the job's own status for one more wait. 127 is "no such job".
	w(`wait "$j"; c=$?; [ "$c" -eq 127 ] || s=$c` + "\n")
	w("kill -USR1 \"$w\" 2>/dev/null\nkill -KILL -\"$j\" 2>/dev/null\n")
	w(jobSweep)
	w(`printf "${r}exit %s\\n" "$s" >&4` + "\n")
	w(`exit "$s"` + "\n")
	return b.String()
}

// graceSeconds writes d for sleep: whole seconds, or a decimal fraction
// (GNU, BusyBox and BSD sleep take one; the watcher falls back to 1s).
func graceSeconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	ms := d.Milliseconds()
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10)
	}
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64), "0"), ".")
}

// maxCommandLine bounds the command line handed to ssh: the remote login
// shell gets it as one argument, and Linux refuses arguments over 128 KiB.
// A longer script (large awaited values) is sent on the control channel
// first, read by a short bootstrap with head -c (GNU, BusyBox and BSD
// have it; it reads no byte past the count), then run by eval. Nothing
// else is written to the channel before the wrapper's start record.
const maxCommandLine = 96 << 10

// Argv is how to run script: `sh -c SCRIPT`, and what to write on the
// control channel before anything else (empty unless the script is too
// long for one argument).
func Argv(script string) (argv []string, stdin string) {
	if len(script) <= maxCommandLine {
		return []string{"sh", "-c", script}, ""
	}
	boot := `s=$(head -c ` + strconv.Itoa(len(script)) + `) && eval "$s"`
	return []string{"sh", "-c", boot}, script
}

// CommandLine is Argv as one command line for a login shell (ssh's remote
// command): `exec sh -c 'SCRIPT'`.
func CommandLine(script string) (cmd, stdin string) {
	argv, stdin := Argv(script)
	return "exec sh -c " + Quote(argv[2]), stdin
}
