#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/wan_modes.sh - the evaluation of docs/evaluation.md, shortened: the demo
# (scripts/demo.sh --json, topology of scripts/demo-lib.sh) in its three mapping
# distributions over a delayed WAN, each run bounded by timeout. Checked:
# - the WAN delay is applied (netem or the delay line) and a ping between the two sites
#   measures the configured round trip;
# - live migration, 10 ms: representative loses at most a few packets per flow and its
#   D-ETR sends nothing to the old site once it has the new mapping; smr recovers through
#   SMR (SMRs sent, detours re-encapsulated by the old site, the path direct in the end);
#   ttl keeps sending to the old site (not told, no SMR) and loses until the end of the run;
# - lost site, 10 ms: representative loses at most a few packets after the VM answers at
#   site B, ttl loses until RLOC probing finds the site gone (seconds), many times more;
# - many ITRs: representative sends nothing to the global mapping system for the move,
#   smr does (SMR-invoked Map-Requests from every outside ITR).
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && { echo "0 passed, 0 failed"; exit 77; }
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip bridge jq arping python3 ping
for f in lisp-xtrd lisp-msd lisp-mrd lisp-register lisp-flow; do
	[ -x "$top_builddir/$f" ] || skip_all "$f not built"
done

# demo MODE NAME ARGS...: one demo run, its JSON in $T_TMP/NAME.json
demo() {
	local mode=$1 name=$2
	shift 2
	TMPDIR=$T_TMP DEMO_BUILDDIR=$top_builddir timeout -k 5 240 "$top_srcdir/scripts/demo.sh" \
		--no-build --json --mode "$mode" "$@" >"$T_TMP/$name.json" 2>"$T_TMP/$name.err" &&
		jq -e .flows "$T_TMP/$name.json" >/dev/null ||
		{ tail -20 "$T_TMP/$name.err" | sed 's/^/#   /'; return 1; }
}
j() { jq -r "$2" "$T_TMP/$1.json"; }
show() { log "$1: $(jq -c '{flows: [.flows[] | {name, lost, lostAfterVmAnswered, longestGapMs, directAfterMs, deliveredAfterMove, toOldRlocAfterDetrUpdated}], control: {wan: .control.wan, gms: .control.globalMappingSystem}, timeline: .timeline}' "$T_TMP/$1.json")"; }

# ---------------------------------------------------------------- live migration, 10 ms
for m in representative smr ttl; do
	check "live $m: demo runs (10 ms WAN)" demo "$m" "live-$m" --scenario live --delay 10 --rate 200 --seconds 6 || continue
	show "live-$m"
done
if [ -f "$T_TMP/live-representative.json" ]; then
	mech=$(j live-representative .wanDelayMs.mechanism)
	rtt=$(j live-representative .wanDelayMs.rttSiteAtoB.measured)
	log "WAN delay by $mech; site A -> B round trip $rtt ms (20 configured)"
	check "the WAN delay is applied ($mech)" test "$mech" = netem -o "$mech" = delay-line
	check "ping site A -> site B measures the configured 20 ms round trip ($rtt)" \
		python3 -c "import sys; sys.exit(0 if 20 <= float('${rtt:-0}') <= 24 else 1)"
	check "live representative: at most 15 packets lost per flow" \
		jq -e '[.flows[].lost] | max <= 15' "$T_TMP/live-representative.json"
	check "live representative: the D-ETR sends nothing to the old site once it has the new mapping" \
		jq -e '[.flows[] | select(.name != "vm2") | .toOldRlocAfterDetrUpdated] | all(. == 0)' "$T_TMP/live-representative.json"
	check "live representative: every path direct within 200 ms" \
		jq -e '[.flows[].directAfterMs] | all(. != null and . < 200)' "$T_TMP/live-representative.json"
	check "live representative: no control message reached the global mapping system" \
		jq -e '.control.globalMappingSystem == 0' "$T_TMP/live-representative.json"
fi
if [ -f "$T_TMP/live-smr.json" ]; then
	check "live smr: the old site was told and sent SMRs" \
		jq -e '.timeline.oldSiteNotifiedMs != null and .control.byDaemon["xtr-sa"].smr > 0' "$T_TMP/live-smr.json"
	check "live smr: packets detoured through the old site, then every path direct" \
		jq -e '([.flows[].deliveredAfterMove.BviaA] | add > 0) and ([.flows[].directAfterMs] | all(. != null))' "$T_TMP/live-smr.json"
	check "live smr: at most 30 packets lost per flow" jq -e '[.flows[].lost] | max <= 30' "$T_TMP/live-smr.json"
fi
if [ -f "$T_TMP/live-ttl.json" ]; then
	check "live ttl: the old site was not told and sent no SMR" \
		jq -e '.timeline.oldSiteNotifiedMs == null and .control.byDaemon["xtr-sa"].smr == 0' "$T_TMP/live-ttl.json"
	check "live ttl: every flow loses until the end of the run (TTL 1 min not reached)" \
		jq -e '[.flows[] | .directAfterMs == null and .lost >= 500] | all' "$T_TMP/live-ttl.json"
fi

# ---------------------------------------------------------------- lost site, 10 ms
for m in representative ttl; do
	check "lost $m: demo runs (site A killed, 10 ms WAN)" demo "$m" "lost-$m" --scenario lost --delay 10 --rate 200 --seconds 20 || continue
	show "lost-$m"
done
if [ -f "$T_TMP/lost-representative.json" ] && [ -f "$T_TMP/lost-ttl.json" ]; then
	rl=$(j lost-representative '[.flows[].lostAfterVmAnswered] | add')
	tl=$(j lost-ttl '[.flows[].lostAfterVmAnswered] | add')
	log "lost site: packets lost after the VM answered at B: representative $rl, ttl $tl"
	check "lost representative: at most 10 packets lost after the VM answers at B ($rl)" test "$rl" -le 10
	# probing every 5 s, 1 s timeout, 2 misses: the site is found gone 2-7 s after it died
	check "lost ttl: lost until probing found the site gone: 1.5..16 s ($(j lost-ttl '[.flows[].directAfterMs] | max') ms)" \
		jq -e '[.flows[].directAfterMs] | all(. != null and . > 1500 and . < 16000)' "$T_TMP/lost-ttl.json"
	check "lost: ttl loses >= 20 x more than representative ($tl vs $rl)" test "$tl" -ge $((20 * (rl + 1)))
fi

# ---------------------------------------------------------------- many ITRs
for m in representative smr; do
	check "many $m: demo runs (4 outside sites, 10 VMs, 3 move)" demo "$m" "many-$m" --scenario many --itrs 4 --vms 10 --moving 3 --delay 10 --rate 100 --seconds 6 || continue
	show "many-$m"
done
[ -f "$T_TMP/many-representative.json" ] &&
	check "many representative: no control message reached the global mapping system" \
		jq -e '.control.globalMappingSystem == 0' "$T_TMP/many-representative.json"
[ -f "$T_TMP/many-smr.json" ] &&
	check "many smr: the outside ITRs' SMR-invoked Map-Requests reached the global mapping system ($(j many-smr .control.globalMappingSystem))" \
		jq -e '.control.globalMappingSystem >= 4' "$T_TMP/many-smr.json"
finish
