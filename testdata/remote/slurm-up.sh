#!/bin/sh
# slurm-up.sh DIR: start a private single-node Slurm for aiorun's
# end-to-end tests (make test-remote): munge (unless one already answers),
# slurmctld and slurmd, with DIR/slurm.conf (found through SLURM_CONF; no
# file in /etc/slurm is used or written), state, spool, pid and log files
# in DIR. Stop it with slurm-down.sh DIR.
#
# Facts behind the settings: /work/shared/CLUSTERS.md (Slurm 22.05 needs
# munge; KillWait=2, since the default 30 makes srun hang 32 s after a
# cancel; proctrack/linuxproc and task/none need no cgroup set-up).
set -eu
dir=${1:?usage: slurm-up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
for tool in munged munge unmunge slurmctld slurmd srun salloc sinfo squeue scancel; do
	command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
		echo "slurm-up: $tool not found (apt-get install slurmd slurmctld slurm-client munge)" >&2
		exit 1
	}
done
PATH=$PATH:/usr/sbin
export SLURM_CONF="$dir/slurm.conf"

fail() {
	echo "slurm-up: $*" >&2
	for log in /var/log/munge/munged.log "$dir/slurmctld.log" "$dir/slurmd.log"; do
		[ -s "$log" ] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
	done
	exit 1
}

# munge: the one the packages set up (/etc/munge/munge.key), started here
# unless one already answers; then slurm-down.sh leaves it alone.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
	mkdir -p /run/munge /var/log/munge /var/lib/munge
	chown munge:munge /run/munge /var/log/munge /var/lib/munge
	chmod 0755 /run/munge
	runuser -u munge -- munged --pid-file=/run/munge/munged.pid ||
		fail "munged did not start"
	i=0
	until munge -n 2>/dev/null | unmunge >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "munge does not answer"
		sleep 0.1
	done
	cp /run/munge/munged.pid "$dir/munged.pid"
fi

host=$(hostname -s)
cpus=$(nproc)
# Ports: the usual ones unless taken.
free_port() {
	p=$1
	while ss -ltn 2>/dev/null | awk '{print $4}' | grep -q ":$p\$"; do p=$((p + 1)); done
	echo "$p"
}
ctld_port=$(free_port 6817)
slurmd_port=$(free_port $((ctld_port + 1)))
mkdir -p "$dir/state" "$dir/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=aiorun-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=2
MinJobAge=2
InactiveLimit=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF

slurmctld -c || fail "slurmctld did not start"
slurmd || fail "slurmd did not start"
i=0
until [ "$(sinfo -h -o %t 2>/dev/null)" = idle ]; do
	i=$((i + 1)); [ $i -lt 150 ] || fail "the node is not idle: $(sinfo -h -o '%t %E' 2>&1)"
	sleep 0.1
done
echo "slurm-up: slurmctld pid $(cat "$dir/slurmctld.pid"), slurmd pid $(cat "$dir/slurmd.pid"), node $host with $cpus CPUs; SLURM_CONF=$SLURM_CONF"
