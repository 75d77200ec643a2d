#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-migration.sh - the migration row: the demo topology (scripts/demo-lib.sh, run by
# scripts/demo.sh --no-build with the bench's -O2 binaries in $B), a VM migrating from site A
# to site B while three flows (outside LISP host, non-LISP client, a VM staying in site A)
# send it RATE (10,000) packets/s each and count the echoes (tools/lisp_flow.c).
# Subject: the representative mode (the demo's default: host mappings in the local
# lisp-msd, pushed over BGP to the D-ETR; the outside caches only aggregate -> D-ETR).
# Baseline: the classic mode (demo.sh --classic: the same daemons, topology and flows; no
# D-ETR, no BGP: the site xTRs and the controller register the host mappings with the global
# lisp-msd, the outside xTR and a plain PITR for the client (lisp-xtrd representative without
# <bgp>) resolve hosts through the global lisp-mrd, cache them for their TTL (1440 min) and
# learn of the move only from the old site's SMR). In both modes the old site installs the
# new mapping from its Map-Notify and re-encapsulates what still reaches it.
# Each iteration runs both modes (order alternating), one fresh topology each, at RATE and
# again at LRATE (1,000/s: at 10k/s x 3 flows the 2 shared cores saturate, see the notes).
# Figures per flow: packets lost around the switchover (sent from 300 ms before to 700 ms
# after it; send time of a lost packet interpolated between the echoes around it), the
# whole run's loss (includes the cold start and the 2-core machine's overload at 10k/s),
# the longest gap; convergence: the first Map-Register of the new RLOC (site B's xTR on the
# VM's announcement, or the controller's lisp-register, whichever was first) -> the D-ETR's
# map-cache entry changed (its changedUnixMs).
. "$(dirname "$0")/lib.sh"
RATE=${BENCH_MIG_RATE:-10000} # packets/s per flow: the row's figures
LRATE=${BENCH_MIG_LOW_RATE:-1000} # the same at a rate the 2-core machine carries (0 = skip)
SECS=${BENCH_MIG_SECONDS:-4}
ITER=$RUNS
[ "${1:-}" = --quick ] && ITER=1
WIN_BEFORE=300 WIN_AFTER=700

for f in lisp-xtrd lisp-msd lisp-mrd lisp-register lisp-flow; do
	[ -x "$B/$f" ] || skip "$f not built"
done
if ! "$B/lisp-xtrd" -n -f /dev/stdin >/dev/null 2>&1 <<XML; then
<lisp-xtrd mode="representative"><rloc address="192.0.2.10"/><bgp as="65000" router-id="192.0.2.10"/></lisp-xtrd>
XML
	skip "the D-ETR (lisp-xtrd mode=\"representative\" with a <bgp> element) is not built"
fi
for c in ip bridge jq arping python3 unshare; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || skip "needs $c"
done
T=$BENCH_TMP/migration
mkdir -p "$T"

# analyse RESULT.json LOGDIR: per flow "name lost window_lost background_lost gap_ms rtt_avg_ms", then
# "conv cache_ms controller_ms pitr_ms outside_ms update_rx_ms" (n/a where not applicable)
cat >"$T/analyse.py" <<'PY'
import json, os, sys
res, d, wb, wa = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
r = json.load(open(res))
moved = float(open(os.path.join(d, "moved-ms")).read().split()[0])
def holes(csv):
    """(send time, count) of every run of missing sequence numbers, spread evenly between
    the send times (receive time - rtt) of the echoes around it"""
    rows = []
    for l in open(csv):
        if l.startswith("#"):
            continue
        p = l.strip().split(",")
        if len(p) >= 3:
            rows.append((int(p[1]), float(p[0]) - float(p[2])))
    rows.sort()
    out = []
    for (s0, t0), (s1, t1) in zip(rows, rows[1:]):
        for s in range(s0 + 1, s1):
            out.append(t0 + (t1 - t0) * (s - s0) / (s1 - s0))
    return rows, out
