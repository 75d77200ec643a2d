#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-migration.sh - the migration section: the representative ETR against the two
# classic LISP baselines on the demo's topology (scripts/demo.sh --json --no-build with the
# bench's -O2 binaries), with real WAN delays (netem, or the delay line tests/wan/delayline
# where the kernel has none). Each iteration runs each scenario in the three modes, one fresh
# topology per run, the order of the modes rotating (docs/evaluation.md says what each mode
# configures and why, and how each figure is defined):
#   live-D: the VM moves, site A stays, one-way WAN delay D = 0, 10, 50 ms, three flows
#     (outside LISP host, non-LISP client, a VM staying in site A) at RATE packets/s;
#   lost: site A's xTR killed and its uplink down, the VM restarts at site B, 10 ms, two
#     flows at RATE; loss counted from the moment the VM answers at B;
#   many: ITRS outside LISP sites (one lisp-xtrd each) talking to VMS VMs while MOVING of them
#     move, 10 ms, one flow per site at MANY_RATE.
# A run that loses any packet sent before the migration window (the machine's own loss, not
# the migration's) is invalid: reported in the notes, its figures not used.
. "$(dirname "$0")/lib.sh"
RATE=${BENCH_MIG_RATE:-1000}           # packets/s per flow, live and lost
MANY_RATE=${BENCH_MIG_MANY_RATE:-100}  # packets/s per flow, many ITRs
SECS=${BENCH_MIG_SECONDS:-6}           # live: run length (migration at 40 %)
LOST_SECS=${BENCH_MIG_LOST_SECONDS:-25} # lost: long enough for probing to find the site gone
MANY=${BENCH_MIG_MANY:-20 50 10}       # ITRS VMS MOVING
DELAYS=${BENCH_MIG_DELAYS:-0 10 50}
ITER=${BENCH_MIG_RUNS:-3}
[ "$ITER" -gt "$RUNS" ] && ITER=$RUNS
[ "${1:-}" = --quick ] && ITER=1
read -r ITRS VMS MOVING <<<"$MANY"

for f in lisp-xtrd lisp-msd lisp-mrd lisp-register lisp-flow; do
	[ -x "$B/$f" ] || skip "$f not built"
done
for c in ip bridge jq arping python3 unshare ping; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || skip "needs $c"
done
T=$BENCH_TMP/migration
mkdir -p "$T"
MODES=(ttl smr representative)
declare -A SHORT=([ttl]=t [smr]=s [representative]=r)

# one_run MODE SCENARIO-ID ITER ARGS...: the demo once; its JSON result in $T/ID-MODE-ITER.json
one_run() {
	local mode=$1 id=$2 it=$3 out pid rc
	shift 3
	out=$T/$id-$mode-$it
	mkdir -p "$out"
	# demo.sh: its own network namespace (unshare), namespaces with unique names removed by
	# its EXIT/INT/TERM trap; bounded by timeout; stopped by PID if we are
	TMPDIR=$out DEMO_BUILDDIR=$B timeout -k 5 300 "$top/scripts/demo.sh" --no-build --json \
		--mode "$mode" "$@" >"$out.json" 2>"$out.err" &
	pid=$!
	track_pid "$pid"
	wait "$pid"
	rc=$?
	untrack_pid "$pid"
	rm -rf "$out"
	if [ $rc -ne 0 ] || ! jq -e .flows "$out.json" >/dev/null 2>&1; then
		msg "$id $mode iteration $it: demo.sh failed (exit $rc): $(tail -2 "$out.err" | tr '\n' ' ')"
		return 1
	fi
	if ! jq -e '[.flows[].lostOutsideWindow] | add == 0' "$out.json" >/dev/null; then
		note "INVALID run (not used): $id $mode iteration $it lost $(jq '[.flows[].lostOutsideWindow] | add' "$out.json") packets sent before the migration window (the machine's own loss)"
		msg "$id $mode iteration $it: invalid (loss outside the migration window)"
		return 1
	fi
	return 0
}
# r ID MODE JQ: one figure of a valid run, when the expression gives a number
r() {
	local v
	v=$(jq -r "$3" "$CUR" 2>/dev/null)
	[[ $v =~ ^-?[0-9]+(\.[0-9]+)?$ ]] || return 0
	res "$1_${SHORT[$2]}" "$v"
	# the representative figure twice: against the ttl and against the smr baseline
	[ "$2" = representative ] && res "$1_r2" "$v"
	return 0
}

