// Package remote holds what the remote executors (internal/sshexec,
// internal/slurmexec) share: quoting for POSIX sh, splitting a command
// setting into words, the filter that tells a remote job's output from
// what the executor's wrapper and the remote tools write on the same
// stream, which environment entries travel to a remote job, and the
// mapping of a cancelled attempt to its exception.
//
// It starts nothing and prints nothing.
package remote
