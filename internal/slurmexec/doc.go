// Package slurmexec is the Slurm executor (SPEC §9): it runs each attempt
// of a job as a step of one Slurm allocation, `srun --jobid=J --overlap
// -J NAME`, and delivers its output as the local executor does.
//
// Inside an allocation (SLURM_JOB_ID in aiorun's environment) the steps
// run in it, and it is left alone at the end. Outside one, Open asks for
// one for the run with salloc, sized for the jobs that may run at once
// (overcommitting CPUs when the partition has fewer), with the job
// file's slurm.args and a time limit; salloc runs `cat` on a pipe aiorun
// holds, so the allocation is relinquished when aiorun closes it, and
// also when aiorun dies, however it dies. Close also cancels it with
// scancel and waits (bounded) until squeue no longer lists it.
//
// Each step runs the same wrapper as an ssh host (internal/remote): the
// job in a process group of its own, SIGTERM and SIGKILL sent to that
// group by the wrapper at aiorun's request on srun's standard input (not
// Slurm's step-wide signals, which reach the job's processes one by one),
// the wrapper's records (the step's id, the job's exit status) on the
// step's standard error, and the sweep, when the job ends, of its
// processes that left its group, found by a token in their environment.
//
// It owns: the allocation it made, the srun processes, telling srun's
// and slurmstepd's own messages (lines starting "srun: " or
// "slurmstepd") from the job's standard error (they go to the debug
// log), and one last step at Close that sweeps, on every node of the
// allocation, what any job of the run left there. It records a cancelled
// or timed-out attempt itself, whatever status srun returns, and bounds
// every wait on srun. It must not decide what a failure means for the
// run, print anything but Debug events, or release an allocation it did
// not make.
//
// What Slurm itself cleans up depends on the cluster: proctrack/cgroup
// kills everything a step started; proctrack/linuxproc kills a step's
// setsid children but loses double-forked daemons (orphans), which the
// wrapper's sweep then catches if they kept the job's environment.
package slurmexec