declare -A LABEL
LABEL[live0]="live migration, 0 ms WAN"
LABEL[live10]="live migration, 10 ms WAN"
LABEL[live50]="live migration, 50 ms WAN"
LABEL[lost]="lost site, 10 ms WAN"
LABEL[many]="$ITRS ITRs, $VMS VMs, $MOVING move, 10 ms WAN"
SCEN=()
for d in $DELAYS; do SCEN+=("live$d"); done
SCEN+=(lost many)
args_of() {
	case $1 in
	live*) echo "--scenario live --delay ${1#live} --rate $RATE --seconds $SECS" ;;
	lost) echo "--scenario lost --delay 10 --rate $RATE --seconds $LOST_SECS" ;;
	many) echo "--scenario many --delay 10 --rate $MANY_RATE --seconds $SECS --itrs $ITRS --vms $VMS --moving $MOVING" ;;
	esac
}
for s in "${SCEN[@]}"; do
	cmdline "DEMO_BUILDDIR=\$B ./scripts/demo.sh --no-build --json --mode ttl|smr|representative $(args_of "$s")"
done

# figures: for each scenario, the representative figure with the ttl and smr baselines of
# the same iterations
figs() { # figs SCEN KEY LABEL UNIT GOAL_VS_TTL GOAL_VS_SMR
	local s=$1 k=$2 l=$3 u=$4
	fig "${s}_${k}_r|${LABEL[$s]}: $l, representative (baseline ttl)|$u|${s}_${k}_t|$5|lower"
	fig "${s}_${k}_r2|${LABEL[$s]}: $l, representative (baseline smr)|$u|${s}_${k}_s|$6|lower"
	fig "${s}_${k}_t|${LABEL[$s]}: $l, ttl|$u|-|-|lower"
	fig "${s}_${k}_s|${LABEL[$s]}: $l, smr|$u|-|-|lower"
}
for s in "${SCEN[@]}"; do
	case $s in
	lost)
		figs "$s" lost "packets lost after the VM answered at B (all flows)" packets "ratio<=0.01" "ratio<=0.1"
		figs "$s" direct "time until every flow's path is direct, from the loss" ms - -
		;;
	many)
		figs "$s" gms "control messages that reached the global mapping system" messages - -
		figs "$s" wan "control messages over the WAN (no RLOC probes)" messages - -
		figs "$s" lost "packets lost (all flows)" packets - -
		figs "$s" direct "time until every flow's path is direct" ms - -
		fig "${s}_gms0|${LABEL[$s]}: representative, control messages to the global mapping system|messages|-|value<=0|lower"
		;;
	*)
		g=-
		[ "$s" = live50 ] && g="ratio<=1"
		figs "$s" lost "packets lost (all flows)" packets - "$g"
		figs "$s" gap "longest gap (worst flow; a flow that does not recover: to the end of the run, a lower bound)" ms - -
		figs "$s" direct "time until every flow's path is direct" ms - -
		figs "$s" detour "extra delay while detoured (median over flows)" ms - -
		figs "$s" wan "control messages over the WAN (no RLOC probes)" messages - -
		figs "$s" gms "control messages that reached the global mapping system" messages - -
		fig "${s}_old_r|${LABEL[$s]}: representative, packets the D-ETR sent to the old site after it had the new mapping|packets|-|value<=0|lower"
		d=${s#live}
		fig "${s}_conv|${LABEL[$s]}: representative, first Map-Register of the new RLOC -> D-ETR receives the BGP UPDATE (configured WAN RTT $((2 * d)) ms)|ms|-|-|lower"
		fig "${s}_convx|${LABEL[$s]}: representative, register -> D-ETR updated minus the WAN round trip measured in the same run (ping site A -> B)|ms|-|value<=2|lower"
		;;
	esac
done
fig "rtt10|measured round trip site A -> site B, 10 ms one-way configured (20 ms)|ms|-|-|lower"
fig "rtt50|measured round trip site A -> site B, 50 ms one-way configured (100 ms)|ms|-|-|lower"

fails=0
for ((it = 0; it < ITER; it++)); do
	for s in "${SCEN[@]}"; do
		# rotate the order of the modes per iteration
		for ((j = 0; j < 3; j++)); do
			m=${MODES[$(((j + it) % 3))]}
			# shellcheck disable=SC2046
			if ! one_run "$m" "$s" "$it" $(args_of "$s"); then
				fails=$((fails + 1))
				continue
			fi
			CUR=$T/$s-$m-$it.json
			msg "iteration $it $s $m: $(jq -c '{lost: [.flows[].lost] | add, direct: [.flows[].directAfterMs], wan: .control.wan, gms: .control.globalMappingSystem, conv: .registerToDetrMs}' "$CUR")"
			k=${SHORT[$m]}
			case $s in
			lost)
				r "${s}_lost" "$m" '[.flows[].lostAfterVmAnswered] | add'
				r "${s}_direct" "$m" 'if any(.flows[]; .directAfterMs == null) then empty else ([.flows[].directAfterMs] | max) + (.timeline.uplinkMovedMs - (.timeline.siteLostMs // 0)) end'
				;;
			many)
				r "${s}_gms" "$m" '.control.globalMappingSystem'
				r "${s}_wan" "$m" '.control.wan'
				r "${s}_lost" "$m" '[.flows[].lost] | add'
				r "${s}_direct" "$m" 'if any(.flows[]; .directAfterMs == null) then empty else [.flows[].directAfterMs] | max end'
				[ "$m" = representative ] && res "${s}_gms0" "$(jq '.control.globalMappingSystem' "$CUR")"
				;;
			*)
				r "${s}_lost" "$m" '[.flows[].lost] | add'
				r "${s}_gap" "$m" '[.flows[].longestGapMs] | max'
				r "${s}_direct" "$m" 'if any(.flows[]; .directAfterMs == null) then empty else [.flows[].directAfterMs] | max end'
				r "${s}_detour" "$m" '[.flows[].detourExtraDelayMs | select(. != null)] | if length == 0 then empty else sort | .[length / 2 | floor] end'
				r "${s}_wan" "$m" '.control.wan'
				r "${s}_gms" "$m" '.control.globalMappingSystem'
				if [ "$m" = representative ]; then
					res "${s}_old_r" "$(jq '[.flows[].toOldRlocAfterDetrUpdated // 0] | add' "$CUR")"
					v=$(jq -r '.registerToDetrMs // empty' "$CUR")
					[ -n "$v" ] && res "${s}_conv" "$v"
					v=$(jq -r 'if .registerToDetrMs == null or .wanDelayMs.rttSiteAtoB.measured == null then empty else (.registerToDetrMs - .wanDelayMs.rttSiteAtoB.measured) * 10 | round / 10 end' "$CUR")
					[ -n "$v" ] && res "${s}_convx" "$v"
				fi
				case $s in
				live10 | live50) v=$(jq -r '.wanDelayMs.rttSiteAtoB.measured // empty' "$CUR") && [ -n "$v" ] && res "rtt${s#live}" "$v" ;;
				esac
				;;
			esac
			[ "$k" = r ] && cp "$CUR" "$T/last-$s.json"
		done
	done
