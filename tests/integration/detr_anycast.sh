#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/detr_anycast.sh - two D-ETRs sharing the anycast RLOC 192.0.2.100, each
# announcing it and the aggregates to the edge router (BIRD 2 in the wan namespace, eBGP,
# best path into the kernel) while it is fit to forward; two local Map-Servers pushing to
# both (scripts/demo-lib.sh "redundant layout"). vm1 runs at site B, vm2 at site A; four
# flows at 1,000 packets/s (outside LISP host and non-LISP client to each VM), counted with
# lisp-flow, taps on both sites' VM bridges. Failures under traffic, each with a loss bound
# per flow and no packet delivered at a site where its VM is not:
#   kill -9 of the D-ETR carrying the traffic   <= ANYCAST_KILL_MAX packets (50 = 50 ms)
#   its return (announces only once its table is complete)        <= ANYCAST_RETURN_MAX (0)
#   SIGTERM of the active one (withdraw, forward, stop)          <= ANYCAST_STOP_MAX (0)
#   SIGHUP of the active one with a mapping peer changed         <= ANYCAST_RELOAD_MAX (0)
#   kill -9 of one Map-Server just before vm1 migrates B -> A: the migration completes
#     through the other (the D-ETRs follow it), loss per flow    <= ANYCAST_MIG_MAX (20)
# Also: host mappings never reach the edge router, its routes never enter a map-cache.
if [ "${LISP_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "0 passed, 0 failed"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/scripts/demo-lib.sh"
need_root
need_cmd ip bridge jq nc arping python3 "${BIRD:-bird}"

RATE=1000
KILL_MAX=${ANYCAST_KILL_MAX:-50}
RETURN_MAX=${ANYCAST_RETURN_MAX:-0}
STOP_MAX=${ANYCAST_STOP_MAX:-0}
RELOAD_MAX=${ANYCAST_RELOAD_MAX:-0}
MIG_MAX=${ANYCAST_MIG_MAX:-20}

demo_init "$top_builddir"
[ "$DEMO_MODE" = lisp ] || skip_all "the LISP daemons are not all built: ${DEMO_INACTIVE[*]}"
demo_redundant_init anycast
check "topology (demo + second D-ETR, second Map-Server, BIRD edge router)" \
	eval 'demo_topology 0 && demo_redundant_topology' || finish
check "every daemon up; both D-ETRs fit and announcing" demo_redundant_dataplane || finish
log "load: $(cut -d' ' -f1-3 /proc/loadavg)"

# the edge router: the anycast RLOC and the aggregates from both D-ETRs, no host route
edge_routes() { birdc edge show route "$@" 2>/dev/null; }
check "edge router: 192.0.2.100/32 from both D-ETRs" \
	wait_until 10 eval "[ \"\$(edge_routes for 192.0.2.100/32 all | grep -c 'BGP.as_path: 65000')\" = 2 ]"
check "edge router: 198.51.100.0/24 and 2001:db8:100::/64 from both" \
	eval "[ \"\$(edge_routes for 198.51.100.0/24 all | grep -c 'BGP.as_path')\" = 2 ] &&
		[ \"\$(edge_routes for 2001:db8:100::/64 all | grep -c 'BGP.as_path')\" = 2 ]"
check "edge router: no host mapping leaked (no /32 of the aggregate)" \
	eval "! edge_routes 198.51.100.5/32 | grep -q 198.51.100.5/32 && [ \"\$(edge_routes protocol d1v4 count | grep -o '^[0-9]*')\" = 2 ]"
check "edge router's kernel: the anycast RLOC via the D-ETR 192.0.2.10 (lower router ID)" \
	eval '[ "$(demo_redundant_active)" = detr ]'
for r in detr detr2; do
	check "$r: underlay routes never enter the map-cache (none of the edge's, counted)" \
		eval "cli 2620 ${NS[$r]} show map-cache json | jq -e '[.mappings[] | select(.source == \"bgp\") | .eidPrefix | select(test(\"^(192\\\\.0\\\\.2|198\\\\.51\\\\.100\\\\.0/24)\"))] | length == 0'"
done

# vm1 to site B (the VMs at two sites), then the receivers
check "receivers ready (echo on both VMs, taps on both sites)" demo_redundant_receivers 400 || finish
check "the VM's announcer ready" demo_announcer_start vm1 5 "$DEMO_VM1MAC"
check "vm1 moves to site B" demo_switchover a b
check "the controller registers vm1 at site B (both Map-Servers)" demo_redundant_register sb 5
for r in detr detr2; do
	check "$r: vm1 -> site B" wait_until 10 demo_red_has_at "$r" 198.51.100.5 "$(demo_rloc sb)"
done
check "warm-up: every flow answered" demo_redundant_warm

# run TAG ACTION BOUND [WHAT]: four flows; ACTION (a shell function) once each has been
# answered for 2 s; 4 s more; then the loss per flow (<= BOUND) and the wrong-site count
run() {
	local tag=$1 action=$2 bound=$3 f n g t0
	demo_redundant_flows_start "$RATE" $((RATE * 60)) "$tag"
	check "$tag: flows running" wait_until 30 demo_redundant_flows_echoed "$tag" $((RATE * 2))
	t0=$(demo_ms)
	log "$tag: load $(cut -d' ' -f1-3 /proc/loadavg)"
	check "$tag: $4" "$action"
	sleep 4
	demo_redundant_flows_finish "$tag"
	check "$tag: flows finished" demo_redundant_flows_wait "$tag" 30
	while read -r f n g; do
		log "$tag: flow $f lost $n packets, longest gap $g ms"
		check "$tag: flow $f lost $n <= $bound" test "${n:-99999}" -le "$bound"
	done < <(demo_redundant_loss "$tag")
	n=$(demo_redundant_wrong_site "$tag" "${WRONG_AFTER:-$t0}")
	check "$tag: no packet delivered at a site where its VM is not ($n)" test "$n" = 0
}

# --- kill -9 of the active D-ETR: its TCP sessions close with the process, the edge router
# withdraws its routes and the kernel route moves to the other one
kill9() {
	ACTIVE=$(demo_redundant_active) || return 1
	kill -KILL "$(bg_pid "xtr-$ACTIVE")" || return 1
	K_T0=$(demo_ms)
	wait_until 5 eval '[ "$(demo_redundant_active)" != "$ACTIVE" ]' || return 1
	log "kill9: the edge router's kernel route moved $(($(demo_ms) - K_T0)) ms after the kill (polled)"
}
run kill9 kill9 "$KILL_MAX" "kill -9 the D-ETR carrying the traffic"
stop_bg "xtr-$ACTIVE" >/dev/null 2>&1
t=$(demo_redundant_edge_ms "$([ "$ACTIVE" = detr ] && echo d1v4 || echo d2v4)" "$K_T0") &&
	log "kill9: the edge router saw the session end $((t - K_T0)) ms after the kill (its log)"

# --- the killed D-ETR returns: announced only once its table is complete, so the traffic
# moves back to it without loss
back() {
	demo_red_detr_start "$ACTIVE" || return 1
	wait_until 30 demo_red_announcing "$ACTIVE" || return 1
	wait_until 10 eval '[ "$(demo_redundant_active)" = "$ACTIVE" ]'
}
run return back "$RETURN_MAX" "the D-ETR restarts and takes the traffic back"
# first_line LOG REGEX: the line number of REGEX's first match (99999: none)
first_line() { grep -n -m1 -E "$2" "$1" | cut -d: -f1 | grep . || echo 99999; }
check "return: it announced only after a Map-Server's End-of-RIB (log order)" eval \
	"[ \$(first_line $(bg_log "xtr-$ACTIVE") 'BGP peer .*: initial table complete') -lt \$(first_line $(bg_log "xtr-$ACTIVE") 'announced to the underlay') ] &&
	[ \$(first_line $(bg_log "xtr-$ACTIVE") 'announced to the underlay') -lt 99999 ]"

# --- graceful stop: withdraw first, forward during withdraw-wait-ms, then stop
term() {
	ACTIVE=$(demo_redundant_active) || return 1
	stop_bg "xtr-$ACTIVE" || return 1
	[ "$(demo_redundant_active)" != "$ACTIVE" ]
}
run stop term "$STOP_MAX" "SIGTERM to the active D-ETR (exits 0)"
check "stop: it logged the withdrawal before exiting" \
	grep -q "exiting in 500 ms" "$(bg_log "xtr-$ACTIVE")"
check "stop: it comes back and announces" eval 'demo_red_detr_start "$ACTIVE" && wait_until 30 demo_red_announcing "$ACTIVE"'
wait_until 10 eval '[ "$(demo_redundant_active)" = "$ACTIVE" ]'

# --- reload of the active D-ETR with a mapping peer changed (hold time of Map-Server 2):
# that session is reset gracefully, the mappings stay, the D-ETR stays fit
reload() {
	ACTIVE=$(demo_redundant_active) || return 1
	W0=$(cli 2620 "${NS[$ACTIVE]}" show statistics json | jq .underlay.withdrawals)
	sed -i 's|\(<peer address="192.0.2.34" [^>]*\)hold-time="30"|\1hold-time="27"|' \
		"$DEMO_DIR/xtr-$ACTIVE.xml"
	grep -q 'hold-time="27"' "$DEMO_DIR/xtr-$ACTIVE.xml" || return 1
	kill -HUP "$(bg_pid "xtr-$ACTIVE")"
	wait_until 10 grep -q "configuration reloaded" "$(bg_log "xtr-$ACTIVE")"
}
run reload reload "$RELOAD_MAX" "SIGHUP to the active D-ETR (a mapping peer changed)"
check "reload: the changed session came back" wait_until 20 eval \
	"cli 2620 ${NS[$ACTIVE]} show bgp neighbors 192.0.2.34 json | jq -e '.[0].state == \"Established\" and .[0].holdTimeConfigured == 27'"
check "reload: never withdrawn from the underlay" eval \
	"[ \"\$(cli 2620 ${NS[$ACTIVE]} show statistics json | jq .underlay.withdrawals)\" = \"$W0\" ]"

# --- kill -9 of Map-Server 1 just before vm1 migrates back to site A: the controller's
# registration reaches Map-Server 2 only; the D-ETRs keep Map-Server 1's mappings stale
# (graceful restart) but install the newer one from Map-Server 2
migrate() {
	kill -KILL "$(bg_pid ms-local)" || return 1
	DEMO_MIG_T0=$(demo_ms)
	demo_switchover b a || return 1
	demo_redundant_register sa 5
	log "migrate: lisp-register exit codes (Map-Server 1, 2): $DEMO_REG_RCS"
	[ "${DEMO_REG_RCS#* }" = 0 ] || return 1
	local r
	for r in detr detr2; do
		wait_until 10 demo_red_has_at "$r" 198.51.100.5 "$(demo_rloc sa)" || return 1
	done
	# wrong site from when site B learnt of the move (before that it still holds vm1)
	WRONG_AFTER=$(demo_old_site_notified_ms sb "$(demo_ms)" 198.51.100.5/32)
}
run migrate migrate "$MIG_MAX" "kill -9 Map-Server 1, vm1 migrates to site A through Map-Server 2"
unset WRONG_AFTER
check "migrate: flows to vm1 delivered at site A after the migration" \
	eval "awk -v t=$DEMO_MIG_T0 '\$2 == \"out\" && \$1 >= t && \$6 ~ /-vm1\$/ { n++ } END { exit !(n > 0) }' $DEMO_DIR/tap-sa.txt"
for r in detr detr2; do
	check "$r: Map-Server 1's session is down, its mappings stale, still fit" eval \
		"cli 2620 ${NS[$r]} show statistics json | jq -e '.underlay.fit'"
done
stop_bg bird-edge >/dev/null 2>&1
finish
