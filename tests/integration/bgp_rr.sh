#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/bgp_rr.sh - BIRD 2 as an iBGP route reflector (rr client, ADD-PATH on,
# next hop keep) between two instances of our speaker: the mappings A announces, several
# RLOCs each as their own ADD-PATH path (RFC 7911), arrive at B unchanged (RLOCs,
# priorities, weights, version, TTL, registration time, path IDs); a move (new RLOC set)
# and a withdrawal follow (setup and common checks: bgp_rr_lib.sh, shared with FRR's).
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_cmd jq nc "${BIRD:-bird}"

. "$top_srcdir/tests/integration/bgp_rr_lib.sh"
P_RR=$(free_port tcp)

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
bird_start rr "$T_TMP/bird.conf" || fail "bird starts"
rr_speakers 127.0.0.2 "$P_RR" -dv
rr_announce_checks BIRD
check "ADD-PATH negotiated both ways (IPv4 and IPv6)" json_poll 5 \
	'.[0].negotiated.addPathSend == ["ipv4","ipv6"] and .[0].negotiated.addPathReceive == ["ipv4","ipv6"]' \
	cli "$C_B" show bgp neighbors json
check "one path per RLOC (IDs are per hop: distinct, non-zero), next hops kept" json_poll 5 \
	'([.[] | .pathId] | unique | length) == 3 and all(.[]; .pathId != 0) and ([.[] | .nextHop] | sort) == ["192.0.2.1","192.0.2.2","192.0.2.3"]' \
	cli "$C_B" show bgp routes 198.51.100.5/32 json
rr_move_checks
finish
