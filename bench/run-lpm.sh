#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-lpm.sh - the lpm row: bench/bench_lpm (common/lpm at 1M IPv4 /32 + 10k shorter
# prefixes, and 1M IPv6 /128 + 10k shorter), RUNS times, pinned to one CPU. No baseline: the
# goals are absolute (ns per lookup, bytes per entry).
. "$(dirname "$0")/lib.sh"
BL=$B/bench/bench_lpm
[ -x "$BL" ] || skip "bench/bench_lpm not built"

for af in v4 v6; do
	AF=IPv4
	[ $af = v6 ] && AF=IPv6
	fig "${af}_single|$AF host-route hit, single lookup|ns/lookup|-|value<=200|lower"
	fig "${af}_batch|$AF host-route hit, batched lookup (lpm_lookup_batch)|ns/lookup|-|value<=100|lower"
	fig "${af}_trie_single|$AF miss in the host hash, trie match, single|ns/lookup|-|value<=200|lower"
	fig "${af}_trie_batch|$AF miss in the host hash, trie match, batched|ns/lookup|-|value<=100|lower"
	fig "${af}_bpe|$AF bytes per entry (lpm_memory / entries)|B/entry|-|value<=64|lower"
	fig "${af}_rss|$AF RSS growth per entry while building|B/entry|-|value<=64|lower"
	fig "${af}_insert|$AF insert|ns/insert|-|-|lower"
done
cmdline "taskset -c $CPU_SUBJ bench/bench_lpm 1000000 10000 2000000"
note "lpm: random addresses; host-route hits are the map-cache's common case (1M /32 or /128 entries); the trie rows look up addresses inside the 10k shorter prefixes that are not host routes (hash miss, then trie)."

for i in $(seq "$RUNS"); do
	out=$(timeout 120 taskset -c "$CPU_SUBJ" "$BL" 1000000 10000 2000000) || { msg "bench_lpm failed"; continue; }
	msg "$out"
	while read -r _ af rest; do
		[ "$af" = v4 ] || [ "$af" = v6 ] || continue
		line="$af $rest"
		res "${af}_single" "$(kv single_ns "$line")"
		res "${af}_batch" "$(kv batch_ns "$line")"
		res "${af}_trie_single" "$(kv trie_single_ns "$line")"
		res "${af}_trie_batch" "$(kv trie_batch_ns "$line")"
		res "${af}_bpe" "$(kv bytes_per_entry "$line")"
		res "${af}_rss" "$(kv rss_bytes_per_entry "$line")"
		res "${af}_insert" "$(kv insert_ns "$line")"
	done <<<"$out"
done