done
msg "failed or invalid runs: $fails"
note "Setup: scripts/demo.sh with the bench binaries; per scenario and iteration the three modes one after the other (order rotating), a fresh topology each; flows of UDP echoes (lost = not echoed back) at $RATE packets/s (live, lost) and $MANY_RATE packets/s per outside site (many); the VM moves at 40 % of the run (live: hypervisor uplink moved without carrier loss, GARP + unsolicited NA, then the controller's lisp-register; lost: site A's xTR SIGKILLed and its uplink down, then the same). WAN delay: the one-way delay between two nodes, half of it on each access link, by $(jq -r '.wanDelayMs.mechanism' "$T"/last-live10.json 2>/dev/null || echo '?') ('netem' or 'delay-line': tests/wan/delayline)."
note "Modes (docs/evaluation.md): ttl = RFC 6830-era (host mappings in the global mapping system with TTL 1 min, the old site not told, no SMR, no re-encapsulation); smr = RFC 9301 mobility (Map-Notify to the old site, SMR to the ITRs it saw in the last minute, re-encapsulation at the old site, TTL 1440 min, PITR); representative = host mappings pushed over BGP to the D-ETR, outside ITRs cache the aggregate. All: RLOC probing every 5 s (timeout 1 s, 2 misses) with re-resolution when every locator is down; registration every 60 s; site B's return paths cached beforehand."
note "Definitions: 'lost after the VM answered' counts packets sent after the VM's announcement at site B that were not echoed; 'direct' is when nothing of a flow goes towards the old site any more (no ITR encapsulating to its RLOC, nothing delivered at or re-encapsulated by it, nothing lost) and stays so to the end of the run: a run that never gets there gives no figure (ttl in the live scenarios: its ITRs send to the old site until the 1-minute TTL runs out, beyond the run's end); 'control messages over the WAN' are every control message a daemon sent to another namespace during the run from just before the migration to its end, RLOC probes and their replies excepted, BGP UPDATEs and the controller's Map-Register included; 'reached the global mapping system' counts what arrived at the global lisp-msd and lisp-mrd (a Map-Request forwarded from the one to the other once)."
note "Convergence: site B's first Map-Register of the VM ('arrived' log line, lisp-xtrd registers at once) -> the D-ETR's log line for the BGP UPDATE; both CLOCK_REALTIME truncated to the ms (+-1 ms). The path is B -> local Map-Server -> D-ETR: two one-way WAN crossings, one RTT; the delay line itself adds ~0.1-0.2 ms per crossing (the measured ping round trip over 4 crossings is in the rtt rows)."
[ "$fails" -gt 0 ] && note "$fails run(s) failed or were invalid and are not in the figures (see the lines above and the benchmark's log)."
note "Load average at the end of the benchmark (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg); the machine's own figures are in the Machine section; the machine is shared."
WHYL="at 50 ms the old site's Map-Notify and the D-ETR's BGP UPDATE arrive one WAN crossing after the register, and what the D-ETR sent towards site A in the last one-way delay before it is still delivered (or lost) there: representative and smr lose the same packets in flight"
cat <<EOF
WHY live50_lost_r2|$WHYL
WHY live0_convx|the figure has 1 ms resolution (log lines truncated to the ms at both ends): +-1 ms
WHY live10_convx|beyond the measured round trip: lisp-xtrd's registration at the VM's arrival, lisp-msd's Map-Register processing (HMAC, SQLite write) and BGP UPDATE, the D-ETR's receive (1-2 ms in all at 0 ms WAN, the live0 row), the log lines' 1-ms truncation at both ends (+-1 ms), and the machine's load (2 shared cores running 7 delay-line relays, 7 daemons, 6 taps and other builds: every process on the path may wait for a core)
WHY live50_convx|as at 10 ms: processing about 1 ms, log resolution +-1 ms
EOF
