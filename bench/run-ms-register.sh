#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-ms-register.sh [register|request] - control-plane throughput (BENCHMARKS.md rows
# ms-register and mr-request; bench/run-mr-request.sh calls this with "request").
#
# register: bench/loadgen sends authenticated Map-Registers (HMAC-SHA-256, pre-signed,
#   nonces rising, P and M set) for 10k distinct EIDs to lisp-msd (persistent site, SQLite
#   WAL database in $BENCH_TMP) and counts Map-Notify acknowledgements per second.
# request: lisp-msd holds the 10k registrations (proxy reply); loadgen sends ECM Map-Requests
#   to lisp-mrd, which forwards them to lisp-msd, which answers the Map-Reply straight to
#   the generator; Map-Replies per second are counted.
# Baseline, same iteration: bench/echo_server (the same common/udpio socket code) in the
# daemon's place, driven by the same loadgen with the same pre-built packets.
# Everything runs in a private namespace (only lo, so nothing can leave it); the daemons
# and the echo server are pinned to CPU $CPU_SUBJ, the generator to CPU $CPU_LOAD.
# EIDs: 2001:db8:1::1 + i, IPv6 documentation space (RFC 3849; 10k IPv4 host EIDs do not fit
# the RFC 5737 /24s), over IPv4 transport; RLOCs: 192.0.2.0/24 (RFC 5737). In request mode
# the inner (ECM) source is 2001:db8:ffff::1 and the Map-Reply goes to the ITR-RLOC.
. "$(dirname "$0")/lib.sh"
mode=${1:-register}
SECS=${BENCH_SECS:-2}
NEIDS=10000
EIDBASE=2001:db8:1::1
EIDPFX=2001:db8::/32
WINDOW=256
POOL=${BENCH_POOL:-800000}

MSD=$B/lisp-msd MRD=$B/lisp-mrd ECHO=$B/bench/echo_server LG=$B/bench/loadgen
need_built "$MSD" "$ECHO" "$LG"
[ "$mode" = request ] && need_built "$MRD"
ns_new ns cp || skip "cannot create a network namespace (needs root)"
T=$BENCH_TMP/ctl-$mode
mkdir -p "$T"

mrd_conf() {
	cat >"$T/mrd.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<lisp-mrd>
  <listen address="127.0.0.1" port="4342"/>
  <cli address="127.0.0.1" port="2622"/>
  <log level="warning"/>
  <rate-limit per-source="0" global="0"/>
  <eid-prefix prefix="$EIDPFX">
    <map-server address="127.0.0.1" port="4343"/>
  </eid-prefix>
</lisp-mrd>
EOF
}

# start_daemon PROG CONF PIDFILE: daemonize (logs at the configured level, not debug) in the
# namespace on the subject CPU; the PID is left in $DPID (and tracked for the cleanup).
start_daemon() { daemon_start -c "$CPU_SUBJ" "$3" "$1" -f "$2" -p "$3"; }

# res_rate ID RATE CPU: the R lines ID_rps, ID_cpu and ID_per_cpu
res_rate() {
	res "$1_rps" "$2"
	res "$1_cpu" "$3"
	res "$1_per_cpu" "$(per_cpu "$2" "$3")"
}

# loadgen ARGS...: one generator run on the load CPU; prints its result line.
loadgen() {
	timeout $((${SECS%.*} + 60)) ip netns exec "$ns" taskset -c "$CPU_LOAD" "$LG" -w "$WINDOW" \
		-e "$EIDBASE" -n "$NEIDS" -c "$POOL" -d "$SECS" -W 0.5 "$@"
}

# drive ID NAME PID ARGS...: one loadgen run (ARGS) against the process PID, whose CPU it
# measures; then PID is stopped and the run gives the R lines ID_rps, ID_cpu, ID_per_cpu.
drive() {
	local id=$1 name=$2 pid=$3 out
	shift 3
	out=$(loadgen "$@" -P "$pid") || msg "loadgen ($name) failed"
	msg "$name: $out"
	stop_pid "$pid"
	[ -n "$out" ] || return 1
	res_rate "$id" "$(kv replies_per_s "$out")" "$(kv cpu "$out")"
}

