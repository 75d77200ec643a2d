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

SPK=$top_builddir/tests/integration/bgpspk
export LISP_SCHEMA_DIR=$top_srcdir/schema
P_A=$(free_port tcp)
P_B=$(free_port tcp)
C_A=$(free_port tcp)
C_B=$(free_port tcp)
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

spk_conf() { # addr port cli
	cat <<EOF
<bgpspk>
  <cli port="$3" socket="$T_TMP/spk-$3.ctl"/>
  <bgp as="65000" router-id="$1">
    <listen address="$1" port="$2"/>
    <peer address="192.0.2.254" as="65000" port="1179" connect-retry="2" add-path="both"/>
  </bgp>
</bgpspk>
EOF
}
spk_conf 127.0.0.3 "$P_A" "$C_A" >"$T_TMP/a.xml"
spk_conf 127.0.0.4 "$P_B" "$C_B" >"$T_TMP/b.xml"
cat >"$T_TMP/set1" <<EOF
198.51.100.5/32 192.0.2.1/1/60 192.0.2.2/1/40 192.0.2.3/2/100 v=5 ttl=30 t=1716380000123
198.51.100.6/32 192.0.2.4/1/100 v=1 t=1716380000999
2001:db8:5::5/128 192.0.2.1/1/50 192.0.2.2/1/50 v=2 t=1716380001000
EOF
cat >"$T_TMP/move" <<EOF
198.51.100.5/32 192.0.2.7/1/100 192.0.2.8/2/100 v=6 ttl=30 t=1716380005000
EOF

start_bg a "$SPK" -d -f "$T_TMP/a.xml"
start_bg b "$SPK" -d -f "$T_TMP/b.xml"
up() { cli "$1" show bgp summary json | jq -e '.peers[0].state == "Established"'; }
check "A established with the FRR reflector" wait_until 30 up "$C_A"
check "B established with the FRR reflector" wait_until 30 up "$C_B"
check "ADD-PATH negotiated both ways (IPv4 and IPv6) at B" json_poll 5 \
	'.[0].negotiated.addPathReceive == ["ipv4","ipv6"]' cli "$C_B" show bgp neighbors json
check "A announces" cli "$T_TMP/spk-$C_A.ctl" load "$T_TMP/set1"
check "B received 3 mappings (6 RLOCs)" json_poll 20 'length == 3 and ([.[].rlocs | length] | add) == 6' \
	cli "$C_B" show received json
check "3 RLOCs of 198.51.100.5 unchanged, with version, TTL and registration time" json_poll 5 \
	'.[0] | .version == 5 and .ttl == 30 and .registeredUnixMs == 1716380000123 and ([.rlocs[] | "\(.rloc)/\(.priority)/\(.weight)"] | sort) == ["192.0.2.1/1/60","192.0.2.2/1/40","192.0.2.3/2/100"]' \
	cli "$C_B" show received 198.51.100.5/32 json
check "one path per RLOC, next hops kept, reflected (FRR added ORIGINATOR_ID/CLUSTER_LIST)" json_poll 5 \
	'length == 3 and ([.[] | .nextHop] | sort) == ["192.0.2.1","192.0.2.2","192.0.2.3"]' \
	cli "$C_B" show bgp routes 198.51.100.5/32 json
vty show bgp ipv4 unicast 198.51.100.5/32 >"$T_TMP/frr-route.txt" 2>&1
check "FRR holds three paths of 198.51.100.5/32 with the Large Communities" eval \
	"[ \"\$(grep -c 'Large Community: 65000:1:' $T_TMP/frr-route.txt)\" = 3 ] &&
	grep -q '65000:6:1716380000 65000:7:123' $T_TMP/frr-route.txt"
check "IPv6 EID with two IPv4 RLOCs (IPv4-mapped next hops)" json_poll 5 \
	'.[0].rlocs | length == 2' cli "$C_B" show received 2001:db8:5::5/128 json
check "B refused no next hop" json_poll 2 '.[0].nextHopRejected == 0' cli "$C_B" show bgp neighbors json
check "move: A announces the new RLOC set" cli "$T_TMP/spk-$C_A.ctl" load "$T_TMP/move"
check "B sees only the new RLOCs and the new time" json_poll 20 \
	'.[0] | .version == 6 and .registeredUnixMs == 1716380005000 and ([.rlocs[].rloc] | sort) == ["192.0.2.7","192.0.2.8"]' \
	cli "$C_B" show received 198.51.100.5/32 json
check "old paths withdrawn at B" json_poll 10 'length == 2' cli "$C_B" show bgp routes 198.51.100.5/32 json
check "withdraw everything at A" cli "$T_TMP/spk-$C_A.ctl" withdraw-all
check "B has nothing left" json_poll 20 'length == 0' cli "$C_B" show received json
check "both speakers alive" bash -c "kill -0 $(bg_pid a) && kill -0 $(bg_pid b)"
finish
