#!/usr/bin/env bash
# bench/run.sh: aiorun against its peers on the same workloads, in one run.
#
# Every workload runs through each runner in turn, the order rotating from
# round to round: one warm-up round (not counted), then ROUNDS measured
# rounds. A markdown table per workload gives the median wall time, the ratio
# to the fastest peer and the peak RSS (the maximum resident set size that
# /usr/bin/time reports: the largest single process of the runner's tree).
# The report goes to standard output and to bench/out/results.md; progress
# goes to standard error.
#
#   W1  spawn overhead: 2,000 jobs of `true`, at 2 and at 8 workers
#   W2  many sleepers: 5,000 jobs of `sleep 1`, no worker limit
#   W3  output: 4 jobs each writing 50 MB of 100-byte lines, through each of
#       aiorun's output paths, against cat of the same bytes
#   W4  start-up: one `true` job, aiorun's whole process against `sh -c true`
#   W5  a large job file: 20,000 jobs loaded and validated
#
# Runners: aiorun (built once, at the start, into bench/.cache/aiorun), a bare
# Go runner (bench/bare), xargs -P, make -j, GNU parallel and concurrently
# (npm). Every runner runs its jobs as `/bin/sh -c CMD` (make and aiorun may
# exec a command without shell syntax directly, as the report notes).
#
# usage: bench/run.sh [--quick] [--plot] [--help]
#   --quick   smoke test: 2 rounds and smaller N everywhere
#   --plot    instead of W1-W5: N jobs of `true` at -j 8 for N = 100, 1,000,
#             5,000 and 20,000 (3 rounds), into bench/out/scaling.md,
#             bench/out/scaling.tsv and docs/scaling.svg (with --quick:
#             bench/out/scaling.svg)
# environment:
#   WORKLOADS="W1 W2 W3 W4 W5"   workloads to run (default: all)
#   ROUNDS=5                     measured rounds (default 5; --quick 2; --plot 3)
#   RUNNERS="aiorun bare xargs make parallel concurrently"   runners to include
#   BENCH_TIMEOUT=300            seconds one timed command may take
#   CONCURRENTLY_VERSION=9.2.5   the npm version of concurrently to install
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$ROOT/bench/.cache
OUTDIR=$ROOT/bench/out

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

QUICK=0
PLOT=0
for arg in "$@"; do
	case $arg in
	--quick) QUICK=1 ;;
	--plot) PLOT=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "bench/run.sh: unknown argument: $arg (see --help)" >&2
		exit 2
		;;
	esac
done

if ((PLOT)); then
	ROUNDS=${ROUNDS:-3}
elif ((QUICK)); then
	ROUNDS=${ROUNDS:-2}
else
	ROUNDS=${ROUNDS:-5}
fi
WORKLOADS=${WORKLOADS:-W1 W2 W3 W4 W5}
RUNNERS=${RUNNERS:-aiorun bare xargs make parallel concurrently}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
CONCURRENTLY_VERSION=${CONCURRENTLY_VERSION:-9.2.5}

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
[[ $BENCH_TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: BENCH_TIMEOUT must be a positive integer, got '$BENCH_TIMEOUT'" >&2; exit 2; }
for w in $WORKLOADS; do
	case $w in W1 | W2 | W3 | W4 | W5) ;; *) echo "bench/run.sh: unknown workload '$w' (W1 W2 W3 W4 W5)" >&2; exit 2 ;; esac
done
for r in $RUNNERS; do
	case $r in aiorun | bare | xargs | make | parallel | concurrently) ;; *) echo "bench/run.sh: unknown runner '$r' (aiorun bare xargs make parallel concurrently)" >&2; exit 2 ;; esac
done

# Sizes: the full run, or the --quick smoke test. parallel starts a few
# hundred jobs a second, and thousands of its jobs at once take minutes: it
# gets a smaller N where noted, and the report says so.
if ((QUICK)); then
	W1_N=200 W2_N=500 W2_N_PARALLEL=100 W3_MB=5 W4_RUNS=20 W5_N=2000
	PLOT_NS="100 1000"
else
	W1_N=2000 W2_N=5000 W2_N_PARALLEL=500 W3_MB=50 W4_RUNS=200 W5_N=20000
	PLOT_NS="100 1000 5000 20000"
fi
W1_WORKERS="2 8"
PLOT_WORKERS=8
PLOT_MAX_N_PARALLEL=${PLOT_MAX_N_PARALLEL:-5000}

# Nothing of the caller's make, aiorun or parallel settings leaks into the
# runners: an outer `make -j` would hand its jobserver to the make runner.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
unset PARALLEL PARALLEL_HOME
for v in $(compgen -e); do
	case $v in AIORUN_*) unset "$v" ;; esac
done

log() { printf '%s\n' "$*" >&2; }
say() { printf '%s\n' "$*" >>"$REPORT"; }
has_runner() { [[ " $RUNNERS " == *" $1 "* ]]; }
has_workload() { [[ " $WORKLOADS " == *" $1 "* ]]; }
# thousands 20000 -> 20,000
thousands() { printf "%'d" "$1" 2>/dev/null | LC_ALL=C sed ':a;s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/;ta'; }

# ---------------------------------------------------------------------------
# Scratch space, removed on every exit; the timed command in flight is
# stopped with it (timeout runs it in its own process group, which a ^C to
# this script would not reach).
TMP=$(mktemp -d "${TMPDIR:-/tmp}/aiorun-bench.XXXXXX")
if [[ ! $TMP =~ ^[A-Za-z0-9_./-]+$ ]]; then
	rm -rf "$TMP"
	TMP=$(mktemp -d /tmp/aiorun-bench.XXXXXX)
fi
CHILD=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [[ -n $CHILD ]]; then
		kill -TERM "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

REPORT=$TMP/report.md
: >"$REPORT"
BIN=$TMP/bin
mkdir -p "$BIN" "$TMP/xdg" "$TMP/work" "$CACHE" "$OUTDIR"
export XDG_CONFIG_HOME=$TMP/xdg # no user config file of aiorun applies
export TMPDIR=$TMP              # parallel's and aiorun's scratch files land here too
cd "$TMP/work"                  # no .aiorun.yaml of the caller's directory applies

