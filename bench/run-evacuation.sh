#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-evacuation.sh - the evacuation row: lisp-msd's registration rate when a whole
# site's EIDs move at once and the Map-Server must notify the new RLOC of each (arrival
# Map-Notify, ms/notifyq.c), and lisp-register --eids-file end to end.
#
# For N = 10k and 100k distinct EIDs (2001:db8:1::1 + i, IPv6 documentation space), a fresh
# lisp-msd (persistent site, SQLite WAL database) receives N authenticated Map-Registers
# (bench/loadgen: one record each, window 256, M set, pre-signed, the whole pool measured)
# made by a third party (source 127.0.0.1) naming one RLOC, in three cases:
#   acked: RLOC 192.0.2.77, where bench/notify_acker answers every Map-Notify as lisp-xtrd
#          does (same nonce, records echoed, signed);
#   none:  RLOC 192.0.2.78, where nothing listens (no Map-Notify is ever acknowledged);
#   self:  RLOC 127.0.0.1 = the registrant itself: no arrival Map-Notify at all (the
#          baseline: what lisp-msd does without notifications).
# The figure is Map-Notify acknowledgements of the Map-Registers per second over the
# whole pool. After each acked run, `show statistics json` notifyQueue.ackedEids must reach
# N (every arrival notification acknowledged; checked, reported in a note).
# lisp-register: `lisp-register --eids-file` with the N EIDs (RLOC 192.0.2.77, acker
# running) to a fresh lisp-msd: wall-clock time of the whole run (exit 0 required).
# Everything runs in a private namespace (only lo, the two RLOC addresses added to it);
# lisp-msd on CPU $CPU_SUBJ, loadgen / lisp-register / the acker on CPU $CPU_LOAD. The
# three cases alternate their order from one iteration to the next.
. "$(dirname "$0")/lib.sh"
SIZES=(${EVAC_SIZES:-10000 100000})
EIDBASE=2001:db8:1::1
EIDPFX=2001:db8::/32
WINDOW=256
MSD=${EVAC_MSD:-$B/lisp-msd} LG=$B/bench/loadgen ACK=$B/bench/notify_acker REG=$B/lisp-register
need_built "$MSD" "$LG" "$ACK" "$REG"
command -v nc >/dev/null || skip "nc not installed"
ns_new ns ev || skip "cannot create a network namespace (needs root)"
ip -n "$ns" addr add 192.0.2.77/32 dev lo
ip -n "$ns" addr add 192.0.2.78/32 dev lo
T=$BENCH_TMP/evacuation
mkdir -p "$T"
printf 'bench-secret' >"$T/key"

msd_conf "$T/msd.xml" -p 4342 -d "$T/reg.db" -r -e "$EIDPFX"

acked_eids() { [[ $(lcli 2621 "show statistics json") =~ \"ackedEids\":\ *([0-9]+) ]] && echo "${BASH_REMATCH[1]}"; }

start_msd() {
	rm -f "$T"/reg.db*
	daemon_start -c "$CPU_SUBJ" "$T/msd.pid" "$MSD" -f "$T/msd.xml" -p "$T/msd.pid" || return 1
	MPID=$DPID
	wait_for 5 udp_listening "$ns" 4342
}

# run_case CASE N: one loadgen run; R evac_CASE_N
run_case() {
	local c=$1 n=$2 rloc out acked
	case $c in
	acked) rloc=192.0.2.77 ;;
	none) rloc=192.0.2.78 ;;
	self) rloc=127.0.0.1 ;;
	esac
	start_msd || { msg "lisp-msd did not start"; return 1; }
	[ "$c" = acked ] && acker_start "$CPU_LOAD" 192.0.2.77
	out=$(timeout 200 ip netns exec "$ns" taskset -c "$CPU_LOAD" "$LG" -k register -t 127.0.0.1 -p 4342 -x 4 \
		-w "$WINDOW" -e "$EIDBASE" -n "$n" -c "$n" -d 120 -W 0 -L 300 -r "$rloc" -D 1 -P "$MPID") ||
		msg "loadgen ($c $n) failed"
	msg "$c $n: $out"
	local regs
	regs=$(kv replies "$out")
	if [ "$c" = acked ]; then
		# every registered EID (a Map-Register whose ack the generator wrote off as lost
		# was not registered) gets its arrival notification acknowledged
		wait_for 20 test "$(acked_eids)" = "$regs" || msg "acked $n: $(acked_eids) of $regs arrival notifications acknowledged"
		ACKED_LAST=$(acked_eids)
		stop_pid "$APID"
	fi
	stop_pid "$MPID"
	[ -n "$out" ] && [ "$(kv pool_exhausted "$out")" = 1 ] || return 1
	res "evac_${c}_$n" "$(kv replies_per_s "$out")"
	# per CPU-second of lisp-msd: what the work costs, whatever share of the CPU the
	# shared machine gave it during the run
	res "evac_${c}_${n}_per_cpu" "$(per_cpu "$(kv replies_per_s "$out")" "$(kv cpu "$out")")"
	[ "$c" = acked ] && res "evac_acked_${n}_notified" \
		"$(awk -v a="${ACKED_LAST:-0}" -v r="$regs" 'BEGIN { printf "%.2f", (r > 0 ? 100 * a / r : 0) }')"
	return 0
}

