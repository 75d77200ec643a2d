#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/fuzz/run-fuzz.sh - the LOG_COMPILER of the ".fuzz" tests (tests/fuzz/subdir.am).
#
#   run-fuzz.sh --mode libfuzzer|standalone --corpus DIR path/to/TARGET.fuzz
#
# The seeds of TARGET are DIR/TARGET/ (TARGET = program name without ".fuzz").
# libfuzzer: runs the target for $FUZZ_SECONDS (default 30) on a COPY of the seeds in a temp
#   dir (the source tree is read-only under distcheck), with -timeout and -rss_limit_mb.
#   Any crash, leak, timeout, OOM or sanitizer report fails the test; the reproducer is kept
#   in <builddir>/tests/fuzz/artifacts-TARGET/ (only then: a passing run leaves nothing
#   behind, as distcheck requires) and its path and the stack are printed.
# standalone: runs the program (linked with standalone.c) over the seeds and their
#   deterministic mutations; a crash fails the same way.
# Prints "TARGET: N runs, K crashes" and, last, "1 passed, 0 failed" or "0 passed, 1 failed".
set -u

mode=standalone corpus=
while [ $# -gt 1 ]; do
	case "$1" in
	--mode) mode=$2; shift 2 ;;
	--corpus) corpus=$2; shift 2 ;;
	*) break ;;
	esac
done
prog=${1:?usage: run-fuzz.sh --mode M --corpus DIR TARGET.fuzz}
name=$(basename "$prog" .fuzz)
seeds=$corpus/$name
secs=${FUZZ_SECONDS:-30}
case "$prog" in */*) ;; *) prog=./$prog ;; esac

fail() {
	echo "$name: FAILED: $*"
	echo "0 passed, 1 failed"
	exit 1
}

[ -x "$prog" ] || fail "$prog is not an executable"
[ -d "$seeds" ] || fail "no seed directory $seeds"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzz.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT

# Show where a sanitizer or libFuzzer report starts, and the stack that follows.
show_report() {
	local log=$1
	grep -n -m1 -E '==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer|check failed|CRASH on seed' "$log" |
		cut -d: -f1 | {
		read -r first || first=1
		[ "$first" -gt 5 ] && first=$((first - 5))
		sed -n "${first},\$p" "$log" | head -120
	}
}

case "$mode" in
libfuzzer)
	# Crash inputs land in the temp dir; on failure they are kept in $keep.
	keep=$(cd "$(dirname "$prog")" && pwd)/artifacts-$name
	art=$tmp/artifacts
	rm -rf "$keep" && mkdir "$art" || fail "cannot create $art"
	mkdir "$tmp/corpus" && cp -R "$seeds"/. "$tmp/corpus"/ && chmod -R u+w "$tmp/corpus" ||
		fail "cannot copy the seeds"
	nseeds=$(find "$tmp/corpus" -type f | wc -l)
	echo "$name: libFuzzer for ${secs}s on $nseeds seeds from $seeds"
	# The fuzzer stops itself after max_total_time; the outer timeout only catches a hang of
	# the fuzzer itself (a slow input is its -timeout's job).
	timeout -k 10 $((secs * 2 + 120)) "$prog" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$art/" "$tmp/corpus" >"$tmp/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log" | tail -1)
	crashes=$(find "$art" -type f | wc -l)
	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$tmp/log" | tail -2
	if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ] ||
		grep -qE '==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer' "$tmp/log"; then
		[ "$crashes" -eq 0 ] && crashes=1
		echo "---- report (exit status $rc)"
		show_report "$tmp/log"
		echo "----"
		mkdir -p "$keep"
		for f in "$art"/*; do
			[ -f "$f" ] || continue
			cp "$f" "$keep/" && f=$keep/$(basename "$f")
			echo "reproducer: $f ($(wc -c <"$f") bytes); replay: $prog $f"
			od -A d -t x1 "$f" | head -8
		done
		[ $rc -eq 124 ] && echo "$name: the fuzzer did not stop in time (hang)"
		echo "$name: ${runs:-?} runs, $crashes crashes"
		echo "0 passed, 1 failed"
		exit 1
	fi
	[ -n "$runs" ] || fail "no final stats from libFuzzer (exit status $rc)"
	echo "$name: $runs runs, 0 crashes"
	echo "1 passed, 0 failed"
	;;
standalone)
	# Crash inputs are written to the working directory: use a scratch one, then keep them.
	keep=$(cd "$(dirname "$prog")" && pwd)/artifacts-$name
	abs=$(cd "$(dirname "$prog")" && pwd)/$(basename "$prog")
	(cd "$tmp" && timeout -k 10 600 "$abs" "$seeds") >"$tmp/log" 2>&1
	rc=$?
	last=$(grep -E "^$name: [0-9]+ runs" "$tmp/log" | tail -1)
	if [ $rc -ne 0 ] || [ -z "$last" ]; then
		echo "---- report (exit status $rc)"
		show_report "$tmp/log"
		echo "----"
		rm -rf "$keep" && mkdir -p "$keep"
		for f in "$tmp"/crash-*; do
			[ -f "$f" ] || continue
			cp "$f" "$keep/" && echo "reproducer: $keep/$(basename "$f"); replay: $prog $keep/$(basename "$f")"
			od -A d -t x1 "$f" | head -8
		done
		[ $rc -eq 124 ] && echo "$name: timed out"
		echo "$name: ? runs, 1 crashes"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "$last"
	echo "1 passed, 0 failed"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