# ---------------------------------------------------------------------------
# Tools. A runner that cannot be had is skipped, with the reason in the report.
declare -A SKIP=()
skip() {
	SKIP[$1]=$2
	log "skipping $1: $2"
}

apt_install() { # apt_install PACKAGE...: quietly, updating the lists once if needed
	((EUID == 0)) || { echo "not root, cannot apt-get install $*"; return 1; }
	command -v apt-get >/dev/null || { echo "no apt-get to install $*"; return 1; }
	log "installing $* (apt-get)"
	if ! timeout 600 apt-get install -y -qq "$@" >"$TMP/apt.log" 2>&1; then
		timeout 600 apt-get update -qq >>"$TMP/apt.log" 2>&1 || true
		if ! timeout 600 apt-get install -y -qq "$@" >>"$TMP/apt.log" 2>&1; then
			echo "apt-get install $* failed: $(tail -n 1 "$TMP/apt.log")"
			return 1
		fi
	fi
}

if [[ ! -x /usr/bin/time ]]; then
	if ! why=$(apt_install time); then
		echo "bench/run.sh: /usr/bin/time (Debian package time) is needed for peak RSS: $why" >&2
		exit 1
	fi
fi
for t in timeout sh; do
	command -v "$t" >/dev/null || { echo "bench/run.sh: $t not found" >&2; exit 1; }
done
SH_IS=$(readlink -f /bin/sh)

if has_runner aiorun || has_runner bare || ((PLOT)); then
	command -v go >/dev/null || { echo "bench/run.sh: go not found: aiorun and the bare runner need it" >&2; exit 1; }
fi
if has_runner aiorun; then
	log "building aiorun: CGO_ENABLED=0 go build -o bench/.cache/aiorun . (as make build does)"
	if ! (cd "$ROOT" && CGO_ENABLED=0 go build -o "$CACHE/aiorun" .) 2>"$TMP/build.log"; then
		cat "$TMP/build.log" >&2
		echo "bench/run.sh: aiorun does not build (above); RUNNERS=\"bare xargs make parallel concurrently\" runs the peers alone" >&2
		exit 1
	fi
	ln -s "$CACHE/aiorun" "$BIN/aiorun"
fi
if has_runner bare; then
	if (cd "$ROOT" && CGO_ENABLED=0 go build -o "$CACHE/bare" ./bench/bare) 2>"$TMP/build.log"; then
		ln -s "$CACHE/bare" "$BIN/bare"
	else
		skip bare "go build ./bench/bare failed: $(head -n 1 "$TMP/build.log")"
	fi
fi
if has_runner xargs && ! command -v xargs >/dev/null; then
	why=$(apt_install findutils) || skip xargs "$why"
fi
if has_runner make && ! command -v make >/dev/null; then
	why=$(apt_install make) || skip make "$why"
fi
if has_runner parallel && ! { command -v parallel >/dev/null && parallel --version 2>/dev/null | grep -q 'GNU parallel'; }; then
	why=$(apt_install parallel) || skip parallel "$why"
fi
if has_runner concurrently; then
	conc=$CACHE/node_modules/concurrently/dist/bin/concurrently.js
	have=
	[[ -f $CACHE/node_modules/concurrently/package.json ]] &&
		have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$CACHE/node_modules/concurrently/package.json" | head -n 1)
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		skip concurrently "node and npm not found (Debian packages nodejs and npm)"
	elif (($(node -p 'process.versions.node.split(".")[0]') < 18)); then
		skip concurrently "node $(node --version) is older than concurrently $CONCURRENTLY_VERSION needs (18)"
	elif [[ $have != "$CONCURRENTLY_VERSION" ]]; then
		log "installing concurrently@$CONCURRENTLY_VERSION (npm install --prefix bench/.cache)"
		if ! timeout 600 npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error \
			"concurrently@$CONCURRENTLY_VERSION" >"$TMP/npm.log" 2>&1; then
			skip concurrently "npm install concurrently@$CONCURRENTLY_VERSION failed: $(tail -n 1 "$TMP/npm.log")"
		fi
	fi
	if [[ -z ${SKIP[concurrently]:-} ]]; then
		if [[ -f $conc ]]; then
			ln -s "$CACHE/node_modules/.bin/concurrently" "$BIN/concurrently"
		else
			skip concurrently "no $conc after npm install"
		fi
	fi
fi
for r in $RUNNERS; do
	[[ -n ${SKIP[$r]:-} ]] && RUNNERS=$(printf '%s\n' $RUNNERS | { grep -vx "$r" || true; } | tr '\n' ' ')
done

# Limits: thousands of jobs at once need processes and file descriptors.
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
ulimit -Su "$(ulimit -Hu)" 2>/dev/null || true
NOFILE=$(ulimit -n)
NPROC=$(ulimit -u)
W2_CANT=
if has_workload W2 && ((!PLOT)); then
	need_files=$((3 * W2_N + 256)) # a runner that captures holds ~2 pipe ends (and maybe a pidfd) per job
	need_procs=$((W2_N + 512))
	pid_max=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 4194304)
	pids_max=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || echo max)
	if [[ $NOFILE != unlimited ]] && ((NOFILE < need_files)); then
		W2_CANT="open files limit (ulimit -n) is $NOFILE, raised to its hard limit; $W2_N jobs at once need about $need_files"
	elif [[ $NPROC != unlimited ]] && ((NPROC < need_procs && EUID != 0)); then
		W2_CANT="process limit (ulimit -u) is $NPROC, raised to its hard limit; $W2_N jobs at once need about $need_procs"
	elif ((pid_max < need_procs)); then
		W2_CANT="kernel.pid_max is $pid_max; $W2_N jobs at once need about $need_procs"
	elif [[ $pids_max != max ]] && ((pids_max < need_procs)); then
		W2_CANT="the cgroup's pids.max is $pids_max; $W2_N jobs at once need about $need_procs"
	fi
	[[ -n $W2_CANT ]] && log "W2 cannot run: $W2_CANT"