run_echo() {
	ip netns exec "$ns" taskset -c "$CPU_SUBJ" "$ECHO" -a 127.0.0.1 -p 4342 -t 120 \
		>"$T/echo.log" 2>&1 &
	local epid=$!
	track_pid "$epid"
	wait_for 5 udp_listening "$ns" 4342 || { msg "echo server did not start"; return 1; }
	drive echo echo "$epid" -k "$mode" -t 127.0.0.1 -p 4342
}

run_register() {
	rm -f "$T"/reg.db*
	msd_conf "$T/msd.xml" -p 4342 -d "$T/reg.db" -r -e "$EIDPFX"
	start_daemon "$MSD" "$T/msd.xml" "$T/msd.pid" || { msg "lisp-msd did not start"; cat "$T/daemons.log" >&2; return 1; }
	wait_for 5 udp_listening "$ns" 4342
	drive subj msd "$DPID" -k register -t 127.0.0.1 -p 4342 -x 4
}

run_request() {
	rm -f "$T"/reg.db*
	msd_conf "$T/msd.xml" -p 4343 -d "$T/reg.db" -r -e "$EIDPFX"
	mrd_conf
	local mpid rpid out c0 c1 t0 t1
	start_daemon "$MSD" "$T/msd.xml" "$T/msd.pid" || { msg "lisp-msd did not start"; return 1; }
	mpid=$DPID
	start_daemon "$MRD" "$T/mrd.xml" "$T/mrd.pid" || { msg "lisp-mrd did not start"; return 1; }
	rpid=$DPID
	wait_for 5 udp_listening "$ns" 4343
	wait_for 5 udp_listening "$ns" 4342
	# the 10k registrations the Map-Server answers from (pool = exactly one per EID)
	timeout 60 ip netns exec "$ns" "$LG" -k register -t 127.0.0.1 -p 4343 -x 4 -e "$EIDBASE" -n "$NEIDS" \
		-c "$NEIDS" -w 64 -W 0 -d 20 >/dev/null || msg "registration pass failed"
	c0=$(cpu_ticks "$mpid")
	t0=$(date +%s.%N)
	out=$(loadgen -k request -t 127.0.0.1 -p 4342 -x 2 -P "$rpid") || msg "loadgen (mrd) failed"
	t1=$(date +%s.%N)
	c1=$(cpu_ticks "$mpid")
	msg "mrd+msd: $out"
	stop_pid "$rpid"
	stop_pid "$mpid"
	[ -n "$out" ] || return 1
	local r mrcpu mscpu
	r=$(kv replies_per_s "$out")
	mrcpu=$(kv cpu "$out")
	# msd CPU over the whole generator run (warmup included): an approximation
	mscpu=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" \
		'BEGIN { printf "%.2f", (b - a) / hz / (t1 - t0) }')
	res_rate subj "$r" "$(awk -v a="$mrcpu" -v b="$mscpu" 'BEGIN { printf "%.2f", a + b }')"
}

if [ "$mode" = register ]; then
	fig "subj_rps|lisp-msd Map-Register -> Map-Notify (HMAC-SHA-256, 10k EIDs, SQLite WAL)|replies/s|echo_rps|ratio>=0.8|higher"
	fig "subj_per_cpu|lisp-msd replies per CPU-second of lisp-msd|replies/CPU-s|echo_per_cpu|-|higher"
	fig "subj_cpu|CPU used by lisp-msd|cores|-|-|lower"
