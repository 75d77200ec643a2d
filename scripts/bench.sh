#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# scripts/bench.sh [-n RUNS] [-o FILE] [--no-build] [--no-deps] [NAME...] - the benchmarks.
#
# Builds an optimized tree (-O2, no sanitizers, no fuzzing) in build-bench/ (or
# $BENCH_BUILDDIR), runs each named benchmark (default: all) RUNS times (default 5, at least
# 5 for BENCHMARKS.md) with its baseline measured in the same iterations, and writes the
# report: median/min/max, baseline, ratio, goal verdict, exact commands, and the machine.
# With every benchmark selected the report is BENCHMARKS.md in the source tree; with a
# subset it is build-bench/BENCHMARKS-partial.md, and the sections of that subset (their
# summary rows, sections and missed goals) replace theirs in BENCHMARKS.md (bench/splice.py:
# the other benchmarks' rows stay), unless -o says otherwise.
#
# Names: lpm ms-register mr-request dataplane dataplane-bulk detr-reencap bgp-push migration
# memory config-load cli-dump evacuation evacuation-rr detr-failover ms-failover rr-push.
# Each is bench/run-NAME.sh (protocol in bench/lib.sh); a missing script or daemon makes its
# row "not measured: <reason>".
# Needs root (network namespaces, CPU pinning is taskset). Installs what it needs with
# ./scripts/deps.sh bench (skip with --no-deps). Environment: CC (default clang if present,
# as the project's check build uses it), BENCH_SECS (seconds per measurement), BENCH_TIMEOUT
# (per benchmark, default 600 s; migration 3600 s).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ALL=(lpm ms-register mr-request dataplane dataplane-bulk detr-reencap bgp-push migration memory
	config-load cli-dump evacuation evacuation-rr detr-failover ms-failover rr-push)
RUNS=${BENCH_RUNS:-5}
OUT=""
build=1
deps=1
names=()
cmd="./scripts/bench.sh $*"
while [ $# -gt 0 ]; do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	-o) OUT=$2; shift 2 ;;
	--no-build) build=0; shift ;;
	--no-deps) deps=0; shift ;;
	-h | --help) sed -n '2,19p' "$0"; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
[ ${#names[@]} -eq 0 ] && names=("${ALL[@]}")
for n in "${names[@]}"; do
	case " ${ALL[*]} " in *" $n "*) ;; *) echo "unknown benchmark '$n' (${ALL[*]})" >&2; exit 2 ;; esac
done
B=${BENCH_BUILDDIR:-$top/build-bench}
if [ -z "$OUT" ]; then
	if [ ${#names[@]} -eq ${#ALL[@]} ]; then OUT=$top/BENCHMARKS.md; else OUT=$B/BENCHMARKS-partial.md; fi
fi
[ "$RUNS" -ge 5 ] || echo "warning: RUNS=$RUNS (< 5): fine for a try, not for BENCHMARKS.md" >&2
[ "$(id -u)" = 0 ] || { echo "scripts/bench.sh needs root (namespaces, veths)" >&2; exit 1; }

if [ $deps = 1 ]; then
	"$top/scripts/deps.sh" bench || echo "warning: deps.sh bench failed; benchmarks that need a missing tool are skipped" >&2
fi

if [ $build = 1 ]; then
	mkdir -p "$B"
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
	if [ -z "${CC:-}" ]; then
		if command -v clang >/dev/null; then CC=clang; else CC=cc; fi
	fi
	if [ ! -f "$B/Makefile" ] || [ "$(sed -n 's/^CC = //p' "$B/Makefile")" != "$CC" ] ||
		[ "$top/configure" -nt "$B/Makefile" ]; then
		(cd "$B" && "$top/configure" -q CC="$CC" CFLAGS="-O2" --disable-fuzzing)
	fi
	# -k: a program that does not build only turns its rows into "not measured"
	(cd "$B" && make -k -j"$(nproc)" >"$B/make.log" 2>&1) ||
		echo "warning: part of the build failed (see $B/make.log); affected rows are skipped" >&2
fi

R=$B/results
rm -rf "$R"
mkdir -p "$R"
BENCH_TMP=$(mktemp -d /tmp/lisp-bench.XXXXXX)
trap 'rm -rf "$BENCH_TMP"' EXIT

cc_ver=$(sed -n 's/^CC = //p' "$B/Makefile" 2>/dev/null || echo cc)
{
	echo "command: $cmd"
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "commit: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$top" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "cores (nproc): $(nproc)"
	echo "kernel: $(uname -r)"
	echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "compiler: $($cc_ver --version 2>/dev/null | head -1) with CFLAGS=-O2, no sanitizers"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "iterations per figure: $RUNS"
} >"$R/machine.txt"
printf '%s\n' "${names[@]}" >"$R/order.txt"

for n in "${names[@]}"; do
	s=$top/bench/run-$n.sh
	echo "== $n" >&2
	if [ ! -f "$s" ]; then
		echo "SKIP no benchmark script yet (bench/run-$n.sh)" >"$R/$n.out"
		continue
	fi
	t0=$(date +%s)
	rc=0
	to=${BENCH_TIMEOUT:-600}
	[ "$n" = migration ] && to=${BENCH_TIMEOUT:-3600}
	RUNS=$RUNS B=$B top=$top BENCH_TMP=$BENCH_TMP/$n \
		timeout -k 10 "$to" bash "$s" >"$R/$n.out" 2>"$R/$n.err" || rc=$?
	echo "   $n: $(($(date +%s) - t0)) s, exit $rc (log $R/$n.err)" >&2
	if [ $rc -ne 0 ] && ! grep -q '^R ' "$R/$n.out"; then
		grep -q '^SKIP' "$R/$n.out" || echo "SKIP the benchmark failed (exit $rc): $(grep -v '^#' "$R/$n.err" | tail -1 | cut -c1-200)" >>"$R/$n.out"
	fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$R/machine.txt"
python3 "$top/bench/report.py" "$R" "$OUT"
echo "wrote $OUT" >&2
if [ "$OUT" = "$B/BENCHMARKS-partial.md" ] && [ -f "$top/BENCHMARKS.md" ]; then
	python3 "$top/bench/splice.py" "$OUT" "$top/BENCHMARKS.md" "${names[@]}" &&
		echo "replaced the sections of ${names[*]} in $top/BENCHMARKS.md" >&2
fi
