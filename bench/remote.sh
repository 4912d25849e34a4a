#!/usr/bin/env bash
# bench/remote.sh: per-job overhead of the remote executors (SPEC §9),
# against real engines stood up on this machine by testdata/remote/*-up.sh
# (root, and the packages of .ci/run): a private sshd on 127.0.0.1 and a
# single-node Slurm.
#
#   ssh:   N `true` jobs (default 500) through one ssh host, over the
#          run's one master connection, with 1 and 4 slots; beside them,
#          the floor (a bare `ssh -S CTL host true` loop over a master) and
#          the cost without connection reuse (a new ssh connection a job).
#   slurm: 64 `true` jobs as steps of one allocation aiorun asks for
#          (-j 2 and no limit), and one job (the allocation's own cost).
#
# Per job per slot = wall time x slots / jobs. Medians of ROUNDS (3) runs.
# Tables on stdout and in bench/out/remote.md. Usage: bash bench/remote.sh
# [--quick]; N=500 ROUNDS=3 ENGINES="ssh slurm" pick.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}
ROUNDS=${ROUNDS:-3}
ENGINES=${ENGINES:-"ssh slurm"}
if [ "${1:-}" = --quick ]; then N=100 ROUNDS=1; fi

work=$(mktemp -d /tmp/aiorun-bench-remote.XXXXXX)
chmod 755 "$work"
cleanup() {
	[ -d "$work/ssh" ] && sh testdata/remote/ssh-down.sh "$work/ssh"
	[ -d "$work/slurm" ] && sh testdata/remote/slurm-down.sh "$work/slurm"
	[ -n "${master:-}" ] && kill "$master" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
CGO_ENABLED=0 go build -o "$work/aiorun" .
aiorun=$work/aiorun
export AIORUN_EXECUTOR= AIORUN_HOSTS= AIORUN_MAX_WORKERS= XDG_CONFIG_HOME=$work/xdg

now() { date +%s%N; }
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_ms CMD...: wall time of one run in ms (output discarded; failure fatal)
time_ms() {
	local t0 t1
	t0=$(now)
	"$@" > /dev/null 2> "$work/last.err" || { echo "bench: $* failed:" >&2; cat "$work/last.err" >&2; exit 1; }
	t1=$(now)
	echo $(( (t1 - t0) / 1000000 ))
}
rounds() { for _ in $(seq 1 "$ROUNDS"); do time_ms "$@"; done | median; }
per() { awk -v w="$1" -v s="$2" -v n="$3" 'BEGIN { printf "%.1f", w * s / n }'; }

jobfile() { # jobfile EXECUTOR N
	{ echo "executor: $1"; echo "jobs:"; for i in $(seq 1 "$2"); do echo "  j$i: 'true'"; done; } > "$work/$1-$2.yaml"
	echo "$work/$1-$2.yaml"
}

out=bench/out/remote.md
mkdir -p bench/out
{
	echo "# Remote executors: per-job overhead ($(date -u +%Y-%m-%d), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
	echo
} > "$out"

if [[ " $ENGINES " == *" ssh "* ]]; then
	sh testdata/remote/ssh-up.sh "$work/ssh" > /dev/null
	cfg=$work/ssh/ssh_config
	export AIORUN_SSH_COMMAND="ssh -F $cfg"
	f=$(jobfile ssh "$N")
	one=$(rounds "$aiorun" gather --hosts h1 "$f")
	four=$(rounds "$aiorun" gather --hosts 4/h1 "$f")
	two2=$(rounds "$aiorun" gather --hosts 2/h1,2/h2 "$f")
	# The floor: the same number of bare commands over one master.
	ssh -F "$cfg" -M -N -S "$work/ctl" -o ControlPersist=no h1 & master=$!
	until [ -S "$work/ctl" ]; do sleep 0.01; done
	floor=$(rounds sh -c 'for i in $(seq 1 '"$N"'); do ssh -F '"$cfg"' -S '"$work/ctl"' -o ControlMaster=no h1 true; done')
	kill "$master"; master=
	# No reuse: a new connection a job (50 of them, scaled).
	fresh=$(rounds sh -c 'for i in $(seq 1 50); do ssh -F '"$cfg"' -o ControlMaster=no -o ControlPath=none h1 true; done')
	{
		echo "## ssh: $N \`true\` jobs, one sshd on 127.0.0.1"
		echo
		echo "| run | wall | per job per slot |"
		echo "| --- | --- | --- |"
		echo "| aiorun, 1 host x 1 slot | ${one} ms | $(per "$one" 1 "$N") ms |"
		echo "| aiorun, 1 host x 4 slots | ${four} ms | $(per "$four" 4 "$N") ms |"
		echo "| aiorun, 2 hosts x 2 slots | ${two2} ms | $(per "$two2" 4 "$N") ms |"
		echo "| floor: bare \`ssh -S CTL h1 true\` loop over one master | ${floor} ms | $(per "$floor" 1 "$N") ms |"
		echo "| no reuse: a new connection a job (50 jobs) | ${fresh} ms | $(per "$fresh" 1 50) ms |"
		echo
		echo "aiorun's walls include opening the master connections (one per host)."
		echo
	} >> "$out"
	sh testdata/remote/ssh-down.sh "$work/ssh"
	rm -rf "$work/ssh"
	unset AIORUN_SSH_COMMAND
fi

if [[ " $ENGINES " == *" slurm "* ]]; then
	sh testdata/remote/slurm-up.sh "$work/slurm" > /dev/null
	export SLURM_CONF=$work/slurm/slurm.conf
	f=$(jobfile slurm 64)
	steps=$(rounds "$aiorun" gather "$f")
	stepsj2=$(rounds "$aiorun" gather -j 2 "$f")
	f1=$(jobfile slurm 1)
	single=$(rounds "$aiorun" gather "$f1")
	# The floor: 64 bare steps in one allocation, all at once.
	salloc --no-shell -J bench -n 2 --overcommit > "$work/salloc.out" 2>&1
	job=$(sed -n 's/.*Granted job allocation //p' "$work/salloc.out")
	floor=$(rounds sh -c 'for i in $(seq 1 64); do srun --jobid='"$job"' --overlap -n1 -N1 --quiet true & done; wait')
	scancel "$job"
	{
		echo "## slurm: 64 \`true\` jobs as steps of one allocation, $(nproc) CPUs"
		echo
		echo "| run | wall | per job |"
		echo "| --- | --- | --- |"
		echo "| aiorun, no limit (allocation included) | ${steps} ms | $(per "$steps" 1 64) ms |"
		echo "| aiorun, -j 2 | ${stepsj2} ms | $(per "$stepsj2" 1 64) ms |"
		echo "| aiorun, 1 job (allocation, step, release) | ${single} ms | |"
		echo "| floor: 64 bare \`srun --overlap true\` at once in one allocation | ${floor} ms | $(per "$floor" 1 64) ms |"
		echo
	} >> "$out"
	sh testdata/remote/slurm-down.sh "$work/slurm"
	rm -rf "$work/slurm"
fi
cat "$out"
