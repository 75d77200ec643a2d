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
for f in "$MSD" "$XTRD" "$LG"; do [ -x "$f" ] || skip "${f##*/} not built"; done
BIRD=$(command -v bird || echo /usr/sbin/bird)
BIRDC=$(command -v birdc || echo /usr/sbin/birdc)
[ -x "$BIRD" ] && [ -x "$BIRDC" ] || skip "BIRD 2 (bird, birdc) not installed"
export LISP_SCHEMA_DIR=$top/schema
ns_new ns rr || skip "cannot create a network namespace (needs root)"
for a in 192.0.2.210 192.0.2.211 192.0.2.230; do ip -n "$ns" addr add $a/32 dev lo; done
T=$BENCH_TMP/rr-push
mkdir -p "$T"

msd_conf() { # FILE PEER PASSIVE
	cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<lisp-msd>
  <listen address="127.0.0.1" port="4343"/>
  <cli address="127.0.0.1" port="2621"/>
  <database path="$T/reg.db" sync="normal"/>
  <log level="warning"/>
  <site name="bench" lifetime="persistent" proxy-reply="true" merge="false">
    <key id="1" algorithm="hmac-sha-256" secret="bench-secret"/>
    <eid-prefix prefix="2001:db8::/32" more-specifics="true"/>
  </site>
  <bgp as="65000" router-id="192.0.2.210">
    <peer address="$2" as="65000" local="192.0.2.210" hold-time="30" connect-retry="1"
          add-path="both" families="ipv4 ipv6"/>
  </bgp>
</lisp-msd>
EOF
}
msd_conf "$T/msd-direct.xml" 192.0.2.211
msd_conf "$T/msd-rr.xml" 192.0.2.230
detr_conf() { # FILE PEER LISTEN
	cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<lisp-xtrd mode="representative">
  <tun name="lisp0"/>
  <rloc address="192.0.2.211"/>
  <probing interval="0"/>
  <map-cache max-entries="$((N * 2))"/>
  <cli address="127.0.0.1" port="2620"/>
  <log level="warning"/>
  <database><mapping eid="2001:db8::/32"/></database>
  <bgp as="65000" router-id="192.0.2.211">
    $3
    <peer address="$2" as="65000" local="192.0.2.211" hold-time="30" connect-retry="1"
          add-path="both" families="ipv4 ipv6"/>
  </bgp>
</lisp-xtrd>
EOF
}
detr_conf "$T/detr-direct.xml" 192.0.2.210 '<listen address="192.0.2.211" port="179"/>'
detr_conf "$T/detr-rr.xml" 192.0.2.230 ''
cat >"$T/bird-rr.conf" <<EOF
log "$T/bird-rr.log" { warning, error, fatal, bug };
router id 192.0.2.230;
protocol device {}
protocol static { ipv4; route 0.0.0.0/0 unreachable; }
protocol static { ipv6; route ::/0 unreachable; }
template bgp cl {
	local 192.0.2.230 as 65000;
	strict bind on;
	rr client;
	rr cluster id 192.0.2.230;
	hold time 30;
	connect delay time 0;
	connect retry time 1;
	ipv4 { import all; export where source = RTS_BGP; add paths on; next hop keep; gateway recursive; };
	ipv6 { import all; export where source = RTS_BGP; add paths on; next hop keep; gateway recursive; extended next hop on; };
}
protocol bgp msd from cl { neighbor 192.0.2.210 as 65000; passive on; }
protocol bgp detr from cl { neighbor 192.0.2.211 as 65000; }
EOF

nsx() { ip netns exec "$ns" "$@"; }
now_ms() { local t=$EPOCHREALTIME; echo $((${t/./} / 1000)); }
lcli() {
	local port=$1
	shift
	{ printf '%s\r\n' "$@"; printf 'quit\r\n'; } | nsx timeout 5 nc -N -w 5 127.0.0.1 "$port" | tr -d '\r'
}
start_pinned() { # NAME CPU CMD...: daemonizing program; PID from $T/NAME.pid
	local name=$1 cpu=$2
	shift 2
	rm -f "$T/$name.pid"
	timeout 20 ip netns exec "$ns" taskset -c "$cpu" "$@" >>"$T/$name.log" 2>&1 || return 1
	wait_for 10 test -s "$T/$name.pid" || return 1
	track_pid "$(cat "$T/$name.pid")"
}
stop_named() { [ -s "$T/$1.pid" ] && stop_pid "$(cat "$T/$1.pid")"; rm -f "$T/$1.pid"; }
detr_up() { [[ $(lcli 2620 "show bgp summary json") =~ \"state\":\ *\"Established\" ]]; }
rr_detr_up() { "$BIRDC" -s "$T/bird.ctl" show protocols detr 2>/dev/null | grep -q Established; }

# poll the D-ETR until it holds N; prints the wall-clock ms then
poll_detr() {
	nsx bash -c '
	N=$1 LIMIT=$2
	ms() { local t=$EPOCHREALTIME; echo $((${t/./} / 1000)); }
	end=$((SECONDS + LIMIT))
	while [ $SECONDS -lt $end ]; do
		o=""
		if exec 3<>/dev/tcp/127.0.0.1/2620; then
			printf "show statistics json\r\nquit\r\n" >&3
			o=$(timeout 5 cat <&3)
			exec 3<&-
		fi 2>/dev/null
		n=0
		[[ $o =~ \"installs\":\ *([0-9]+) ]] && n=${BASH_REMATCH[1]}
		[ "$n" -ge "$N" ] && { ms; exit 0; }
		sleep 0.02
	done
	exit 1' poll "$N" "$POLL_LIMIT"
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
for pass in 1 2 3 4 5; do
	timeout 120 ip netns exec "$ns" taskset -c "$CPU_SUBJ" "$LG" -k register -t 127.0.0.1 -p 4343 \
		-n "$N" -e 2001:db8:: -r 192.0.2.1 -R 32 -c $(((N + 31) / 32)) -w 8 -d 100 -W 0 -x 4 -L 200 >&2
	[[ $(lcli 2621 "show statistics json") =~ \"registrations\":\ *([0-9]+) ]] &&
		[ "${BASH_REMATCH[1]}" -ge "$N" ] && break
done
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
