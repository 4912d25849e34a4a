#!/bin/sh
# ssh-down.sh DIR: stop the sshd that ssh-up.sh DIR started, by its PID,
# and the per-connection sshd processes it forked (found by parent PID).
set -u
dir=${1:?usage: ssh-down.sh DIR}
[ -s "$dir/sshd.pid" ] || exit 0
pid=$(cat "$dir/sshd.pid")
# The connection processes are the listener's children (and theirs, for
# privilege separation); collect them before the listener goes.
children() {
	for stat in /proc/[0-9]*/stat; do
		line=$(cat "$stat" 2>/dev/null) || continue
		rest=${line##*) }
		set -- $rest
		if [ "$2" = "$parent" ]; then
			p=${stat#/proc/}; echo "${p%/stat}"
		fi
	done
}
all=
queue=$pid
while [ -n "$queue" ]; do
	next=
	for parent in $queue; do
		for c in $(children); do all="$all $c"; next="$next $c"; done
	done
	queue=$next
done
kill -TERM "$pid" $all 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.05; i=$((i + 1)); done
kill -KILL "$pid" $all 2>/dev/null
rm -f "$dir/sshd.pid"
exit 0
