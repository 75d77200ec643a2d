#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-evacuation-rr.sh - the evacuation-rr rows: N EIDs (10k, 100k) moved at once by
# the controller (`lisp-register --eids-file`), from its first Map-Register until every
# D-ETR holds all N with the new RLOC, through a BIRD 2 route reflector.
#
# Setup (as bench/run-rr-push.sh): one private namespace (only lo), speakers on 192.0.2.x/32
# addresses of lo, iBGP AS 65000: lisp-msd 192.0.2.210 (Map-Register on 127.0.0.1:4343,
# persistent site, SQLite store), BIRD 2 reflector 192.0.2.230 (rr client, ADD-PATH on,
# next hop keep), two D-ETRs (lisp-xtrd representative mode) 192.0.2.211 (CLI 2620) and
# 192.0.2.212 (CLI 2623), both reflector clients with ADD-PATH. RLOC A 192.0.2.77 and
# RLOC B 192.0.2.78 are on lo, each with bench/notify_acker answering the arrival
# Map-Notifies (as the site xTRs would).
# Per N: N IPv6 host EIDs 2001:db8:1::1 upwards registered at RLOC A (lisp-register
# --eids-file), both D-ETRs hold all N at A; then each iteration moves all N to the other
# RLOC (A -> B, B -> A, ...): the clock starts before `lisp-register --eids-file` starts
# and stops when both D-ETRs hold all N with the new RLOC and none with the old one
# (`show map-cache count rloc ADDR json` on each D-ETR's CLI, polled every 20 ms over
# bash's /dev/tcp, bounded). Figures: that time (goal 10k <= 0.5 s, 100k <= 3 s) and
# lisp-register's own wall-clock time (exit 0 required).
# lisp-msd on CPU $CPU_LOAD; the reflector, the D-ETRs, lisp-register and the ackers on CPU
# $CPU_SUBJ (only two cores).
. "$(dirname "$0")/lib.sh"
SIZES=(${EVAC_RR_SIZES:-10000 100000})
POLL_LIMIT=${EVAC_RR_LIMIT:-60}
RA=192.0.2.77 RB=192.0.2.78

MSD=$B/lisp-msd XTRD=$B/lisp-xtrd REG=$B/lisp-register ACK=$B/bench/notify_acker
need_built "$MSD" "$XTRD" "$REG" "$ACK"
need_bird
command -v nc >/dev/null || skip "nc not installed"
export LISP_SCHEMA_DIR=$top/schema
ns_new ns er || skip "cannot create a network namespace (needs root)"
for a in 192.0.2.210 192.0.2.211 192.0.2.212 192.0.2.230 $RA $RB; do ip -n "$ns" addr add $a/32 dev lo; done
T=$BENCH_TMP/evacuation-rr
mkdir -p "$T"
printf 'bench-secret' >"$T/key"

msd_conf "$T/msd.xml" -d "$T/reg.db" -r "$(bgp_xml 192.0.2.210 192.0.2.230)"
bird_rr_conf "$T/bird-rr.conf" detr1:192.0.2.211 detr2:192.0.2.212

