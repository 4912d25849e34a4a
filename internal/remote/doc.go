// Package remote holds what the remote executors (internal/sshexec,
// internal/slurmexec) share: the wrapper script that runs a job where it
// runs (Script, wrapper.go: the job's own process group, the control
// channel on standard input, records of start, signals and exit status,
// the sweep of escaped processes), the attempt loop on aiorun's side
// (Attempt: the client process, its control channel, cancellation with
// SIGTERM then SIGKILL after the grace, bounded waits), the filter that
// tells a job's output from the wrapper's records and the tools' own
// messages, quoting for POSIX sh, splitting a command setting into words,
// which environment entries travel, and the exceptions of cancelled and
// unstartable attempts.
//
// It prints nothing; it starts only the client process an executor hands
// it.
package remote
