#!/usr/bin/env bash
# tests/integration/migration.sh - the demo's live migration as assertions (topology and
# steps shared with scripts/demo.sh through scripts/demo-lib.sh): a VM in site A receives
# three flows at 1,000 packets/s (outside LISP host via the D-ETR, non-LISP client via the
# D-ETR as PITR, a VM staying in site A) and echoes each; it migrates to site B without
# carrier loss and the controller registers the new RLOC. Checked: every flow reaches the
# VM at site B; after the Map-Notify no packet for the VM is delivered at site A and none
# reaching site A is dropped there (the old xTR re-encapsulates: `show statistics json`);
# the outside site's map-cache only ever holds the aggregate -> D-ETR; per-flow loss at most
# 20 packets with no added WAN delay; the flows survive a reset of the D-ETR's BGP session;
# the same for IPv6 EIDs; and a migration back to site A.
if [ "${LISP_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "0 passed, 0 failed"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/scripts/demo-lib.sh"
need_root
need_cmd ip bridge jq nc arping python3

RATE=${MIGRATION_RATE:-1000}
SECS=${MIGRATION_SECONDS:-6}
MAXLOSS=${MIGRATION_MAX_LOSS:-20}

demo_init "$top_builddir"
[ -x "$DEMO_FLOW" ] || skip_all "lisp-flow not built"
[ "$DEMO_MODE" = lisp ] || skip_all "LISP data plane not available: ${DEMO_INACTIVE[*]}"
demo_topology 0 || { fail "topology"; finish; }
check "LISP daemons up (sites A/B, D-ETR, outside xTR, local and global MS/MR)" demo_dataplane_lisp ||
	finish
check "lisp-flow echo and taps ready" demo_start_receivers 300 || finish

# run_migration TAG V6 FROM TO: flows, migration at 1/3 of the run, results
run_migration() {
	local tag=$1 v6=$2 from=$3 to=$4 f n
	demo_flows_start "$RATE" $((RATE * SECS)) "$v6" "$tag"
	sleep $((SECS / 3))
	demo_move_uplink "${from#s}" "${to#s}"
	demo_announce &
	demo_register "$to" 5
	T_REG=$DEMO_REG_SENT T_NOTIFY=$DEMO_REG_NOTIFY
	check "$tag: lisp-register acknowledged (Map-Notify)" test "$DEMO_REG_RC" = 0
	wait
	check "$tag: flows finished" demo_flows_wait "$tag" $((SECS + 30))
	R="$DEMO_DIR/flows-$tag.json"
	for f in "${DEMO_FLOWS[@]}"; do
		n=$(jq -r --arg f "$f" '.[] | select(.name == $f) | .lost' "$R")
		check "$tag: flow $f lost ${n:-?} <= $MAXLOSS packets" test "${n:-99999}" -le "$MAXLOSS"
		check "$tag: flow $f reaches the VM at site $to after the migration" \
			demo_flow_at "$DEMO_DIR/tap-$to.txt" "$f" "$T_REG"
	done
	n=$(demo_tap_count "$DEMO_DIR/tap-$from.txt" "$(demo_old_site_notified_ms "$from" "$T_NOTIFY")")
	check "$tag: no packet for the VM delivered at site $from after the Map-Notify ($n)" test "$n" = 0
}
# demo_flow_at TAPFILE FLOW AFTER_MS: the flow's packets for the VM sent on that bridge
demo_flow_at() {
	awk -v f="$2" -v t="$3" '$1 !~ /^#/ && $2 == "out" && $6 == f && $1 >= t { n++ } END { exit !(n > 0) }' "$1"
}

# --- IPv4 EIDs: A -> B
run_migration v4 0 sa sb
check "old xTR (A) dropped nothing for the moved VM" demo_xtr_no_drops sa
check "old xTR (A) re-encapsulated what still reached it (statistics)" demo_xtr_reencap sa
check "outside map-cache holds only the aggregate -> D-ETR" demo_outside_cache_ok

# --- BGP session reset at the D-ETR while the flows run: the flows continue
demo_flows_start "$RATE" $((RATE * SECS)) 0 bgp
sleep $((SECS / 3))
check "clear bgp on the D-ETR" demo_clear_bgp
check "bgp: flows finished" demo_flows_wait bgp $((SECS + 30))
for f in "${DEMO_FLOWS[@]}"; do
	n=$(jq -r --arg f "$f" '.[] | select(.name == $f) | .lost' "$DEMO_DIR/flows-bgp.json")
	check "bgp reset: flow $f continues (lost ${n:-?} <= $MAXLOSS)" test "${n:-99999}" -le "$MAXLOSS"
done

# --- IPv6 EIDs, and the migration back: B -> A (the register moves .5 and ::5 together)
run_migration v6back 1 sb sa
check "old xTR (B) dropped nothing for the moved VM" demo_xtr_no_drops sb
check "outside map-cache still holds only the aggregate -> D-ETR" demo_outside_cache_ok
finish