rr_up() { [ "$("$BIRDC" -s "$T/bird.ctl" show protocols 2>/dev/null | grep -c Established)" = 3 ]; }
count_at() { # CLI-PORT RLOC
	[[ $(lcli "$1" "show map-cache count rloc $2 json") =~ \"count\":\ *([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
all_at() { # N RLOC: both D-ETRs hold all N at RLOC
	[ "$(count_at 2620 "$2")" = "$1" ] && [ "$(count_at 2623 "$2")" = "$1" ]
}

# poll both D-ETRs until each holds N at NEW and none at OLD; prints the wall-clock ms
# (EPOCHREALTIME) when the second one got there. Bounded by LIMIT seconds.
poll_both() { # N NEW OLD
	ns_poll '
	N=$1 NEW=$2 OLD=$3 LIMIT=$4
	declare -A done=()
	end=$((SECONDS + LIMIT))
	while [ $SECONDS -lt $end ]; do
		for port in 2620 2623; do
			[ -n "${done[$port]:-}" ] && continue
			tcp_cli o $port "show map-cache count rloc $NEW json" "show map-cache count rloc $OLD json"
			if [[ $o =~ \"count\":\ *([0-9]+)[^0-9]+\"count\":\ *([0-9]+) ]] &&
				[ "${BASH_REMATCH[1]}" -ge "$N" ] && [ "${BASH_REMATCH[2]}" = 0 ]; then
				done[$port]=$(now_ms)
			fi
		done
		if [ ${#done[@]} = 2 ]; then
			echo "${done[2620]} ${done[2623]}"
			exit 0
		fi
		sleep 0.02
	done
	exit 1' "$@" "$POLL_LIMIT"
}

register() { # N RLOC: lisp-register --eids-file; prints its wall-clock s
	local n=$1 t0 t1 rc=0
	t0=$EPOCHREALTIME
	nsx taskset -c "$CPU_SUBJ" timeout 120 "$REG" --ms 127.0.0.1:4343 --key-file "$T/key" \
		--eids-file "$T/eids-$n.txt" --rloc "$2" --json >"$T/reg-$n.json" 2>>"$T/reg.log" || rc=$?
	t1=$EPOCHREALTIME
	[ $rc = 0 ] || { msg "lisp-register $n -> $2: exit $rc ($(head -c 300 "$T/reg-$n.json"))"; return 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

stop_all() {
	stop_named msd
	stop_named bird
	stop_named detr1
	stop_named detr2
	[ -n "${APID:-}" ] && stop_pid "$APID"
	APID=""
}

setup() { # N: fresh store, every daemon up, the three sessions Established
	local n=$1
	rm -f "$T"/reg.db*
	detr_conf "$T/detr1.xml" 192.0.2.211 192.0.2.230 $((n * 2)) -t lisp0 -c 2620 -u 4351:4352
	detr_conf "$T/detr2.xml" 192.0.2.212 192.0.2.230 $((n * 2)) -t lisp1 -c 2623 -u 4361:4362
	acker_start "$CPU_SUBJ" $RA $RB || { msg "notify_acker did not start"; return 1; }
	start_pinned bird "$CPU_SUBJ" "$BIRD" -c "$T/bird-rr.conf" -s "$T/bird.ctl" -P "$T/bird.pid" || { msg "bird did not start"; return 1; }
	start_pinned detr1 "$CPU_SUBJ" "$XTRD" -f "$T/detr1.xml" -p "$T/detr1.pid" || { msg "D-ETR 1 did not start (see $T/detr1.log)"; return 1; }
	start_pinned detr2 "$CPU_SUBJ" "$XTRD" -f "$T/detr2.xml" -p "$T/detr2.pid" || { msg "D-ETR 2 did not start (see $T/detr2.log)"; return 1; }
	start_pinned msd "$CPU_LOAD" "$MSD" -f "$T/msd.xml" -p "$T/msd.pid" || { msg "lisp-msd did not start (see $T/msd.log)"; return 1; }
	wait_for 30 rr_up || { msg "reflector: not all three sessions Established"; return 1; }
}

for n in "${SIZES[@]}"; do
	k=$((n / 1000))k
	g=0.5
	[ "$n" -gt 10000 ] && g=3
	fig "evac_rr_$n|$k EIDs moved at once: controller's first Map-Register -> both D-ETRs (through the reflector) hold all $k at the new RLOC|s|-|value<=$g|lower"
	fig "evac_rr_${n}_register|lisp-register --eids-file, $k EIDs moved, its own wall clock|s|-|-|lower"
done
cmdline "ip netns exec NS taskset -c $CPU_SUBJ bird -c bird-rr.conf  # rr client, add paths on, next hop keep, gateway recursive; clients lisp-msd (passive) and two D-ETRs"
cmdline "ip netns exec NS taskset -c $CPU_SUBJ lisp-xtrd -f detr1.xml | detr2.xml  # representative mode, 192.0.2.211 / .212, peer the reflector 192.0.2.230 (ADD-PATH), CLI 2620 / 2623"
cmdline "ip netns exec NS taskset -c $CPU_LOAD lisp-msd -f msd.xml  # persistent site 2001:db8::/32, SQLite store, peer the reflector (ADD-PATH)"
cmdline "ip netns exec NS taskset -c $CPU_SUBJ bench/notify_acker -a $RA -a $RB  # the arrival Map-Notifies of both RLOCs acknowledged"
cmdline "ip netns exec NS taskset -c $CPU_SUBJ lisp-register --ms 127.0.0.1:4343 --key-file KEY --eids-file eids-N.txt --rloc $RA|$RB --json  # N EIDs 2001:db8:1::1 upwards, /128; first at $RA (untimed), then moved back and forth"
cmdline "poll every 20 ms, each D-ETR's CLI: show map-cache count rloc NEW json; show map-cache count rloc OLD json  # done when NEW = N and OLD = 0 at both"

fails=0
for n in "${SIZES[@]}"; do
	eids_file "$n" "$T/eids-$n.txt"
	if ! setup "$n"; then
		stop_all
		fails=$((fails + 1))
		note "evacuation-rr: $n: not measured (the setup failed: see the log)"
		continue
	fi
	if ! register "$n" $RA >/dev/null || ! wait_for "$POLL_LIMIT" all_at "$n" $RA; then
		msg "$n: the first registration at $RA did not reach both D-ETRs ($(count_at 2620 $RA), $(count_at 2623 $RA))"
		stop_all
		fails=$((fails + 1))
		continue
	fi
	old=$RA new=$RB
	for ((it = 0; it < RUNS; it++)); do
		poll_both "$n" $new $old >"$T/poll.out" &
		ppid=$!
		t0=$EPOCHREALTIME
		rt=$(register "$n" $new) || rt=""
		wait "$ppid"
		prc=$?
		read -r d1 d2 <"$T/poll.out" || true
		if [ $prc != 0 ] || [ -z "$rt" ] || [ -z "${d2:-}" ]; then
			msg "$n iteration $it ($old -> $new): failed (lisp-register '${rt}', D-ETRs $(count_at 2620 $new) / $(count_at 2623 $new) of $n at $new in $POLL_LIMIT s)"
			fails=$((fails + 1))
			break
		fi
		t0ms=$((${t0/./} / 1000))
		both=$((d1 > d2 ? d1 : d2))
		tb=$(awk -v a="$t0ms" -v b="$both" 'BEGIN { printf "%.3f", (b - a) / 1000 }')
		msg "$n iteration $it ($old -> $new): both D-ETRs $tb s (D-ETR 1 $((d1 - t0ms)) ms, D-ETR 2 $((d2 - t0ms)) ms), lisp-register $rt s"
		res "evac_rr_$n" "$tb"
		res "evac_rr_${n}_register" "$rt"
		tmp=$old old=$new new=$tmp
	done
	stop_all
done
note "evacuation-rr: lisp-msd on CPU $CPU_LOAD; the reflector, both D-ETRs, lisp-register and the acker share CPU $CPU_SUBJ, so the figure includes BIRD's and both D-ETRs' work on one core; polling every 20 ms plus the poll's own time (two counts per D-ETR over 100k entries)."
note "evacuation-rr: each iteration moves all N EIDs to the other RLOC (A -> B, then B -> A, ...) with the same daemons; the first registration at A is not timed."
[ $fails -eq 0 ] || note "evacuation-rr: $fails measurement(s) failed; see the log"
exit 0