fi

# ---------------------------------------------------------------------------
# Rows: one runner on one workload. A row is a command with its standard
# streams; REF rows are the peers that "ratio to fastest" divides by.
declare -A LABEL=() CMDLINE=() ARGV=() IN=() OUT=() ERR=() NJOBS=() NFULL=() REF=() CHECK=() FAIL=()
declare -A ROWS=() TITLE=() KIND=() NOTES=() MED=() PEAK=() RATIO_TO=()
TABLES=()

new_table() { # new_table ID KIND TITLE [RATIO_TO]
	TABLES+=("$1")
	ROWS[$1]=
	KIND[$1]=$2
	TITLE[$1]=$3
	RATIO_TO[$1]=${4:-fastest peer}
	NOTES[$1]=
}
note() { NOTES[$1]+="- $2"$'\n'; }

# row TABLE ID LABEL NJOBS NFULL REF STDIN STDOUT STDERR DISPLAY -- ARGV...
# DISPLAY is the command as the report shows it.
row() {
	local t=$1 id=$2 key="$1/$2"
	LABEL[$key]=$3 NJOBS[$key]=$4 NFULL[$key]=$5 REF[$key]=$6
	IN[$key]=$7 OUT[$key]=$8 ERR[$key]=$9 CMDLINE[$key]=${10}
	shift 11
	ARGV[$key]=$(printf '%q ' "$@")
	ROWS[$t]+="$key "
	CHECK[$key]=
}

# measure KEY [STDOUT]: run the row's command once under timeout and
# /usr/bin/time; sets M_WALL (s), M_RSS (KB), M_RC.
measure() {
	local key=$1 out=${2:-${OUT[$1]}} t0 t1 us rc=0
	local -a argv
	eval "argv=(${ARGV[$key]})"
	: >"$TMP/rss"
	t0=${EPOCHREALTIME/./}
	timeout -k 5 "$BENCH_TIMEOUT" /usr/bin/time -f '%M' -o "$TMP/rss" "${argv[@]}" \
		<"${IN[$key]}" >"$out" 2>"${ERR[$key]}" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	t1=${EPOCHREALTIME/./}
	CHILD=
	us=$((t1 - t0))
	M_WALL=$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))
	M_RSS=$(tail -n 1 "$TMP/rss" 2>/dev/null || true)
	[[ $M_RSS =~ ^[0-9]+$ ]] || M_RSS=0
	M_RC=$rc
}

# run_table ID: the warm-up round, then ROUNDS rounds, the order of the
# rows rotating by one each round. A row that fails or times out is dropped
# from the rounds after it, with the reason.
DATA=$TMP/data.tsv
: >"$DATA"
run_table() {
	local t=$1 r i k n key
	local -a keys
	read -r -a keys <<<"${ROWS[$t]}"
	n=${#keys[@]}
	((n > 0)) || return 0
	for ((r = 0; r <= ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			key=${keys[$(((i + r) % n))]}
			[[ -n ${FAIL[$key]:-} ]] && continue
			if ((r == 0)) && [[ -n ${CHECK[$key]} ]]; then
				measure "$key" "$TMP/warm.out"
			else
				measure "$key"
			fi
			local what="round $r/$ROUNDS"
			((r == 0)) && what="warm-up"
			log "[$t] $what: ${LABEL[$key]}: ${M_WALL} s, $((M_RSS / 1024)) MB$( ((M_RC == 0)) || echo ", exit $M_RC")"
			if ((M_RC == 124 || M_RC == 137)); then
				FAIL[$key]="timed out after ${BENCH_TIMEOUT}s (BENCH_TIMEOUT)"
				continue
			elif ((M_RC != 0)); then
				local tail=
				[[ ${ERR[$key]} == /dev/null ]] || tail=$(tail -n 3 "${ERR[$key]}" | tr '\n' ' ' | cut -c1-300)
				FAIL[$key]="exit status $M_RC${tail:+: $tail}"
				continue
			fi
			if ((r == 0)) && [[ -n ${CHECK[$key]} ]]; then
				local want=${CHECK[$key]} got
				got=$(grep -c ': finished$' "$TMP/warm.out" || true)
				rm -f "$TMP/warm.out"
				if [[ $got != "$want" ]]; then
					FAIL[$key]="warm-up check: $got of $want jobs printed 'finished'"
					continue
				fi
			fi
			((r == 0)) || printf '%s\t%s\t%s\t%s\n' "$key" "$r" "$M_WALL" "$M_RSS" >>"$DATA"
		done
	done
}

median_of() { # median_of KEY FIELD(3 wall, 4 rss)
	awk -F'\t' -v k="$1" -v f="$2" '$1 == k { print $f }' "$DATA" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
max_of() {
	awk -F'\t' -v k="$1" -v f="$2" '$1 == k { if ($f > m) m = $f; n++ } END { if (n) print m }' "$DATA"
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# print_table ID: the markdown table of one workload into the report.
print_table() {
	local t=$1 key fastest= m kind=${KIND[$1]}
	local -a keys
	read -r -a keys <<<"${ROWS[$t]}"
	for key in "${keys[@]}"; do
		MED[$key]=$(median_of "$key" 3)
		PEAK[$key]=$(max_of "$key" 4)
		m=${MED[$key]}
		if [[ -n $m && ${REF[$key]} == 1 && ${NJOBS[$key]} == "${NFULL[$key]}" ]]; then
			if [[ -z $fastest ]] || awk "BEGIN { exit !($m < $fastest) }"; then fastest=$m; fi
		fi
	done
	say ""
	say "### ${TITLE[$t]}"
	say ""
	local head="| runner | jobs | median wall (s) | ratio to ${RATIO_TO[$t]} | peak RSS (MB) |"
	local rule="| --- | ---: | ---: | ---: | ---: |"
	case $kind in
	tput)
		head+=" throughput (MB/s) | % of ${RATIO_TO[$t]} throughput |"
		rule+=" ---: | ---: |"
		;;
	perrun)
		head+=" per run (ms) | per run minus ${RATIO_TO[$t]} (ms) |"
		rule+=" ---: | ---: |"
		;;
	esac
	say "$head"
	say "$rule"
	for key in "${keys[@]}"; do
		local label=${LABEL[$key]} jobs wall ratio rss extra=
		jobs=$(thousands "${NJOBS[$key]}")
		[[ ${NJOBS[$key]} != "${NFULL[$key]}" ]] && jobs="$jobs of $(thousands "${NFULL[$key]}")"
		m=${MED[$key]}
		if [[ -z $m ]]; then
			local why=${FAIL[$key]:-no measurement}
			case $kind in tput | perrun) extra=" | |" ;; esac
			say "| $label | $jobs | ${why//|/\\|} | | |$extra"
			continue
		fi
		wall=$(calc '%.3f' "$m")
		rss=$(calc '%.1f' "${PEAK[$key]} / 1024")
		if [[ -z $fastest ]]; then
			ratio="n/a"
		elif [[ ${NJOBS[$key]} != "${NFULL[$key]}" ]]; then
			# Fewer jobs take no longer: the ratio at full N is at least this.
			ratio="≥ $(calc '%.2f' "$m / $fastest")"
		else
			ratio=$(calc '%.2f' "$m / $fastest")
		fi
		case $kind in
		tput)
			local bytes=${TPUT_BYTES[$key]:-0}
			extra=" $(calc '%.0f' "$bytes / 1e6 / $m") |"
			if [[ -n $fastest ]]; then extra+=" $(calc '%.0f%%' "100 * $fastest / $m") |"; else extra+=" n/a |"; fi
			;;
		perrun)
			local runs=${RUNS[$key]}
			extra=" $(calc '%.3f' "1000 * $m / $runs") |"
			if [[ -n $fastest ]]; then extra+=" $(calc '%+.3f' "1000 * ($m - $fastest) / $runs") |"; else extra+=" n/a |"; fi
			;;
		esac
		say "| $label | $jobs | $wall | $ratio | $rss |$extra"
	done
	if [[ -n ${NOTES[$t]} || $kind != spawn ]]; then
		say ""
	fi
	if [[ $kind != spawn ]]; then
		# The spawn tables' notes give each runner's command; these list theirs.
		for key in "${keys[@]}"; do say "- ${LABEL[$key]}: \`${CMDLINE[$key]}\`"; done
	fi
	if [[ -n ${NOTES[$t]} ]]; then
		printf '%s' "${NOTES[$t]}" >>"$REPORT"
	fi
}