# run_register N: lisp-register --eids-file, wall clock
run_register() {
	local n=$1 t0 t1 rc=0
	eids_file "$n" "$T/eids-$n.txt"
	start_msd || return 1
	acker_start "$CPU_LOAD" 192.0.2.77
	t0=$(date +%s.%N)
	nsx taskset -c "$CPU_LOAD" timeout 300 "$REG" --ms 127.0.0.1 --key-file "$T/key" \
		--eids-file "$T/eids-$n.txt" --rloc 192.0.2.77 --json >"$T/reg-$n.json" || rc=$?
	t1=$(date +%s.%N)
	stop_pid "$APID"
	stop_pid "$MPID"
	[ $rc = 0 ] || { msg "lisp-register $n: exit $rc"; return 1; }
	res "register_$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
	res "register_${n}_msgs" "$(jq .messages "$T/reg-$n.json")"
}

for n in "${SIZES[@]}"; do
	k=$((n / 1000))k
	fig "evac_acked_$n|lisp-msd, $k EIDs moved at once to one new RLOC that acknowledges every arrival Map-Notify|registrations/s|evac_self_$n|ratio>=0.8|higher"
	fig "evac_none_$n|lisp-msd, $k EIDs moved at once to one new RLOC that acknowledges none|registrations/s|evac_self_$n|ratio>=0.8|higher"
	fig "evac_self_$n|baseline: lisp-msd, $k EIDs registered by their own RLOC (no arrival Map-Notify)|registrations/s|-|-|higher"
	fig "evac_acked_${n}_per_cpu|... acknowledged: registrations per CPU-second of lisp-msd ($k)|registrations/CPU-s|evac_self_${n}_per_cpu|ratio>=0.8|higher"
	fig "evac_none_${n}_per_cpu|... none acknowledged: registrations per CPU-second of lisp-msd ($k)|registrations/CPU-s|evac_self_${n}_per_cpu|ratio>=0.8|higher"
	fig "evac_self_${n}_per_cpu|baseline: no arrival Map-Notify, registrations per CPU-second of lisp-msd ($k)|registrations/CPU-s|-|-|higher"
	fig "evac_acked_${n}_notified|arrival notifications acknowledged after the $k acked run, of the EIDs registered|%|-|value>=100|higher"
	fig "register_$n|lisp-register --eids-file, $k EIDs (one RLOC) to lisp-msd, acknowledged, wall clock|s|-|-|lower"
	fig "register_${n}_msgs|Map-Registers lisp-register sent for $k EIDs|messages|-|-|lower"
done
cmdline "ip netns exec NS taskset -c $CPU_SUBJ lisp-msd -f msd.xml -p msd.pid   (site persistent, proxy-reply, key 1 hmac-sha-256, eid-prefix $EIDPFX, database sync=normal, <map-notify> defaults)"
cmdline "ip netns exec NS taskset -c $CPU_LOAD bench/loadgen -k register -t 127.0.0.1 -p 4342 -x 4 -w $WINDOW -e $EIDBASE -n N -c N -d 120 -W 0 -L 300 -r RLOC -D 1 -P PID   (RLOC 192.0.2.77 acked, 192.0.2.78 none, 127.0.0.1 self)"
cmdline "ip netns exec NS taskset -c $CPU_LOAD bench/notify_acker -a 192.0.2.77"
cmdline "ip netns exec NS taskset -c $CPU_LOAD lisp-register --ms 127.0.0.1 --key-file KEY --eids-file eids-N.txt --rloc 192.0.2.77 --json"
note "evacuation: the per-CPU figures divide the rate by the CPU lisp-msd used during the run (cpu=1.00 is one core): on the shared machine lisp-msd often gets half a core, and the rate follows what it gets; the per-CPU ratio is what the notifications cost it."
note "evacuation: every case registers N fresh EIDs (a new database each run) from 127.0.0.1; 'acked' and 'none' are third-party registrations (the RLOC did not send them), so each EID gets an arrival Map-Notify to 192.0.2.77 / 192.0.2.78, coalesced per destination (up to 32 records per Map-Notify, 64 unacknowledged per destination, retransmissions budgeted per tick, held EIDs bounded by <map-notify max-pending>, default 262144). The rate is over the whole pool (no warm-up), lisp-msd alone on CPU $CPU_SUBJ; the generator and the acker share CPU $CPU_LOAD."
printf 'WHY evac_none_100000|%s\n' "before ms/notifyq.c each EID's arrival Map-Notify was signed, stored (136 B + message) and retransmitted on its own; unacknowledged ones were all retransmitted in one tick, which competed with the registrations."

order=(acked none self)
for i in $(seq "$RUNS"); do
	for n in "${SIZES[@]}"; do
		for j in 0 1 2; do
			run_case "${order[(j + i) % 3]}" "$n"
		done
		run_register "$n"
	done
done
