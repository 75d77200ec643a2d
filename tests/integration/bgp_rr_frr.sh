#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/bgp_rr_frr.sh - FRR (Debian 12's frr 8.4) as an iBGP route reflector
# between two instances of our speaker, with the configuration of docs/bgp-mappings.md
# "Route reflectors: FRR" (route-reflector-client, addpath-tx-all-paths, next hop left as
# it is): the mappings A announces arrive at B unchanged - every RLOC its own ADD-PATH path,
# the RLOC as next hop, priorities, weights, map version, TTL and the registration time
# (Large Communities fn 6/7) - with ORIGINATOR_ID set; a move and a withdrawal follow. zebra
# runs beside bgpd for next-hop tracking: the RLOCs resolve through 192.0.2.0/24 on lo.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_root
need_cmd jq nc
FRR=${FRR_DIR:-/usr/lib/frr}
[ -x "$FRR/bgpd" ] && [ -x "$FRR/zebra" ] && command -v vtysh >/dev/null ||
	skip_all "FRR is not installed (Debian package frr, scripts/deps.sh test)"
getent passwd frr >/dev/null || skip_all "FRR's user frr is missing"

. "$top_srcdir/tests/integration/bgp_rr_lib.sh"
# FRR's session address, and the RLOCs resolve through it (next-hop tracking); zebra does
# not report 127/8 addresses, and bgpd needs its session address on an interface it knows
ip addr add 192.0.2.254/24 dev lo

FD=$T_TMP/frr
mkdir -p "$FD" && chmod 777 "$FD" # bgpd and zebra run as frr
cat >"$FD/zebra.conf" <<EOF
hostname lisp-rr-zebra
EOF
cat >"$FD/bgpd.conf" <<EOF
frr defaults traditional
hostname lisp-rr
log file $FD/bgpd.log informational
router bgp 65000
 bgp router-id 192.0.2.254
 bgp cluster-id 192.0.2.255
 no bgp default ipv4-unicast
 bgp graceful-restart
 neighbor cl peer-group
 neighbor cl remote-as 65000
 neighbor cl update-source 192.0.2.254
 neighbor cl timers connect 2
 neighbor cl passive
 neighbor 127.0.0.3 peer-group cl
 neighbor 127.0.0.3 port $P_A
 neighbor 127.0.0.4 peer-group cl
 neighbor 127.0.0.4 port $P_B
 address-family ipv4 unicast
  neighbor cl activate
  neighbor cl route-reflector-client
  neighbor cl addpath-tx-all-paths
 exit-address-family
 address-family ipv6 unicast
  neighbor cl activate
  neighbor cl route-reflector-client
  neighbor cl addpath-tx-all-paths
 exit-address-family
EOF
chmod 644 "$FD"/*.conf
start_bg zebra "$FRR/zebra" -f "$FD/zebra.conf" -i "$FD/zebra.pid" -z "$FD/zserv.api" \
	--vty_socket "$FD" -u frr -g frr -P 0
check "zebra up" wait_until 10 test -S "$FD/zserv.api"
start_bg bgpd "$FRR/bgpd" -f "$FD/bgpd.conf" -i "$FD/bgpd.pid" -z "$FD/zserv.api" \
	--vty_socket "$FD" -u frr -g frr -P 0 -l 192.0.2.254 -p 1179
vty() { timeout 10 vtysh --vty_socket "$FD" -c "$*"; }
check "bgpd answers vtysh" wait_until 10 vty show bgp summary
# bgpd learns the interfaces and addresses from zebra: until then it cannot set the next
# hop of a session ("nexthop_set failed") and resets it
zebra_ifs() { vty show interface lo | grep -q '192.0.2.254/24'; }
check "bgpd knows lo's addresses from zebra" wait_until 10 zebra_ifs
sleep 1

rr_speakers 192.0.2.254 1179
rr_announce_checks FRR
check "ADD-PATH negotiated both ways (IPv4 and IPv6) at B" json_poll 5 \
	'.[0].negotiated.addPathReceive == ["ipv4","ipv6"]' cli "$C_B" show bgp neighbors json
check "one path per RLOC, next hops kept, reflected (FRR added ORIGINATOR_ID/CLUSTER_LIST)" json_poll 5 \
	'length == 3 and ([.[] | .nextHop] | sort) == ["192.0.2.1","192.0.2.2","192.0.2.3"]' \
	cli "$C_B" show bgp routes 198.51.100.5/32 json
vty show bgp ipv4 unicast 198.51.100.5/32 >"$T_TMP/frr-route.txt" 2>&1
check "FRR holds three paths of 198.51.100.5/32 with the Large Communities" eval \
	"[ \"\$(grep -c 'Large Community: 65000:1:' $T_TMP/frr-route.txt)\" = 3 ] &&
	grep -q '65000:6:1716380000 65000:7:123' $T_TMP/frr-route.txt"
check "B refused no next hop" json_poll 2 '.[0].nextHopRejected == 0' cli "$C_B" show bgp neighbors json
rr_move_checks
finish