# ---------------------------------------------------------------------------
# Inputs, generated once into the scratch directory.
lines() { # lines N TEXT FILE: N lines of TEXT
	[[ -f $3 ]] || awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) print s }' >"$3"
}
numbers() { [[ -f $2 ]] || seq "$1" >"$2"; }
jobfile() { # jobfile N CMD FILE: N jobs tI: CMD (CMD is written as is: plain YAML)
	[[ -f $3 ]] || awk -v n="$1" -v s="$2" 'BEGIN { print "jobs:"; for (i = 1; i <= n; i++) printf "  t%d: %s\n", i, s }' >"$3"
}
makefile() { # makefile N CMD FILE: targets t1..tN, each with recipe CMD
	[[ -f $3 ]] || awk -v n="$1" -v s="$2" 'BEGIN {
		print "SHELL := /bin/sh"; printf ".PHONY: all"; for (i = 1; i <= n; i++) printf " t%d", i; print ""
		printf "all:"; for (i = 1; i <= n; i++) printf " t%d", i; print ""
		for (i = 1; i <= n; i++) printf "t%d:\n\t@%s\n", i, s }' >"$3"
}

declare -A TPUT_BYTES=() RUNS=()

# add_spawn_rows TABLE N WORKERS CMD: one row per runner for N jobs of CMD
# at WORKERS at once (0: no limit). Used by W1, W2 and --plot.
add_spawn_rows() {
	local t=$1 n=$2 j=$3 cmd=$4 tag
	tag=$(printf '%s' "$cmd" | tr -c 'A-Za-z0-9' '_')
	local cmds=$TMP/cmds-$tag-$n nums=$TMP/nums-$n yaml=$TMP/jobs-$tag-$n.yaml mk=$TMP/Makefile-$tag-$n
	lines "$n" "$cmd" "$cmds"
	numbers "$n" "$nums"
	local jflag= pflag makej parj concm=()
	if ((j > 0)); then
		jflag="-j $j" pflag=$j makej="-j$j" parj=$j concm=(-m "$j")
	else
		pflag=$n makej="-j" parj=0
	fi
	local r
	for r in $RUNNERS; do
		case $r in
		aiorun)
			jobfile "$n" "$cmd" "$yaml"
			# shellcheck disable=SC2086
			row "$t" aiorun "aiorun gather${jflag:+ $jflag}" "$n" "$n" 0 /dev/null /dev/null "$TMP/err-$t-aiorun" \
				"aiorun gather${jflag:+ $jflag} jobs.yaml > /dev/null" -- "$BIN/aiorun" gather $jflag "$yaml"
			CHECK["$t/aiorun"]=$n
			;;
		bare)
			row "$t" bare "bare Go (os/exec) -j $j" "$n" "$n" 1 "$cmds" /dev/null "$TMP/err-$t-bare" \
				"bare -j $j < commands" -- "$BIN/bare" -j "$j"
			;;
		xargs)
			row "$t" xargs "xargs -P $pflag" "$n" "$n" 1 "$cmds" /dev/null "$TMP/err-$t-xargs" \
				"xargs -d '\\n' -n 1 -P $pflag sh -c < commands" -- xargs -d '\n' -n 1 -P "$pflag" sh -c
			;;
		make)
			makefile "$n" "$cmd" "$mk"
			row "$t" make "make $makej" "$n" "$n" 1 /dev/null /dev/null "$TMP/err-$t-make" \
				"make -s $makej -f Makefile (SHELL := /bin/sh)" -- make -s "$makej" -f "$mk"
			;;
		parallel)
			local pn=$n
			[[ -n ${PARALLEL_N:-} ]] && ((PARALLEL_N < n)) && pn=$PARALLEL_N
			numbers "$pn" "$TMP/nums-$pn"
			row "$t" parallel "GNU parallel -j $parj" "$pn" "$n" 1 "$TMP/nums-$pn" /dev/null "$TMP/err-$t-parallel" \
				"PARALLEL_SHELL=/bin/sh parallel --will-cite -N0 -j $parj '$cmd' < numbers" -- \
				env PARALLEL_SHELL=/bin/sh parallel --will-cite -N0 -j "$parj" "$cmd"
			;;
		concurrently)
			local -a cs=()
			local i
			for ((i = 0; i < n; i++)); do cs+=("$cmd"); done
			row "$t" concurrently "concurrently${concm[*]:+ ${concm[*]}}" "$n" "$n" 1 /dev/null /dev/null "$TMP/err-$t-concurrently" \
				"concurrently${concm[*]:+ ${concm[*]}} '$cmd' ... (N arguments) > /dev/null" -- "$BIN/concurrently" "${concm[@]}" "${cs[@]}"
			;;
		esac
	done
}

