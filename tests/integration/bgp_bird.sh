#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/bgp_bird.sh - our BGP speaker (bgpspk) against BIRD 2 over eBGP on
# loopback (127.0.0.1 us, 127.0.0.2 BIRD with strict bind): 490 IPv4 host mappings (all the
# documentation space allows: 198.51.100.1-254 and 203.0.113.16-251) and 10,000 IPv6 ones
# reach BIRD (counted, one spot-checked for next hop = best RLOC and the LISP
# Large Communities), withdrawals remove them all, and BIRD's static routes reach us
# (`show bgp routes json`: next hop set by BIRD's export filter, Large Community added by
# it); the one with BIRD's own loopback address as next hop is refused as a mapping
# (RFC 4271 §6.3: no RLOC) and counted.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_cmd jq nc "${BIRD:-bird}"

SPK=$top_builddir/tests/integration/bgpspk
export LISP_SCHEMA_DIR=$top_srcdir/schema
P_BIRD=$(free_port tcp)
P_SPK=$(free_port tcp)
P_CLI=$(free_port tcp)

# ---- route files
awk 'BEGIN { for (i = 0; i < 490; i++)
	printf "%s/32 192.0.2.1/1/100 192.0.2.2/2/50 v=7 ttl=60\n", i < 254 ? "198.51.100." (i + 1) : "203.0.113." (i - 254 + 16) }' >"$T_TMP/v4.routes"
awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "2001:db8:1::%x/128 192.0.2.3/1/100\n", i }' >"$T_TMP/v6.routes"

cat >"$T_TMP/bird.conf" <<EOF
log "$T_TMP/bird.log" all;
router id 127.0.0.2;
protocol device {}
protocol static st4 { ipv4; route 0.0.0.0/0 unreachable; route 203.0.113.7/32 blackhole; route 203.0.113.8/32 blackhole; }
protocol static st6 { ipv6; route ::/0 unreachable; }
protocol bgp spk {
	local 127.0.0.2 port $P_BIRD as 65001;
	neighbor 127.0.0.1 port $P_SPK as 65000;
	strict bind on;
	multihop;
	hold time 30;
	connect retry time 2;
	ipv4 { import all; export filter { if proto = "st4" && net != 0.0.0.0/0 then { bgp_large_community.add((65001,1,5)); if net = 203.0.113.7/32 then bgp_next_hop = 192.0.2.77; accept; } reject; }; };
	ipv6 { import all; export none; extended next hop on; }; # IPv4-mapped next hops (IPv6 EID, IPv4 RLOC)
}
EOF
cat >"$T_TMP/spk.xml" <<EOF
<bgpspk>
  <cli port="$P_CLI" socket="$T_TMP/spk.ctl"/>
  <bgp as="65000" router-id="127.0.0.1">
    <listen address="127.0.0.1" port="$P_SPK"/>
    <peer address="127.0.0.2" as="65001" port="$P_BIRD" hold-time="30" connect-retry="2"/>
  </bgp>
</bgpspk>
EOF

check "bgpspk config is valid (-n)" "$SPK" -n -f "$T_TMP/spk.xml"
bird_start b1 "$T_TMP/bird.conf" || fail "bird starts"
start_bg spk "$SPK" -dv -f "$T_TMP/spk.xml"

established() { birdc b1 show protocols spk | grep -q Established; }
check "session with BIRD established" wait_until 30 established
check "our side is Established" json_poll 10 '.peers[0].state == "Established"' cli "$P_CLI" show bgp summary json

bird_count() { # table -> number of routes from spk
	birdc b1 show route table "$1" protocol spk count | sed -n 's/^\([0-9]*\) of .*/\1/p' | head -1
}
count_is() { [ "$(bird_count "$1")" = "$2" ]; }

t0=$(date +%s%N)
check "load 490 IPv4 mappings" cli "$T_TMP/spk.ctl" load "$T_TMP/v4.routes"
check "BIRD has all 490 IPv4 host routes" wait_until 60 count_is master4 490
t1=$(date +%s%N)
log "490 IPv4 mappings reached BIRD in $(((t1 - t0) / 1000000)) ms"
check "load 1k IPv6 mappings" cli "$T_TMP/spk.ctl" load "$T_TMP/v6.routes"
check "BIRD has all 10,000 IPv6 host routes" wait_until 60 count_is master6 10000
t2=$(date +%s%N)
log "10,000 IPv6 mappings reached BIRD in $(((t2 - t1) / 1000000)) ms"

birdc b1 show route 198.51.100.42/32 all >"$T_TMP/spot4.txt"
check "spot check: next hop is the best RLOC" grep -q "BGP.next_hop: 192.0.2.1" "$T_TMP/spot4.txt"
check "spot check: priority/weight/version/TTL large communities" \
	grep -q "BGP.large_community: (65000, 1, 1) (65000, 2, 100) (65000, 3, 0) (65000, 4, 7) (65000, 5, 60)" "$T_TMP/spot4.txt"
check "spot check: NO_EXPORT" grep -q "BGP.community: (65535,65281)" "$T_TMP/spot4.txt"
birdc b1 show route 2001:db8:1::2a/128 all >"$T_TMP/spot6.txt"
check "IPv6 EID over IPv4 RLOC: mapped next hop" grep -Eq "BGP.next_hop: (::ffff:)?192.0.2.3" "$T_TMP/spot6.txt"

check "BIRD's static route arrives (next hop 192.0.2.77)" json_poll 20 \
	'[.[] | select(.prefix == "203.0.113.7/32")] | length == 1' \
	cli "$P_CLI" show bgp routes json
check "received route: next hop and large community" json_poll 5 \
	'.[] | select(.prefix == "203.0.113.7/32") | .nextHop == "192.0.2.77" and (.largeCommunities | index("65001:1:5") != null) and .stale == false' \
	cli "$P_CLI" show bgp routes 203.0.113.7/32 json
check "receive callback reassembled the mapping" json_poll 5 \
	'.[0].rlocs[0].rloc == "192.0.2.77"' cli "$P_CLI" show received 203.0.113.7/32 json
check "203.0.113.8 with BIRD's loopback address as next hop: refused, counted" json_poll 5 \
	'.[0].nextHopRejected >= 1' cli "$P_CLI" show bgp neighbors json
check "... and not kept" json_poll 2 'length == 0' cli "$P_CLI" show bgp routes 203.0.113.8/32 json

t3=$(date +%s%N)
check "withdraw the IPv4 mappings" cli "$T_TMP/spk.ctl" unload "$T_TMP/v4.routes"
check "BIRD has no IPv4 host routes left" wait_until 60 count_is master4 0
log "490 IPv4 withdrawals took $((($(date +%s%N) - t3) / 1000000)) ms"
check "withdraw-all" cli "$T_TMP/spk.ctl" withdraw-all
check "BIRD has no IPv6 host routes left" wait_until 30 count_is master6 0
check "session still up" established
check "bgpspk alive" bg_alive spk
finish
