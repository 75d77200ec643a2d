# SPDX-License-Identifier: ISC
# bench/lib.sh - shared shell helpers of the benchmark scripts bench/run-*.sh (sourced).
#
# A run script measures one benchmark RUNS times, each time the subject AND its baseline
# (alternating which goes first), and prints on stdout only lines the harness
# (scripts/bench.sh -> bench/report.py) understands:
#   FIG id|label|unit|baseline-id or -|goal|better      declare a figure once
#        goal: "ratio>=0.8", "ratio<=1.2", "value<=200", "value>=5" or "-"
#        better: "higher" or "lower" (how the ratio is read)
#   R id value                                          one measurement of a figure
#   CMD text                                            an exact command line used
#   NOTE text                                           a remark printed under the table
#   SKIP reason                                         the benchmark was not measured
# Anything else goes to stderr.
#
# Environment (set by scripts/bench.sh): B (build directory with the binaries), RUNS,
# BENCH_TMP (scratch directory), top (source tree).
# Every namespace, link and process created here is removed by the EXIT trap; processes
# are stopped by PID, waits are bounded by timeout.

set -u
: "${RUNS:=5}"
: "${B:?B (build dir) not set}"
: "${top:?top (source dir) not set}"
: "${BENCH_TMP:=$(mktemp -d /tmp/lisp-bench.XXXXXX)}"
mkdir -p "$BENCH_TMP"

BL_NETNS=()
BL_PIDS=()
BL_ONEXIT=()
# 4 hex digits unique to this script run; names are "b" + 4 hex + suffix (<= 15 chars).
BL_PFX=$(printf 'b%04x' $(((($$ << 4) ^ RANDOM) & 0xffff)))

fig() { printf 'FIG %s\n' "$*"; }
res() { printf 'R %s %s\n' "$1" "$2"; }
cmdline() { printf 'CMD %s\n' "$*"; }
note() { printf 'NOTE %s\n' "$*"; }
skip() {
	printf 'SKIP %s\n' "$*"
	exit 0
}
msg() { printf '# %s\n' "$*" >&2; }

bl_stop_pid() { # PID: TERM, wait <= 5 s, then KILL
	local p=$1 i
	kill -0 "$p" 2>/dev/null || return 0
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] && break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != Z ] &&
		kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

bl_cleanup() {
	local i
	for ((i = ${#BL_PIDS[@]} - 1; i >= 0; i--)); do
		bl_stop_pid "${BL_PIDS[i]}"
	done
	for ((i = ${#BL_ONEXIT[@]} - 1; i >= 0; i--)); do
		eval "${BL_ONEXIT[i]}" >/dev/null 2>&1
	done
	for ((i = ${#BL_NETNS[@]} - 1; i >= 0; i--)); do
		ip netns del "${BL_NETNS[i]}" >/dev/null 2>&1
	done
	BL_PIDS=() BL_ONEXIT=() BL_NETNS=()
}
trap bl_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

on_exit() { BL_ONEXIT+=("$*"); }
track_pid() { BL_PIDS+=("$1"); }
untrack_pid() {
	local i
	for i in "${!BL_PIDS[@]}"; do
		[ "${BL_PIDS[i]}" = "$1" ] && unset 'BL_PIDS[i]'
	done
	BL_PIDS=("${BL_PIDS[@]}")
}
stop_pid() {
	bl_stop_pid "$1"
	untrack_pid "$1"
}

# ns_new VAR SUFFIX: create namespace "$BL_PFX$SUFFIX" with lo up, name in $VAR (not a
# subshell, so the cleanup knows it).
ns_new() {
	local n="$BL_PFX$2"
	ip netns add "$n" || return 1
	BL_NETNS+=("$n")
	ip -n "$n" link set lo up
	printf -v "$1" '%s' "$n"
}

# wait_for TIMEOUT CMD...: poll CMD (may be a shell function) every 0.05 s for at most
# TIMEOUT seconds (integer).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# udp_listening NS PORT: is something bound to UDP PORT in NS?
udp_listening() { ip netns exec "$1" ss -Hulpn "sport = :$2" | grep -q .; }

# median of numbers on stdin
median() { sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# kv KEY LINE: value of key=value in a line
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }

# cpu_ticks PID: utime + stime in clock ticks
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)

# Two CPUs for the subject and the load: the last two of the machine (0 and 1 on 2 cores).
NCPU=$(nproc)
CPU_SUBJ=$((NCPU - 1))
CPU_LOAD=$((NCPU > 1 ? NCPU - 2 : 0))
