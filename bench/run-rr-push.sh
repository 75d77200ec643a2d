#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-rr-push.sh [--quick] - the rr-push row: N host mappings (default 100k) from
# lisp-msd to a D-ETR through a BIRD 2 route reflector (rr client, ADD-PATH on, next hop
# keep), against the same lisp-msd -> D-ETR directly (the baseline, same iterations).
#
# Setup: one private namespace (only lo), speakers on 192.0.2.x/32 addresses of lo: lisp-msd
# 192.0.2.210 (Map-Register on 127.0.0.1:4343), D-ETR 192.0.2.211, BIRD reflector
# 192.0.2.230; iBGP AS 65000. Mappings: N IPv6 host EIDs 2001:db8::/128 upwards, RLOC
# 192.0.2.(1 + i % 200), registered once with bench/loadgen into a persistent site (SQLite),
# loaded by every lisp-msd start (as in bench/run-bgp-push.sh).
# One iteration, each path (order alternating): the receivers are up first (direct: the
# D-ETR, listening; reflected: the reflector and the D-ETR with their session Established);
# then lisp-msd starts (pinned to CPU $CPU_LOAD; it loads the store and connects). The figure
# is the time from lisp-msd's start to the D-ETR holding all N in its map-cache (`show
# statistics json` .bgp.installs, polled every 20 ms over bash's /dev/tcp).
# --quick: 10k mappings, one iteration.
. "$(dirname "$0")/lib.sh"
N=${BENCH_RR_N:-100000}
ITER=$RUNS
if [ "${1:-}" = --quick ]; then
	N=10000
	ITER=1
fi
POLL_LIMIT=${BENCH_RR_LIMIT:-90}

MSD=$B/lisp-msd XTRD=$B/lisp-xtrd LG=$B/bench/loadgen
need_built "$MSD" "$XTRD" "$LG"
need_bird
export LISP_SCHEMA_DIR=$top/schema
ns_new ns rr || skip "cannot create a network namespace (needs root)"
for a in 192.0.2.210 192.0.2.211 192.0.2.230; do ip -n "$ns" addr add $a/32 dev lo; done
T=$BENCH_TMP/rr-push
mkdir -p "$T"

# the two paths differ only in lisp-msd's and the D-ETR's peer (each other, or the
# reflector); directly, the D-ETR listens and lisp-msd connects
msd_conf "$T/msd-direct.xml" -d "$T/reg.db" "$(bgp_xml 192.0.2.210 192.0.2.211)"
msd_conf "$T/msd-rr.xml" -d "$T/reg.db" "$(bgp_xml 192.0.2.210 192.0.2.230)"
detr_conf "$T/detr-direct.xml" 192.0.2.211 192.0.2.210 $((N * 2)) -l
detr_conf "$T/detr-rr.xml" 192.0.2.211 192.0.2.230 $((N * 2))
bird_rr_conf "$T/bird-rr.conf" detr:192.0.2.211

rr_detr_up() { "$BIRDC" -s "$T/bird.ctl" show protocols detr 2>/dev/null | grep -q Established; }

# poll the D-ETR until it holds N; prints the wall-clock ms then
poll_detr() {
	ns_poll '
	N=$1 LIMIT=$2
	end=$((SECONDS + LIMIT))
	while [ $SECONDS -lt $end ]; do
		tcp_cli o 2620 "show statistics json"
		n=0
		[[ $o =~ \"installs\":\ *([0-9]+) ]] && n=${BASH_REMATCH[1]}
		[ "$n" -ge "$N" ] && { now_ms; exit 0; }
		sleep 0.02
	done
	exit 1' "$N" "$POLL_LIMIT"
}

# one_run direct|rr -> ms from lisp-msd's start to all N at the D-ETR
one_run() {
	local how=$1 t0 t rc=1
	start_pinned detr "$CPU_SUBJ" "$XTRD" -f "$T/detr-$how.xml" -p "$T/detr.pid" || return 1
	if [ "$how" = rr ]; then
		start_pinned bird "$CPU_SUBJ" "$BIRD" -c "$T/bird-rr.conf" -s "$T/bird.ctl" -P "$T/bird.pid" &&
			wait_for 30 rr_detr_up || { msg "reflector <-> D-ETR not Established"; stop_named bird; stop_named detr; return 1; }
	fi
	t0=$(now_ms)
	if start_pinned msd "$CPU_LOAD" "$MSD" -f "$T/msd-$how.xml" -p "$T/msd.pid"; then
		t=$(poll_detr)
		rc=$?
	fi
	stop_named msd
	stop_named bird
	stop_named detr
	[ $rc -eq 0 ] || { msg "$how: the D-ETR did not get all $N in $POLL_LIMIT s"; return 1; }
	echo $((t - t0))
}

msg "registering $N mappings (loadgen, 32 EIDs per Map-Register)"
start_pinned msd "$CPU_LOAD" "$MSD" -f "$T/msd-direct.xml" -p "$T/msd.pid" || skip "lisp-msd does not start (see $T/msd.log)"
loadgen_fill 5 "$N" "$CPU_SUBJ" -k register -t 127.0.0.1 -p 4343 -n "$N" -e 2001:db8:: \
	-r 192.0.2.1 -R 32 -c $(((N + 31) / 32)) -w 8 -d 100 -W 0 -x 4 -L 200
stop_named msd

cmdline "loadgen -k register -t 127.0.0.1 -p 4343 -n $N -e 2001:db8:: -r 192.0.2.1 -R 32 -c $(((N + 31) / 32)) -w 8 -x 4  # once: lisp-msd persistent site, SQLite store"
cmdline "taskset -c $CPU_SUBJ lisp-xtrd -f detr-direct.xml  # listens 192.0.2.211:179, peer lisp-msd 192.0.2.210 (ADD-PATH)"
cmdline "taskset -c $CPU_SUBJ bird -c bird-rr.conf  # rr client, add paths on, next hop keep, gateway recursive; clients lisp-msd (passive) and the D-ETR; then lisp-xtrd -f detr-rr.xml (peer 192.0.2.230)"
cmdline "taskset -c $CPU_LOAD lisp-msd -f msd-direct.xml | msd-rr.xml  # started last: loads the $N registrations and connects; the clock runs from here"
fig "rr|lisp-msd -> BIRD 2 reflector -> D-ETR, $N IPv6 host mappings: lisp-msd start -> all in the D-ETR's map-cache|ms|direct|ratio<=1.2|lower"
fig "direct|lisp-msd -> D-ETR directly: lisp-msd start -> all in the map-cache|ms|-|-|lower"

fails=0
for ((it = 0; it < ITER; it++)); do
	if [ $((it % 2)) -eq 0 ]; then order="direct rr"; else order="rr direct"; fi
	for how in $order; do
		if r=$(one_run "$how"); then
			msg "iteration $it: $how: $r ms"
			res "$how" "$r"
		else
			fails=$((fails + 1))
		fi
	done
done
note "The reflector and the D-ETR share CPU $CPU_SUBJ (lisp-msd has CPU $CPU_LOAD), so the reflected path also measures BIRD's work on the receiver's core; polling every 20 ms plus the poll's own time."
[ $fails -eq 0 ] || note "$fails measurement(s) failed; see the log"
exit 0
