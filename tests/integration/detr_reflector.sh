#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/detr_reflector.sh - scale-out through a real route reflector: two
# lisp-msd and two anycast D-ETRs, all iBGP clients of BIRD 2 (rr namespace, 192.0.2.38: rr
# client, ADD-PATH on, next hop keep, graceful restart on), the edge router of
# detr_anycast.sh (scripts/demo-lib.sh "redundant layout", RR=1). Checked:
#   - every mapping reaches both D-ETRs through the reflector with its RLOC as next hop, one
#     path per Map-Server (ORIGINATOR_ID kept apart), an EID with two RLOCs as two paths of
#     each Map-Server (ADD-PATH), installed as one two-locator mapping;
#   - ordering: a move registered at Map-Server 2 only is taken by both D-ETRs although
#     Map-Server 1 still announces the old RLOC, and neither flaps back (polled) when the old
#     site re-registers at Map-Server 1; the registration time is in the routes (fn 6/7);
#   - the reflector restarted gracefully (`birdc graceful restart`, then bird -R) under four
#     flows at 1,000 packets/s: the D-ETRs keep the mappings stale and stay fit: at most
#     RR_RESTART_MAX (0) packets lost per flow, none at a wrong site;
#   - a reflector that sets next-hop-self towards a D-ETR (a misconfiguration): the D-ETR
#     refuses those routes as mappings (treat-as-withdraw, counted in show statistics) and
#     installs none with the reflector's address as RLOC.
if [ "${LISP_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "0 passed, 0 failed"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/scripts/demo-lib.sh"
need_root
need_cmd ip bridge jq nc arping python3 "${BIRD:-bird}"

RATE=1000
RESTART_MAX=${RR_RESTART_MAX:-0}

demo_init "$top_builddir"
[ "$DEMO_MODE" = lisp ] || skip_all "the LISP daemons are not all built: ${DEMO_INACTIVE[*]}"
demo_redundant_init anycast 1
check "topology (demo + second D-ETR, second Map-Server, BIRD reflector and edge router)" \
	eval 'demo_topology 0 && demo_redundant_topology' || finish
check "every daemon up; both D-ETRs fit and announcing (mappings through the reflector)" \
	demo_redundant_dataplane || finish
log "load: $(cut -d' ' -f1-3 /proc/loadavg)"

rr_up() { [ "$(birdc rr show protocols 2>/dev/null | grep -c Established)" = 4 ]; }
check "reflector: four clients Established (two Map-Servers, two D-ETRs)" wait_until 20 rr_up
# paths of PREFIX at ROLE: "nextHop originator" per path (show bgp routes json)
paths() {
	cli 2620 "${NS[$1]}" show bgp routes "$2" json | jq -r '.[] | "\(.nextHop)"' | sort
}
for r in detr detr2; do
	check "$r: 198.51.100.6 from both Map-Servers (two paths, RLOC kept as next hop)" \
		wait_until 10 eval "[ \"\$(paths $r 198.51.100.6/32 | tr '\n' ' ')\" = '192.0.2.2 192.0.2.2 ' ]"
done

# ADD-PATH: an EID with two RLOCs (the controller's lisp-register with two --rloc)
two_rlocs() {
	local ms
	for ms in 192.0.2.14 192.0.2.34; do
		ip netns exec "${NS[ms]}" timeout 10 "$DEMO_BIN/lisp-register" --ms "$ms:4342" \
			--key-file "$DEMO_DIR/dc.key" --key-id 1 --alg sha256 \
			--eid 198.51.100.77/32 --rloc 192.0.2.201 --rloc 192.0.2.202 || return 1
	done
}
# (RLOCs of no xTR: a site xTR told of an arrival would register the EID as its own)
check "198.51.100.77 registered with RLOCs 192.0.2.201 and .202 at both Map-Servers" two_rlocs
for r in detr detr2; do
	check "$r: four paths (2 RLOCs x 2 Map-Servers), one mapping of two locators" wait_until 10 eval \
		"[ \"\$(paths $r 198.51.100.77/32 | tr '\n' ' ')\" = '192.0.2.201 192.0.2.201 192.0.2.202 192.0.2.202 ' ] &&
		cli 2620 ${NS[$r]} show map-cache 198.51.100.77 json | jq -e '[.locators[].address] | sort == [\"192.0.2.201\",\"192.0.2.202\"]'"
done
check "reflector: 198.51.100.77 with four paths, Large Communities fn 6 (the registration time)" \
	eval "[ \"\$(birdc rr show route for 198.51.100.77/32 all | grep -c 'BGP.large_community:.*(65000, 6, ')\" = 4 ]"

# --- ordering: the move reaches Map-Server 2 only (Map-Server 1 is paused: SIGSTOP keeps its
# session up, holding the old mapping, and the site xTRs' registrations wait in its socket)
check "receivers ready (echo on both VMs, taps on both sites)" demo_redundant_receivers 300 || finish
check "the VM's announcer ready" demo_announcer_start vm1 5 "$DEMO_VM1MAC"
check "Map-Server 1 paused (SIGSTOP)" kill -STOP "$(bg_pid ms-local)"
reg_one() { # MS_ADDR ROLE
	ip netns exec "${NS[ms]}" timeout 10 "$DEMO_BIN/lisp-register" --ms "$1:4342" \
		--key-file "$DEMO_DIR/dc.key" --key-id 1 --alg sha256 \
		--eid 198.51.100.5/32 --eid 2001:db8:100::5/128 --rloc "$(demo_rloc "$2")"
}
check "vm1 moves to site B" demo_switchover a b
check "the move registered at Map-Server 2 only" reg_one 192.0.2.34 sb
DEMO_VM_AT[vm1]=sb
for r in detr detr2; do
	check "$r: vm1 -> site B although Map-Server 1 still says site A" \
		wait_until 10 demo_red_has_at "$r" 198.51.100.5 "$(demo_rloc sb)"
	check "$r: Map-Server 1's path still there with site A's RLOC" eval \
		"paths $r 198.51.100.5/32 | grep -qx 192.0.2.2"
done
# no flap back (polled every 0.2 s)
flapped() {
	local i r
	for i in $(seq 30); do
		for r in detr detr2; do
			demo_red_has_at "$r" 198.51.100.5 "$(demo_rloc sb)" || { echo "$r flapped at poll $i"; return 0; }
		done
		sleep 0.2
	done
	return 1
}
check_not "neither D-ETR flaps back to site A (polled 30 times in 6 s)" flapped
check "Map-Server 1 resumed (SIGCONT): it catches up from what waited in its socket" \
	kill -CONT "$(bg_pid ms-local)"
check_not "neither D-ETR flaps back while Map-Server 1 catches up (6 s)" flapped
check "Map-Server 1 registered too" reg_one 192.0.2.14 sb
check "detr: both paths at site B now" wait_until 10 eval \
	"[ \"\$(paths detr 198.51.100.5/32 | tr '\n' ' ')\" = '192.0.2.6 192.0.2.6 ' ]"
check "detr: the registration time is shown (registeredUnixMs)" eval \
	"cli 2620 ${NS[detr]} show map-cache 198.51.100.5 json | jq -e '.registeredUnixMs > 1500000000000'"

# --- graceful restart of the reflector under traffic
check "warm-up: every flow answered" demo_redundant_warm
rr_restart() {
	birdc rr graceful restart >/dev/null || return 1
	wait_until 10 eval '! bg_alive bird-rr' || return 1
	stop_bg bird-rr >/dev/null 2>&1
	sleep 1
	start_bg -n "${NS[rr]}" bird-rr "$BIRD" -R -f -c "$DEMO_DIR/bird-rr.conf" \
		-s "$(bird_sock rr)" -P "$T_TMP/bird-rr.pid" || return 1
	wait_until 20 rr_up
}
demo_redundant_flows_start "$RATE" $((RATE * 60)) rr
check "rr: flows running" wait_until 30 demo_redundant_flows_echoed rr $((RATE * 2))
T0=$(demo_ms)
log "rr: load $(cut -d' ' -f1-3 /proc/loadavg)"
check "rr: the reflector shut down for graceful restart and started again (bird -R)" rr_restart
for r in detr detr2; do
	check "rr: $r stayed fit, never withdrew (underlay withdrawals 0)" eval \
		"cli 2620 ${NS[$r]} show statistics json | jq -e '.underlay.fit and .underlay.withdrawals == 0'"
	check "rr: $r got its table back (stale purged at End-of-RIB, vm1 at site B)" \
		wait_until 20 demo_red_has_at "$r" 198.51.100.5 "$(demo_rloc sb)"
done
sleep 2
demo_redundant_flows_finish rr
check "rr: flows finished" demo_redundant_flows_wait rr 30
while read -r f n g; do
	log "rr: flow $f lost $n packets, longest gap $g ms"
	check "rr: flow $f lost $n <= $RESTART_MAX" test "${n:-99999}" -le "$RESTART_MAX"
done < <(demo_redundant_loss rr)
n=$(demo_redundant_wrong_site rr "$T0")
check "rr: no packet delivered at a site where its VM is not ($n)" test "$n" = 0

# --- a reflector with next-hop-self towards detr2 (a misconfiguration)
sed 's|^protocol bgp c_detr2 from cl { neighbor \(.*\) as 65000; }|protocol bgp c_detr2 from cl { neighbor \1 as 65000; ipv4 { import all; export where source = RTS_BGP; add paths on; next hop self; gateway recursive; }; }|' \
	"$DEMO_DIR/bird-rr.conf" >"$DEMO_DIR/bird-rr-nhs.conf"
check "reflector reconfigured: next hop self towards detr2 (IPv4)" eval \
	"grep -q 'next hop self' $DEMO_DIR/bird-rr-nhs.conf && birdc rr configure '\"$DEMO_DIR/bird-rr-nhs.conf\"' | grep -qi reconfigur"
birdc rr restart c_detr2 >/dev/null 2>&1
nh_rejected() {
	cli 2620 "${NS[detr2]}" show statistics json | jq -e '.bgp.nextHopRejected >= 2'
}
check "detr2: the reflected routes with the reflector's address are refused and counted" \
	wait_until 20 nh_rejected
check "detr2: no map-cache entry has the reflector's address as RLOC" eval \
	"! cli 2620 ${NS[detr2]} show map-cache json | jq -e '.mappings[] | select(.locators[]?.address == \"192.0.2.38\")'"
check "detr2: show bgp neighbors counts them per peer" eval \
	"cli 2620 ${NS[detr2]} show bgp neighbors 192.0.2.38 json | jq -e '.[0].nextHopRejected >= 2'"
log "detr2: $(cli 2620 "${NS[detr2]}" show statistics json | jq -c '.bgp')"
stop_bg bird-edge >/dev/null 2>&1
finish
