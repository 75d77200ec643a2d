#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/detr_locator_set.sh - two D-ETRs in the locator-set layout: each
# registers the aggregates with its own RLOC in the global mapping system (192.0.2.10
# priority 1, 192.0.2.30 priority 2: active/standby), the global Map-Server merges them into
# one locator set, the outside xTR probes both (every 1 s, 200 ms timeout, down after 2
# misses) and fails over; both also announce their RLOC and the aggregates to the edge
# router, which the non-LISP client's traffic follows (scripts/demo-lib.sh "redundant
# layout"). vm1 at site B, vm2 at site A, four flows at 1,000 packets/s. Checked: the merged
# locator set at the global Map-Server and in the outside xTR's map-cache; kill -9 of the
# active D-ETR: the outside host's flows fail over by probing within the probing bound
# (interval + misses x timeout, plus LOCSET_SLACK_MS for the loaded machine) and the client's
# by the edge router (<= LOCSET_CLIENT_MAX packets); no packet delivered at a wrong site;
# SIGTERM of the active one (restarted first): the client's flows lose nothing, the outside
# host's at most the probing bound (the ITR still sends to the stopped RLOC).
if [ "${LISP_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "0 passed, 0 failed"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/scripts/demo-lib.sh"
need_root
need_cmd ip bridge jq nc arping python3 "${BIRD:-bird}"

RATE=1000
DEMO_PROBE_INTERVAL=1 DEMO_PROBE_RETRIES=2
DEMO_PROBE_TIMEOUT_MS=200
SLACK_MS=${LOCSET_SLACK_MS:-700}
PROBE_MAX=$(((DEMO_PROBE_INTERVAL * 1000 + DEMO_PROBE_RETRIES * DEMO_PROBE_TIMEOUT_MS + SLACK_MS) * RATE / 1000))
CLIENT_MAX=${LOCSET_CLIENT_MAX:-50}

demo_init "$top_builddir"
[ "$DEMO_MODE" = lisp ] || skip_all "the LISP daemons are not all built: ${DEMO_INACTIVE[*]}"
demo_redundant_init locator-set
check "topology (demo + second D-ETR, second Map-Server, BIRD edge router)" \
	eval 'demo_topology 0 && demo_redundant_topology' || finish
check "every daemon up; both D-ETRs fit and announcing" demo_redundant_dataplane || finish
log "load: $(cut -d' ' -f1-3 /proc/loadavg)"

# the global Map-Server merges both D-ETRs' registrations into one locator set
gms_set() {
	cli 2621 "${NS[gms]}" show registrations 198.51.100.0/24 json |
		jq -e '[.. | objects | select(has("rloc") and has("priority")) | "\(.rloc)/\(.priority)"] | sort == ["192.0.2.10/1","192.0.2.30/2"]'
}
check "global Map-Server: 198.51.100.0/24 -> 192.0.2.10 (priority 1), 192.0.2.30 (priority 2)" \
	wait_until 15 gms_set

check "receivers ready (echo on both VMs, taps on both sites)" demo_redundant_receivers 300 || finish
check "the VM's announcer ready" demo_announcer_start vm1 5 "$DEMO_VM1MAC"
check "vm1 moves to site B" demo_switchover a b
check "the controller registers vm1 at site B (both Map-Servers)" demo_redundant_register sb 5
for r in detr detr2; do
	check "$r: vm1 -> site B" wait_until 10 demo_red_has_at "$r" 198.51.100.5 "$(demo_rloc sb)"
done
check "warm-up: every flow answered" demo_redundant_warm
oxtr_set() {
	demo_xtr_cli oxtr show map-cache 198.51.100.5 json |
		jq -e '[.locators[] | "\(.address)/\(.priority)"] | sort == ["192.0.2.10/1","192.0.2.30/2"]'
}
check "outside xTR: the aggregate with both D-ETRs' RLOCs" oxtr_set

# run TAG ACTION OUT_BOUND CLIENT_BOUND WHAT: four flows, ACTION after 2 s, SECS s more
run() {
	local tag=$1 action=$2 obound=$3 cbound=$4 f n g b t0
	demo_redundant_flows_start "$RATE" $((RATE * 60)) "$tag"
	check "$tag: flows running" wait_until 30 demo_redundant_flows_echoed "$tag" $((RATE * 2))
	t0=$(demo_ms)
	log "$tag: load $(cut -d' ' -f1-3 /proc/loadavg)"
	check "$tag: $5" "$action"
	sleep "${SECS:-6}"
	demo_redundant_flows_finish "$tag"
	check "$tag: flows finished" demo_redundant_flows_wait "$tag" 30
	while read -r f n g; do
		b=$cbound
		case $f in out-*) b=$obound ;; esac
		log "$tag: flow $f lost $n packets, longest gap $g ms"
		check "$tag: flow $f lost $n <= $b" test "${n:-99999}" -le "$b"
	done < <(demo_redundant_loss "$tag")
	n=$(demo_redundant_wrong_site "$tag" "$t0")
	check "$tag: no packet delivered at a site where its VM is not ($n)" test "$n" = 0
}

kill9() {
	ACTIVE=$(demo_redundant_active) || return 1
	[ "$ACTIVE" = detr ] || return 1 # priority 1 and the lower router ID
	kill -KILL "$(bg_pid "xtr-$ACTIVE")"
}
run kill9 kill9 "$PROBE_MAX" "$CLIENT_MAX" "kill -9 the active D-ETR (priority 1)"
stop_bg xtr-detr >/dev/null 2>&1
check "kill9: the outside xTR marked 192.0.2.10 down (probing)" eval \
	"demo_xtr_cli oxtr show statistics json | jq -e '.control.locatorsDown >= 1'"

check "the D-ETR comes back and announces" eval 'demo_red_detr_start detr && wait_until 30 demo_red_announcing detr'
check "the outside xTR finds 192.0.2.10 up again (probing)" wait_until 10 eval \
	"demo_xtr_cli oxtr show statistics json | jq -e '.control.locatorsUp >= 1'"
wait_until 10 eval '[ "$(demo_redundant_active)" = detr ]'

term() {
	ACTIVE=$(demo_redundant_active) || return 1
	stop_bg "xtr-$ACTIVE"
}
run stop term "$PROBE_MAX" 0 "SIGTERM to the active D-ETR (exits 0)"
stop_bg bird-edge >/dev/null 2>&1
finish
