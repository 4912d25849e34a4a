#!/bin/sh
# slurm-down.sh DIR: stop the Slurm that slurm-up.sh DIR started: cancel
# every job (steps keep running when slurmd dies), wait for squeue to
# empty, then stop slurmd, slurmctld and (if it started it) munged by PID.
set -u
dir=${1:?usage: slurm-down.sh DIR}
PATH=$PATH:/usr/sbin
export SLURM_CONF="$dir/slurm.conf"
if [ -s "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
	jobs=$(squeue -h -o %i 2>/dev/null)
	[ -z "$jobs" ] || scancel $jobs 2>/dev/null
	i=0
	while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
fi
stop() {
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	kill -TERM "$pid" 2>/dev/null || return 0
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$pid" 2>/dev/null
	rm -f "$1"
}
stop "$dir/slurmd.pid"
stop "$dir/slurmctld.pid"
stop "$dir/munged.pid"
exit 0
