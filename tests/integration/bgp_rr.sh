#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/bgp_rr.sh - BIRD 2 as an iBGP route reflector (rr client, ADD-PATH on,
# next hop keep) between two instances of our speaker: the mappings A announces, several
# RLOCs each as their own ADD-PATH path (RFC 7911), arrive at B unchanged (RLOCs,
# priorities, weights, version, path IDs); a move (new RLOC set) and a withdrawal follow.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_cmd jq nc "${BIRD:-bird}"

SPK=$top_builddir/tests/integration/bgpspk
export LISP_SCHEMA_DIR=$top_srcdir/schema
P_RR=$(free_port tcp)
P_A=$(free_port tcp)
P_B=$(free_port tcp)
C_A=$(free_port tcp)
C_B=$(free_port tcp)

cat >"$T_TMP/bird.conf" <<EOF
log "$T_TMP/bird.log" all;
router id 127.0.0.2;
protocol device {}
protocol static { ipv4; route 0.0.0.0/0 unreachable; }
protocol static { ipv6; route ::/0 unreachable; }
template bgp cl {
	local 127.0.0.2 port $P_RR as 65000;
	strict bind on;
	rr client;
	rr cluster id 192.0.2.255;
	connect retry time 2;
	ipv4 { import all; export where source = RTS_BGP; add paths on; next hop keep; };
	ipv6 { import all; export where source = RTS_BGP; add paths on; next hop keep; extended next hop on; };
}
protocol bgp a from cl { neighbor 127.0.0.3 port $P_A as 65000; }
protocol bgp b from cl { neighbor 127.0.0.4 port $P_B as 65000; }
EOF
spk_conf() { # addr port cli
	cat <<EOF
<bgpspk>
  <cli port="$3" socket="$T_TMP/spk-$3.ctl"/>
  <bgp as="65000" router-id="$1">
    <listen address="$1" port="$2"/>
    <peer address="127.0.0.2" as="65000" port="$P_RR" connect-retry="2" add-path="both"/>
  </bgp>
</bgpspk>
EOF
}
spk_conf 127.0.0.3 "$P_A" "$C_A" >"$T_TMP/a.xml"
spk_conf 127.0.0.4 "$P_B" "$C_B" >"$T_TMP/b.xml"
cat >"$T_TMP/set1" <<EOF
198.51.100.5/32 192.0.2.1/1/60 192.0.2.2/1/40 192.0.2.3/2/100 v=5 ttl=30
198.51.100.6/32 192.0.2.4/1/100 v=1
2001:db8:5::5/128 192.0.2.1/1/50 192.0.2.2/1/50 v=2
EOF
cat >"$T_TMP/move" <<EOF
198.51.100.5/32 192.0.2.7/1/100 192.0.2.8/2/100 v=6 ttl=30
EOF

bird_start rr "$T_TMP/bird.conf" || fail "bird starts"
start_bg a "$SPK" -dv -f "$T_TMP/a.xml"
start_bg b "$SPK" -dv -f "$T_TMP/b.xml"
up() { cli "$1" show bgp summary json | jq -e '.peers[0].state == "Established"'; }
check "A established with the reflector" wait_until 30 up "$C_A"
check "B established with the reflector" wait_until 30 up "$C_B"
check "ADD-PATH negotiated both ways (IPv4 and IPv6)" json_poll 5 \
	'.[0].negotiated.addPathSend == ["ipv4","ipv6"] and .[0].negotiated.addPathReceive == ["ipv4","ipv6"]' \
	cli "$C_B" show bgp neighbors json
check "A announces" cli "$T_TMP/spk-$C_A.ctl" load "$T_TMP/set1"
check "B received 3 mappings" json_poll 20 'length == 3 and ([.[].rlocs | length] | add) == 6' \
	cli "$C_B" show received json
check "3 RLOCs of 198.51.100.5 unchanged" json_poll 5 \
	'.[0] | .version == 5 and .ttl == 30 and ([.rlocs[] | "\(.rloc)/\(.priority)/\(.weight)"] | sort) == ["192.0.2.1/1/60","192.0.2.2/1/40","192.0.2.3/2/100"]' \
	cli "$C_B" show received 198.51.100.5/32 json
check "one path per RLOC (IDs are per hop: distinct, non-zero), next hops kept" json_poll 5 \
	'([.[] | .pathId] | unique | length) == 3 and all(.[]; .pathId != 0) and ([.[] | .nextHop] | sort) == ["192.0.2.1","192.0.2.2","192.0.2.3"]' \
	cli "$C_B" show bgp routes 198.51.100.5/32 json
check "IPv6 EID with two IPv4 RLOCs" json_poll 5 \
	'.[0].rlocs | length == 2' cli "$C_B" show received 2001:db8:5::5/128 json
check "move: A announces the new RLOC set" cli "$T_TMP/spk-$C_A.ctl" load "$T_TMP/move"
check "B sees only the new RLOCs" json_poll 20 \
	'.[0] | .version == 6 and ([.rlocs[].rloc] | sort) == ["192.0.2.7","192.0.2.8"]' \
	cli "$C_B" show received 198.51.100.5/32 json
check "old paths withdrawn at B" json_poll 10 'length == 2' cli "$C_B" show bgp routes 198.51.100.5/32 json
check "withdraw everything at A" cli "$T_TMP/spk-$C_A.ctl" withdraw-all
check "B has nothing left" json_poll 20 'length == 0' cli "$C_B" show received json
check "both speakers alive" bash -c "kill -0 $(bg_pid a) && kill -0 $(bg_pid b)"
finish