# Notes on how each runner runs a job, for the tables that use them.
spawn_notes() {
	local t=$1 cmd=$2 r
	for r in $RUNNERS; do
		case $r in
		aiorun) note "$t" "aiorun: \`aiorun gather [-j N] jobs.yaml > /dev/null\` over a generated job file of N jobs \`tI: $cmd\`; aiorun runs \`sh -c CMD\` (it may exec a command without shell syntax directly, as make does)." ;;
		bare) note "$t" "bare Go: bench/bare, \`sh -c CMD\` per line of standard input with os/exec, goroutines and a semaphore (no limit at -j 0); the floor for a runner written in Go." ;;
		xargs) note "$t" "xargs: \`xargs -d '\\n' -n 1 -P N sh -c\`, one command per line of standard input." ;;
		make) note "$t" "make: a generated Makefile of N phony targets with recipe \`@$cmd\` and \`SHELL := /bin/sh\`; make execs a recipe without shell metacharacters directly (no \`sh -c\`), so \`$cmd\` runs as the external \`$(type -P "${cmd%% *}")\`." ;;
		parallel) note "$t" "GNU parallel: \`PARALLEL_SHELL=/bin/sh parallel --will-cite -N0 -j N '$cmd' < numbers\` (one job per input line; -j 0: as many as it can)." ;;
		concurrently) note "$t" "concurrently $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$CACHE/node_modules/concurrently/package.json" | head -n 1) (npm, node $(node --version)): N arguments \`'$cmd'\`, each run as \`/bin/sh -c CMD\`, \`-m N\` for the worker limit; its per-job log lines go to /dev/null." ;;
		esac
	done
}

skip_notes() {
	local t=$1 r
	for r in "${!SKIP[@]}"; do note "$t" "skipped: $r: ${SKIP[$r]}"; done
}

# ---------------------------------------------------------------------------
# The workloads.
setup_W1() {
	local j t
	for j in $W1_WORKERS; do
		t="W1-j$j"
		new_table "$t" spawn "W1 spawn overhead: $(thousands "$W1_N") jobs of \`true\`, $j workers"
		add_spawn_rows "$t" "$W1_N" "$j" true
		if [[ $j == "${W1_WORKERS%% *}" ]]; then
			spawn_notes "$t" true
			note "$t" "\`true\` is a dash builtin: \`sh -c true\` is one process per job."
			skip_notes "$t"
		else
			note "$t" "The runners run as in the table above."
		fi
	done
}

setup_W2() {
	local t=W2
	new_table "$t" spawn "W2 many sleepers: $(thousands "$W2_N") jobs of \`sleep 1\`, no worker limit"
	if [[ -n $W2_CANT ]]; then
		note "$t" "W2 cannot run here: $W2_CANT."
		return
	fi
	PARALLEL_N=$W2_N_PARALLEL add_spawn_rows "$t" "$W2_N" 0 "sleep 1"
	spawn_notes "$t" "sleep 1"
	has_runner parallel && note "$t" "GNU parallel runs $(thousands "$W2_N_PARALLEL") of the $(thousands "$W2_N") jobs: it starts at best a few hundred jobs a second, fewer as more of them run, and 5,000 sleepers at once take it minutes. Fewer jobs take no longer, so its ratio is a lower bound (≥)."
	note "$t" "Limits: ulimit -n $NOFILE, ulimit -u $NPROC (soft raised to hard)."
	skip_notes "$t"
}

setup_W3() {
	local bytes=$((W3_MB * 1000000)) lines_n data=$TMP/w3-$W3_MB.txt
	lines_n=$((bytes / 100))
	# 100-byte lines of printable ASCII without quotes or backslashes: repr()
	# writes each byte as is, and each newline as \n.
	awk -v n="$lines_n" 'BEGIN {
		pad = "abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklmnopqrs"
		for (i = 1; i <= n; i++) printf "%010d %s\n", i, substr(pad, 1, 88) }' >"$data"
	local got
	got=$(wc -c <"$data")
	((got == bytes)) || { echo "bench/run.sh: W3 data is $got bytes, want $bytes" >&2; exit 1; }
	local total=$((4 * bytes)) mb=$((4 * W3_MB))

	local t=W3-jobs
	new_table "$t" tput "W3 output: 4 jobs each writing $W3_MB MB of 100-byte lines ($mb MB in all)" "piped cat"
	row "$t" catpipe "cat ×4, piped to cat" 4 4 1 /dev/null /dev/null "$TMP/err-$t-catpipe" \
		"(cat FILE & cat FILE & cat FILE & cat FILE & wait) | cat > /dev/null" -- \
		sh -c 'f=$1; { cat "$f" & cat "$f" & cat "$f" & cat "$f" & wait; } | cat >/dev/null' sh "$data"
	row "$t" catnull "cat ×4 > /dev/null" 4 4 0 /dev/null /dev/null "$TMP/err-$t-catnull" \
		"(cat FILE & cat FILE & cat FILE & cat FILE & wait) > /dev/null" -- \
		sh -c 'f=$1; { cat "$f" & cat "$f" & cat "$f" & cat "$f" & wait; } >/dev/null' sh "$data"
	TPUT_BYTES["$t/catpipe"]=$total TPUT_BYTES["$t/catnull"]=$total
	if has_runner aiorun; then
		local yv=$TMP/w3-value.yaml ye=$TMP/w3-stderr.yaml
		printf 'jobs:\n  o1: cat %s\n  o2: cat %s\n  o3: cat %s\n  o4: cat %s\n' "$data" "$data" "$data" "$data" >"$yv"
		printf 'jobs:\n  e1: cat %s >&2\n  e2: cat %s >&2\n  e3: cat %s >&2\n  e4: cat %s >&2\n' "$data" "$data" "$data" "$data" >"$ye"
		row "$t" gather "aiorun gather (value capture)" 4 4 0 /dev/null /dev/null "$TMP/err-$t-gather" \
			"aiorun gather value.yaml > /dev/null" -- "$BIN/aiorun" gather "$yv"
		row "$t" ascompleted "aiorun as-completed (value capture)" 4 4 0 /dev/null /dev/null "$TMP/err-$t-ascompleted" \
			"aiorun as-completed value.yaml > /dev/null" -- "$BIN/aiorun" as-completed "$yv"
		row "$t" stderr "aiorun gather (prefixed stderr)" 4 4 0 /dev/null /dev/null /dev/null \
			"aiorun gather stderr.yaml > /dev/null 2> /dev/null" -- "$BIN/aiorun" gather "$ye"
		TPUT_BYTES["$t/gather"]=$total TPUT_BYTES["$t/ascompleted"]=$total TPUT_BYTES["$t/stderr"]=$total
	fi
	note "$t" "Data: one generated file of $(thousands "$lines_n") lines of 100 bytes; jobs \`cat FILE\` (value capture) or \`cat FILE >&2\` (stderr)."
	note "$t" "Value capture: gather's \`Result:\` line then holds the repr of all $mb MB (plus a \`\\n\` for each newline), written to /dev/null; as-completed prints each value after its \`finished\` line."
	note "$t" "Prefixed stderr: every line is written to aiorun's standard error as \`eI | line\`, which goes to /dev/null."
	note "$t" "The reference, piped cat, moves the same bytes from 4 writers through a pipe to one reader (\`(cat FILE & ... & wait) | cat > /dev/null\`), as aiorun reads its jobs' pipes; \`cat ×4 > /dev/null\` (no pipe, no reader) is shown as the floor, not used for the ratio."

	t=W3-run
	new_table "$t" tput "W3 output: \`run\` passthrough, one job writing $mb MB" "piped cat"
	row "$t" catpipe "cat FILE×4, piped to cat" 1 1 1 /dev/null /dev/null "$TMP/err-$t-catpipe" \
		"cat FILE FILE FILE FILE | cat > /dev/null" -- sh -c 'cat "$1" "$1" "$1" "$1" | cat >/dev/null' sh "$data"
	row "$t" catnull "cat FILE×4 > /dev/null" 1 1 0 /dev/null /dev/null "$TMP/err-$t-catnull" \
		"cat FILE FILE FILE FILE > /dev/null" -- sh -c 'cat "$1" "$1" "$1" "$1" >/dev/null' sh "$data"
	TPUT_BYTES["$t/catpipe"]=$total TPUT_BYTES["$t/catnull"]=$total
	if has_runner aiorun; then
		local yr=$TMP/w3-run.yaml
		printf 'jobs:\n  main: cat %s %s %s %s\n' "$data" "$data" "$data" "$data" >"$yr"
		row "$t" run "aiorun run (passthrough)" 1 1 0 /dev/null /dev/null "$TMP/err-$t-run" \
			"aiorun run run.yaml > /dev/null" -- "$BIN/aiorun" run "$yr"
		TPUT_BYTES["$t/run"]=$total
	fi
	note "$t" "One job \`main: cat FILE FILE FILE FILE\`; \`aiorun run\` passes its standard output through. The reference: \`cat FILE FILE FILE FILE | cat > /dev/null\`."
}

setup_W4() {
	local t=W4 n=$W4_RUNS one=$TMP/w4.yaml
	printf 'jobs:\n  main: true\n' >"$one"
	printf 'true\n' >"$TMP/w4-cmds"
	new_table "$t" perrun "W4 start-up: one \`true\` job, $n runs per round" "\`sh -c true\`"
	# A dash loop runs each command n times; the loop costs the same for each row.
	local loop='i=0; while [ "$i" -lt "$1" ]; do eval "$2" || exit; i=$((i + 1)); done'
	row "$t" sh "sh -c true" 1 1 1 /dev/null /dev/null "$TMP/err-$t-sh" \
		"sh -c true" -- sh -c "$loop" loop "$n" "sh -c true"
	RUNS["$t/sh"]=$n
	if has_runner aiorun; then
		row "$t" run "aiorun run" 1 1 0 /dev/null /dev/null "$TMP/err-$t-run" \
			"aiorun run one.yaml" -- sh -c "$loop" loop "$n" "'$BIN/aiorun' run '$one'"
		row "$t" gather "aiorun gather" 1 1 0 /dev/null /dev/null "$TMP/err-$t-gather" \
			"aiorun gather one.yaml > /dev/null" -- sh -c "$loop" loop "$n" "'$BIN/aiorun' gather '$one'"
		RUNS["$t/run"]=$n RUNS["$t/gather"]=$n
	fi
	if has_runner bare; then
		row "$t" bare "bare Go (os/exec)" 1 1 0 /dev/null /dev/null "$TMP/err-$t-bare" \
			"bare < one-command" -- sh -c "$loop" loop "$n" "'$BIN/bare' < '$TMP/w4-cmds'"
		RUNS["$t/bare"]=$n
	fi
	note "$t" "Each row runs its command $n times in a \`/bin/sh\` loop (\`while ...; do CMD; done\`), stdout and stderr to /dev/null; median wall of the loop, per run = wall / $n. Peak RSS is the largest process of the loop."
	note "$t" "\`aiorun run one.yaml\` and \`aiorun gather one.yaml\` over \`jobs: {main: true}\`; bare Go is a Go process running one \`sh -c true\` (the floor for a Go runner), not a ratio reference."
}

setup_W5() {
	local t=W5 n=$W5_N y=$TMP/w5.yaml mk=$TMP/w5.mk
	# Mostly the short form; every tenth job a mapping with a timeout, env,
	# retries and needs on two earlier jobs, so that every check runs.
	awk -v n="$n" 'BEGIN {
		print "version: 1"; print "env: {GREETING: hi}"; print "jobs:"
		for (i = 0; i < n; i++) {
			if (i % 10 != 0 || i == 0) { printf "  job-%d: echo %d\n", i, i; continue }
			printf "  job-%d:\n    run: echo %d\n    timeout: 5s\n    env: {N: %d}\n    retries: 2\n    needs: [job-%d, job-%d]\n", i, i, i, i - 1, i - 10
		} }' >"$y"
	makefile "$n" "echo x" "$mk"
	new_table "$t" plain "W5 a large job file: $(thousands "$n") jobs loaded and validated" "\`make -n\`"
	if has_runner aiorun; then
		row "$t" validate "aiorun validate" "$n" "$n" 0 /dev/null /dev/null "$TMP/err-$t-validate" \
			"aiorun validate jobs.yaml" -- "$BIN/aiorun" validate "$y"
		row "$t" list "aiorun list" "$n" "$n" 0 /dev/null /dev/null "$TMP/err-$t-list" \
			"aiorun list jobs.yaml > /dev/null" -- "$BIN/aiorun" list "$y"
	fi
	if has_runner make; then
		row "$t" make "make -n" "$n" "$n" 1 /dev/null /dev/null "$TMP/err-$t-make" \
			"make -n -f Makefile > /dev/null" -- make -n -f "$mk"
	fi
	note "$t" "The job file ($(thousands "$(wc -c <"$y")") bytes): \`version\`, \`env\`, then $(thousands "$n") jobs, mostly \`job-I: echo I\`, every tenth a mapping with \`run\`, \`timeout\`, \`env\`, \`retries\` and \`needs\` on two earlier jobs."
	note "$t" "\`make -n\` reads a Makefile of $(thousands "$n") targets and prints their recipes without running them: a reference point for loading a file of that many jobs, not the same work."
}

setup_plot() {
	local n t
	for n in $PLOT_NS; do
		t="P$n"
		new_table "$t" spawn "Scaling: $(thousands "$n") jobs of \`true\`, $PLOT_WORKERS workers"
		if has_runner parallel && ((n > PLOT_MAX_N_PARALLEL)); then
			# Past PLOT_MAX_N_PARALLEL jobs GNU parallel takes minutes a round: not run.
			RUNNERS=$(printf '%s\n' $RUNNERS | { grep -vx parallel || true; } | tr '\n' ' ') \
				add_spawn_rows "$t" "$n" "$PLOT_WORKERS" true
			note "$t" "GNU parallel is not run at $(thousands "$n") jobs (more than PLOT_MAX_N_PARALLEL=$(thousands "$PLOT_MAX_N_PARALLEL")): it takes minutes a round."
		else
			add_spawn_rows "$t" "$n" "$PLOT_WORKERS" true
		fi
		skip_notes "$t"
	done
}

# ---------------------------------------------------------------------------
# Machine and run description.
harness_overhead() {
	local key=harness/true
	LABEL[$key]="harness" IN[$key]=/dev/null OUT[$key]=/dev/null ERR[$key]=/dev/null
	ARGV[$key]=$(printf '%q ' /bin/true)
	local -a w=()
	local i
	for i in 1 2 3 4 5 6 7 8 9 10 11; do
		measure "$key"
		w+=("$M_WALL")
	done
	printf '%s\n' "${w[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.1f", 1000 * a[(NR + 1) / 2] }'
}

describe_run() {
	local cpu load rev busy=
	cpu=$(grep -m 1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)
	load=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || true)
	if [[ -n $load ]] && awk -v l="${load%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
		busy="the machine was busy when the run started (load average ${load%% *} on $(nproc) CPUs): other work shares the CPUs, so the wall times are noisy"
		log "warning: $busy"
	fi
	rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	[[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] && rev+=" (with uncommitted changes)"
	say "## aiorun against its peers"
	say ""
	say "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	say "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), $(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) memory; load average at start: ${load:-unknown}"
	if has_runner aiorun; then
		say "- aiorun: $("$BIN/aiorun" version 2>/dev/null | head -n 1 || echo "version unknown"), built from $rev"
	else
		say "- aiorun: not run (RUNNERS=\"$RUNNERS\")"
	fi
	say "- /bin/sh: $SH_IS (dash $(dpkg-query -W -f '${Version}' dash 2>/dev/null || echo '?')); $(make --version 2>/dev/null | head -n 1); xargs $(xargs --version 2>/dev/null | head -n 1 | awk '{ print $NF }'); $(parallel --version 2>/dev/null | head -n 1 || echo 'no GNU parallel')"
	say "- rounds: 1 warm-up + $ROUNDS measured, runners in rotating order; median wall of the measured rounds; peak RSS: the largest of the rounds (/usr/bin/time's maximum resident set size, the largest single process)$( ((QUICK)) && echo "; **--quick**: smaller N, not for comparing with the targets")"
	say "- every command runs under \`timeout -k 5 $BENCH_TIMEOUT /usr/bin/time\`; that harness alone (around /bin/true) takes $(harness_overhead) ms, included in every wall time"
	say "- ratio: median wall / the fastest peer's (or the named reference's) median wall; below 1 is faster"
	[[ -z $busy ]] || say "- **warning**: $busy"
	local r
	for r in "${!SKIP[@]}"; do say "- skipped: $r: ${SKIP[$r]}"; done
}

# ---------------------------------------------------------------------------
# Targets: where aiorun stands against its goals (full-size runs only).
targets() {
	((QUICK)) && return 0
	has_runner aiorun || return 0
	local lines=() m x k
	val() { [[ -n ${MED[$1]:-} ]]; }
	if has_workload W1; then
		local j
		for j in $W1_WORKERS; do
			for x in xargs make; do
				if val "W1-j$j/aiorun" && val "W1-j$j/$x"; then
					m=${MED[W1-j$j/aiorun]} k=${MED[W1-j$j/$x]}
					lines+=("| W1 -j $j: aiorun ≤ ${LABEL[W1-j$j/$x]} | $(calc '%.3f s vs %.3f s' "$m, $k") | $(awk "BEGIN { print ($m <= $k) ? \"met\" : \"missed\" }") |")
				fi
			done
		done
	fi
	if has_workload W2 && val W2/aiorun; then
		m=${MED[W2/aiorun]}
		if val W2/xargs; then
			k=${MED[W2/xargs]}
			lines+=("| W2: aiorun ≤ ${LABEL[W2/xargs]} wall | $(calc '%.3f s vs %.3f s' "$m, $k") | $(awk "BEGIN { print ($m <= $k) ? \"met\" : \"missed\" }") |")
		fi
		x=${PEAK[W2/aiorun]}
		lines+=("| W2: aiorun peak RSS < 48 MB | $(calc '%.1f MB' "$x / 1024") | $(awk "BEGIN { print ($x / 1024 < 48) ? \"met\" : \"missed\" }") |")
	fi
	if has_workload W3; then
		for k in W3-jobs/gather W3-jobs/ascompleted W3-jobs/stderr W3-run/run; do
			local ref=${k%%/*}/catpipe
			if val "$k" && val "$ref"; then
				m=${MED[$k]} x=${MED[$ref]}
				lines+=("| W3: ${LABEL[$k]} ≥ 80% of piped cat's throughput | $(calc '%.0f%%' "100 * $x / $m") | $(awk "BEGIN { print (100 * $x / $m >= 80) ? \"met\" : \"missed\" }") |")
			fi
		done
	fi
	if has_workload W4 && val W4/sh; then
		for k in W4/run W4/gather; do
			if val "$k"; then
				m=${MED[$k]} x=${MED[W4/sh]}
				local d
				d=$(calc '%.3f' "1000 * ($m - $x) / ${RUNS[$k]}")
				lines+=("| W4: ${LABEL[$k]} within 1.5 ms of \`sh -c true\` | +$d ms per run | $(awk "BEGIN { print ($d <= 1.5) ? \"met\" : \"missed\" }") |")
			fi
		done
	fi
	if has_workload W5 && val W5/validate; then
		m=${MED[W5/validate]} x=${PEAK[W5/validate]}
		lines+=("| W5: 20,000 jobs validated in < 250 ms | $(calc '%.0f ms' "1000 * $m") | $(awk "BEGIN { print (1000 * $m < 250) ? \"met\" : \"missed\" }") |")
		lines+=("| W5: ... and < 64 MB | $(calc '%.1f MB' "$x / 1024") | $(awk "BEGIN { print ($x / 1024 < 64) ? \"met\" : \"missed\" }") |")
	fi
	((${#lines[@]})) || return 0
	say ""
	say "### Targets"
	say ""
	say "| target | measured (median) | |"
	say "| --- | --- | --- |"
	printf '%s\n' "${lines[@]}" >>"$REPORT"
}

# ---------------------------------------------------------------------------
# The run.
if ((PLOT)); then
	setup_plot
else
	for w in $WORKLOADS; do "setup_$w"; done
fi
describe_run
start=$SECONDS
for t in "${TABLES[@]}"; do run_table "$t"; done
for t in "${TABLES[@]}"; do print_table "$t"; done
targets
say ""
say "Took $((SECONDS - start)) s; load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown)."

if ((PLOT)); then
	tsv=$OUTDIR/scaling.tsv
	{
		printf 'runner\tjobs\twall_s\trss_mb\n'
		for t in "${TABLES[@]}"; do
			read -r -a keys <<<"${ROWS[$t]}"
			for key in "${keys[@]}"; do
				[[ -n ${MED[$key]:-} && ${NJOBS[$key]} == "${NFULL[$key]}" ]] || continue
				printf '%s\t%s\t%s\t%s\n' "${key#*/}" "${NJOBS[$key]}" "${MED[$key]}" "$(calc '%.2f' "${PEAK[$key]} / 1024")"
			done
		done
	} >"$tsv"
	cp "$REPORT" "$OUTDIR/scaling.md"
	# A --quick plot is a smoke test: it does not replace the chart in docs/.
	svg=$ROOT/docs/scaling.svg
	((QUICK)) && svg=$OUTDIR/scaling.svg
	mkdir -p "$(dirname "$svg")"
	(cd "$ROOT" && go build -o "$CACHE/plot" ./bench/plot)
	"$CACHE/plot" -o "$svg" \
		-title "N jobs of true at -j $PLOT_WORKERS" \
		-subtitle "$(nproc) CPUs, $(grep -m 1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//'), Linux $(uname -r), $(date -u +%Y-%m-%d); median of $ROUNDS rounds" <"$tsv"
	cat "$REPORT"
	log "wrote bench/out/scaling.md, bench/out/scaling.tsv and ${svg#"$ROOT"/}"
else
	cp "$REPORT" "$OUTDIR/results.md"
	cat "$REPORT"
	log "wrote bench/out/results.md"
fi
