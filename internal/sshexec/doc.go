// Package sshexec is the ssh executor (SPEC §9): it runs each attempt of
// a job on a host with a free slot, through the system's ssh client, and
// delivers its output as the local executor does.
//
// It owns: parsing the hosts (N/HOST, USER@HOST, ssh://USER@HOST:PORT, ":"
// for this machine), one master connection per host (`ssh -M`, opened all
// at once by Open, its control socket in a private temporary directory,
// closed by Close with `ssh -O exit`), choosing a host for each attempt
// (the least loaded with a free slot; the pinned one for a job with
// `host:`; a temporary start error, which the runner retries when a job
// ends, when none is free), and running the attempt as `ssh -S CTL HOST
// 'exec sh -c WRAPPER'` (internal/remote's wrapper and attempt loop).
// A host whose master cannot be opened, or whose master dies, takes no
// more jobs; an attempt that loses its connection fails with
// ConnectionError('HOST: message'), the message being what ssh said.
// Jobs on ":" run through the local executor it is given.
//
// Every ssh it starts is in a process group of its own (a ^C on the
// terminal is aiorun's to handle) and dies with aiorun (the parent-death
// signal): the hosts then see their jobs' control channels end, and stop
// the jobs. It must not print anything but Debug and Warn events, decide
// what a failure means for the run, or open a connection per job: a
// client whose master is gone fails (ProxyCommand=false) rather than
// connect on its own.
package sshexec