else
	fig "subj_rps|lisp-mrd + lisp-msd: ECM Map-Request -> proxy Map-Reply (10k EIDs)|replies/s|echo_rps|ratio>=0.8|higher"
	fig "subj_per_cpu|Map-Replies per CPU-second of lisp-mrd + lisp-msd|replies/CPU-s|echo_per_cpu|-|higher"
	fig "subj_cpu|CPU used by lisp-mrd + lisp-msd|cores|-|-|lower"
fi
fig "echo_rps|baseline: echo_server (common/udpio), same generator and packets|replies/s|-|-|higher"
fig "echo_per_cpu|baseline: echo replies per CPU-second of echo_server|replies/CPU-s|-|-|higher"
fig "echo_cpu|CPU used by echo_server|cores|-|-|lower"
cmdline "ip netns exec NS taskset -c $CPU_SUBJ bench/echo_server -a 127.0.0.1 -p 4342"
if [ "$mode" = register ]; then
	cmdline "ip netns exec NS taskset -c $CPU_SUBJ lisp-msd -f msd.xml -p msd.pid   (site persistent, proxy-reply, key 1 hmac-sha-256, eid-prefix $EIDPFX, database sync=normal)"
	cmdline "ip netns exec NS taskset -c $CPU_LOAD bench/loadgen -k register -t 127.0.0.1 -p 4342 -x 4 -w $WINDOW -e $EIDBASE -n $NEIDS -c $POOL -d $SECS -W 0.5 -P PID"
else
	cmdline "ip netns exec NS taskset -c $CPU_SUBJ lisp-msd -f msd.xml -p msd.pid   (port 4343, 10k registrations made first with loadgen -k register -c 10000, <rate-limit per-destination=\"0\">: every Map-Reply goes to the generator's one ITR-RLOC)"
	cmdline "ip netns exec NS taskset -c $CPU_SUBJ lisp-mrd -f mrd.xml -p mrd.pid   (port 4342, rate limits off, $EIDPFX -> 127.0.0.1:4343)"
	cmdline "ip netns exec NS taskset -c $CPU_LOAD bench/loadgen -k request -t 127.0.0.1 -p 4342 -x 2 -w $WINDOW -e $EIDBASE -n $NEIDS -c $POOL -d $SECS -W 0.5 -P PID"
	note "mr-request: lisp-mrd and lisp-msd share the one subject CPU (two hops, two processes) while the echo baseline is one process; the Map-Resolver's rate limits and the Map-Server's per-destination limit are disabled for the measurement (the generator is one ITR-RLOC)."
fi
note "$mode: window $WINDOW requests outstanding, $NEIDS distinct EIDs, ${SECS}s measured after 0.5 s warm-up; subject on CPU $CPU_SUBJ, generator on CPU $CPU_LOAD; subject and echo alternate which goes first in each iteration."

if [ "$mode" = register ]; then
	printf 'WHY subj_rps|%s\n' "before commit dbf803b, perf (lisp-msd under this load, 3 s at 999 Hz): 56% of its CPU was kernel (sendmmsg 42%, recvmmsg 7%); the user-space rest: clearing/copying of max-size structs (32-record Map-Register parse and Map-Notify build, 1360-B struct ms_reg), HMAC-SHA-256 verify + sign, one SQLite replay-counter row per message, the 200-ms expiry walk. dbf803b removed the struct clearing/copies, the per-message replay row and the walk; not re-profiled since (the subject used 0.6-0.8 of a core in these runs: it waits on the generator's window as much as on its own CPU)." 
else
	printf 'WHY subj_rps|%s\n' "two daemons and two extra socket hops (ITR -> lisp-mrd -> lisp-msd -> ITR) share the subject CPU where the echo baseline is one process with one hop: each hop costs about one echo's worth of recvmmsg/sendmmsg, so the chain is bounded near 0.5 x echo before any LISP work; not profiled further."
fi

for i in $(seq "$RUNS"); do
	if [ $((i % 2)) = 1 ]; then
		run_echo
		run_$mode
	else
		run_$mode
		run_echo
	fi
done