for f in r["flows"]:
    n = f["name"]
    csv = os.path.join(d, "flow-run-%s.csv" % n)
    win = bg = "n/a"
    if os.path.exists(csv):
        rows, miss = holes(csv)
        win = sum(1 for t in miss if moved - wb <= t <= moved + wa)
        # the same length just before: the loss the machine causes without a migration
        bg = sum(1 for t in miss if moved - wb - (wa + wb) <= t < moved - wb)
        # evidence for the log: missing packets per 50 ms of send time from the switchover,
        # and the echoes' round trip (queueing) in the window
        h = {}
        for t in miss:
            k = int((t - moved) // 50) * 50
            h[k] = h.get(k, 0) + 1
        with open(os.path.join(os.path.dirname(res), "holes-%s.txt" % n), "w") as o:
            o.write("missing per 50 ms of send time (ms from the switchover): %s\n" %
                    " ".join("%d:%d" % kv for kv in sorted(h.items())))
    print(n, f.get("lost", "n/a"), win, bg, f.get("longestGapMs", "n/a"), f.get("rttMs", {}).get("avg", "n/a") if isinstance(f.get("rttMs"), dict) else "n/a")
tl = r["timeline"]
first = min(v for v in (tl.get("registerSentMs"), tl.get("siteRegisterMs")) if v is not None)
def rel(k):
    v = tl.get(k)
    return "n/a" if v is None else v - first
print("conv", rel("detrUpdatedMs"), "n/a" if tl.get("detrUpdatedMs") is None else tl["detrUpdatedMs"],
      rel("pitrUpdatedMs"), rel("outsideUpdatedMs"), rel("detrUpdateReceivedMs"))
s = r.get("smr") or {}
print("smr", s.get("oldSiteSent", "n/a"), s.get("outsideReceived", "n/a"))
PY

# one_run MODE(rep|classic) IT RATE: the demo once; prints the analysis lines or fails
one_run() {
	local mode=$1 it=$2 rate=$3 d=$T/$1-$3-$2 pid rc opt=() logs
	mkdir -p "$d"
	[ "$mode" = classic ] && opt=(--classic)
	# demo.sh: its own network namespace (unshare) and namespaces with unique names, removed
	# by its EXIT/INT/TERM trap; bounded by timeout; stopped by PID if we are
	TMPDIR=$d DEMO_BUILDDIR=$B timeout -k 5 $((SECS + 110)) "$top/scripts/demo.sh" --no-build \
		--json --keep --rate "$rate" --seconds "$SECS" "${opt[@]}" >"$d/result.json" 2>"$d/demo.err" &
	pid=$!
	track_pid "$pid"
	wait "$pid"
	rc=$?
	untrack_pid "$pid"
	logs=$(ls -d "$d"/lisp-demo.* 2>/dev/null | head -1)
	if [ $rc -ne 0 ] || [ -z "$logs" ] || ! jq -e .flows "$d/result.json" >/dev/null 2>&1; then
		msg "$mode $rate/s iteration $it: demo.sh failed (exit $rc): $(tail -2 "$d/demo.err" | tr '\n' ' ')"
		return 1
	fi
	python3 "$T/analyse.py" "$d/result.json" "$logs" "$WIN_BEFORE" "$WIN_AFTER" >"$d/analysis.txt" || return 1
	# the logs are large at 10k/s (taps, CSVs): keep the results and the analysis only
	cp "$logs"/*.json "$d/" 2>/dev/null
	rm -rf "$logs"
	cat "$d/analysis.txt"
}

cmdline "DEMO_BUILDDIR=\$B ./scripts/demo.sh --no-build --json --keep --rate $RATE --seconds $SECS  # representative (D-ETR, BGP)"
cmdline "DEMO_BUILDDIR=\$B ./scripts/demo.sh --no-build --json --keep --rate $RATE --seconds $SECS --classic  # classic (global MS/MR, TTL caches, SMR, PITR)"
[ "$LRATE" != 0 ] && cmdline "the same two with --rate $LRATE"
FLOWS=(outside client vm2)
declare -A FDESC=([outside]="outside LISP host" [client]="non-LISP client" [vm2]="VM in site A")
W="-${WIN_BEFORE}..+${WIN_AFTER} ms"
fig "conv|representative: convergence, first Map-Register of the new RLOC -> the D-ETR receives the BGP UPDATE (log lines, $RATE/s flows)|ms|-|value<=2|lower"
fig "conv_cache|representative: first Map-Register -> D-ETR map-cache changedUnixMs (runs 2-6 ms late, see the notes)|ms|-|-|lower"
fig "conv_ctl|representative: controller's lisp-register sent -> D-ETR map-cache updated (negative: site B's own register came first)|ms|-|-|lower"
for f in "${FLOWS[@]}"; do
	fig "win_$f|representative: ${FDESC[$f]} flow at $RATE/s, packets lost around the switchover ($W)|packets|win_${f}_c|ratio<=0.01|lower"
	fig "win_${f}_c|classic: ${FDESC[$f]} flow at $RATE/s, packets lost around the switchover|packets|-|-|lower"
done
for f in "${FLOWS[@]}"; do
	fig "gap_$f|representative: ${FDESC[$f]} flow at $RATE/s, longest gap|ms|gap_${f}_c|-|lower"
	fig "gap_${f}_c|classic: ${FDESC[$f]} flow at $RATE/s, longest gap|ms|-|-|lower"
	fig "lost_$f|representative: ${FDESC[$f]} flow at $RATE/s, packets lost in the whole run ($((RATE * SECS)) sent)|packets|lost_${f}_c|-|lower"
	fig "lost_${f}_c|classic: ${FDESC[$f]} flow at $RATE/s, packets lost in the whole run|packets|-|-|lower"
done
fig "bg|representative at $RATE/s: all flows, packets lost in the $((WIN_BEFORE + WIN_AFTER)) ms BEFORE the window (no migration: the saturated machine's own loss)|packets|bg_c|-|lower"
fig "bg_c|classic at $RATE/s: all flows, packets lost in the $((WIN_BEFORE + WIN_AFTER)) ms before the window|packets|-|-|lower"
fig "conv_pitr_c|classic: first Map-Register -> PITR map-cache updated (via SMR), $RATE/s|ms|-|-|lower"
fig "conv_out_c|classic: first Map-Register -> outside xTR map-cache updated (via SMR), $RATE/s|ms|-|-|lower"
if [ "$LRATE" != 0 ]; then
	fig "L_conv|representative at $LRATE/s: convergence, first Map-Register -> the D-ETR receives the BGP UPDATE (log lines)|ms|-|-|lower"
	fig "L_conv_cache|representative at $LRATE/s: first Map-Register -> D-ETR map-cache changedUnixMs|ms|-|-|lower"
	for f in "${FLOWS[@]}"; do
		fig "L_win_$f|representative: ${FDESC[$f]} flow at $LRATE/s, packets lost around the switchover ($W)|packets|L_win_${f}_c|-|lower"
		fig "L_win_${f}_c|classic: ${FDESC[$f]} flow at $LRATE/s, packets lost around the switchover|packets|-|-|lower"
		fig "L_gap_$f|representative: ${FDESC[$f]} flow at $LRATE/s, longest gap|ms|L_gap_${f}_c|-|lower"
		fig "L_gap_${f}_c|classic: ${FDESC[$f]} flow at $LRATE/s, longest gap|ms|-|-|lower"
	done
	fig "L_bg|representative at $LRATE/s: all flows, packets lost in the $((WIN_BEFORE + WIN_AFTER)) ms before the window|packets|L_bg_c|-|lower"
	fig "L_bg_c|classic at $LRATE/s: all flows, packets lost in the $((WIN_BEFORE + WIN_AFTER)) ms before the window|packets|-|-|lower"
	fig "L_conv_pitr_c|classic at $LRATE/s: first Map-Register -> PITR map-cache updated (via SMR)|ms|-|-|lower"
	fig "L_conv_out_c|classic at $LRATE/s: first Map-Register -> outside xTR map-cache updated (via SMR)|ms|-|-|lower"
fi

fails=0
rates=("$RATE")
[ "$LRATE" != 0 ] && rates+=("$LRATE")
for ((it = 0; it < ITER; it++)); do
	if [ $((it % 2)) -eq 0 ]; then order="rep classic"; else order="classic rep"; fi
	for rate in "${rates[@]}"; do
		pfx=""
		[ "$rate" != "$RATE" ] && pfx=L_
		for mode in $order; do
			sfx=""
			[ "$mode" = classic ] && sfx=_c
			if ! out=$(one_run "$mode" "$it" "$rate"); then
				fails=$((fails + 1))
				continue
			fi
			msg "iteration $it $mode $rate/s: $(tr '\n' ';' <<<"$out")"
			bgsum=0
			while read -r k a b c e g _; do
				case $k in
				conv)
					if [ "$mode" = rep ]; then
						[ "$g" != n/a ] && res "${pfx}conv" "$g"
						[ "$a" != n/a ] && res "${pfx}conv_cache" "$a"
						# detrUpdatedMs - registerSentMs (the controller's; registerSentMs = 0)
						[ -z "$pfx" ] && [ "$b" != n/a ] && res conv_ctl "$b"
					else
						[ "$c" != n/a ] && res "${pfx}conv_pitr_c" "$c"
						[ "$e" != n/a ] && res "${pfx}conv_out_c" "$e"
					fi
					;;
				smr) ;;
				*)
					[ -z "$pfx" ] && res "lost_$k$sfx" "$a"
					[ "$b" != n/a ] && res "${pfx}win_$k$sfx" "$b"
					[ "$c" != n/a ] && bgsum=$((bgsum + c))
					res "${pfx}gap_$k$sfx" "$e"
					;;
				esac
			done <<<"$out"
			res "${pfx}bg$sfx" "$bgsum"
		done
	done
done

# classic / representative per flow (medians), "inf" when representative lost nothing
for rate in "${rates[@]}"; do
	for f in "${FLOWS[@]}"; do
		for m in rep classic; do
			cat "$T"/$m-$rate-*/analysis.txt 2>/dev/null | awk -v f="$f" '$1 == f { print $3 }' | median >"$T/med-$m-$rate-$f"
		done
		a=$(cat "$T/med-rep-$rate-$f") b=$(cat "$T/med-classic-$rate-$f")
		r=$(awk -v a="$a" -v b="$b" 'BEGIN {
			if (a == "" || b == "") print "n/a"; else if (a + 0 == 0) print (b + 0 == 0 ? "n/a (neither lost any)" : "inf (representative lost 0: unbounded)"); else printf "%.2f", b / a }')
		note "At $rate/s, flow ${FDESC[$f]}: packets lost around the switchover, median representative ${a:-n/a} vs classic ${b:-n/a}: classic / representative = $r (goal >= 100; the table's ratio is representative / classic, so the goal there is <= 0.01)."
	done
done
note "Setup: scripts/demo.sh (topology and steps of scripts/demo-lib.sh) with the bench binaries, three flows of $RATE packets/s each (UDP echoes; lost = not echoed back) for $SECS s, the migration at 40 % of the run (hypervisor uplink moved to site B without carrier loss: hvbr port states flipped and GARP + unsolicited NA sent by one helper process; then the controller's lisp-register); IPv4 EIDs; one fresh topology per mode, rate and iteration, the mode order alternating. Nothing is pinned."
note "At $RATE/s per flow (30k echoes/s through 2 xTR hops each way, the taps and 6 flow endpoints) the 2 shared cores are saturated (top: ~0 % idle, 75 % system + softirq): echo round trips of 0.2-0.8 s (queueing) and loss throughout each run; the 'bg' rows (the same length of time just BEFORE the window, no migration) show that loss, and it varies from run to run with the machine's other load. The $RATE/s figures are therefore dominated by overload, not by the mapping distribution; the $LRATE/s rows measure the migration itself."
note "Loss around the switchover: echoes missing for packets sent from ${WIN_BEFORE} ms before to ${WIN_AFTER} ms after the uplink moved (the send time of a missing packet interpolated between the echoes around it; the window starts early because packets queued towards site A when the uplink moves are lost too). The whole-run loss also counts the cold start (the first resolution of each path: 32 packets are queued per EID, 10k/s overflows that)."
note "Classic: the outside xTR and the PITR cache 198.51.100.5/32 for its TTL (1440 min) and learn of the move only from the old site's SMR (lisp-xtrd SMRs the ITRs it saw in the last minute when the Map-Notify takes the VM out of its database; lisp-xtrd sends them from its 100 ms tick, xtr_tick, not at the change, so the outside and the PITR caches change 15-100 ms after the first register: the conv_*_c rows); until the SMR-invoked Map-Reply arrives they keep sending to site A, whose xTR re-encapsulates to site B (it installed the new mapping from the Map-Notify). That re-encapsulation is lisp-xtrd behaviour in both modes and is kept. So in both modes the loss is what reaches site A between the uplink move and site A's Map-Notify (delivered to the VM's old port); the D-ETR is updated at about the same time as site A is notified, so the representative mode cannot lose 100 x less. Without the old site's re-encapsulation (or with the old site gone) classic would blackhole until the SMR, or until the TTL if no SMR arrives."
note "Convergence: from the first Map-Register of the new RLOC (site B's xTR's 'arrived' log line: lisp-xtrd registers the VM at once; or the controller's lisp-register, its exit time minus its measured round trip, whichever is earlier) to the D-ETR's log line for the first BGP UPDATE after it ('UpdateMsg in Established'; the UPDATE is installed in the map-cache right after, in the same event). Log lines are CLOCK_REALTIME truncated to the ms, so each end is +-1 ms: the figure's resolution is 1 ms (error up to +-1 ms), no CLI polling involved. The demo's own detrUpdatedMs is the map-cache entry's changedUnixMs, read through the CLI after the run (no polling error either), but lisp-xtrd derives it from CLOCK_MONOTONIC plus a wall-clock offset taken once in xtr_new (xtr/core.c, after the queue pool is allocated and touched, both clocks truncated to ms): it runs 2-6 ms late (an outside xTR logged 'Map-Reply: 1 locators' at .920, AFTER installing the entry, whose changedUnixMs says .924; the D-ETR's idle startup install: UpdateMsg logged at 28.781, changedUnixMs 28.787), so conv_cache overstates convergence by that much. The controller's register usually comes after site B's own (conv_ctl, the demo's detrUpdatedMs - registerSentMs, is then negative)."
[ $fails -eq 0 ] || note "$fails demo run(s) failed (see the bench log)"
printf 'WHY conv|the path is Map-Register -> lisp-msd -> BGP UPDATE over TCP -> D-ETR install, three processes on 2 cores saturated by the 30k packets/s of flows: scheduling delays of several ms dominate (compare the %s/s row)\n' "$LRATE"
for f in "${FLOWS[@]}"; do
	printf 'WHY win_%s|in both modes the old site re-encapsulates to site B once its Map-Notify arrives (lisp-xtrd behaviour, kept), so classic loses only what reaches site A before that Map-Notify, about what representative loses before the D-ETR and site A are updated (the same registration); at %s/s the machine is saturated and overload loss dominates both. The 100 x goal assumes a classic ITR that blackholes until the TTL or an SMR\n' "$f" "$RATE"
done
exit 0
