# SPDX-License-Identifier: ISC
# tests/integration/bgp_rr_lib.sh - what bgp_rr.sh (BIRD) and bgp_rr_frr.sh (FRR) share: two
# instances of our speaker, A (127.0.0.3) and B (127.0.0.4), iBGP clients of the reflector
# under test with ADD-PATH both ways, and the mappings A announces, moves and withdraws; B
# must receive them unchanged. Sourced after lib.sh; each script adds its reflector's checks.

SPK=$top_builddir/tests/integration/bgpspk
export LISP_SCHEMA_DIR=$top_srcdir/schema
P_A=$(free_port tcp)
P_B=$(free_port tcp)
C_A=$(free_port tcp)
C_B=$(free_port tcp)

# rr_speakers RR_ADDR RR_PORT [bgpspk options]: A's and B's configurations, the mapping
# sets (set1: three mappings, six RLOCs; move: 198.51.100.5's new RLOC set), A and B started
rr_speakers() {
	local rr=$1 port=$2 opts=${3:--d} n a p c
	for n in a b; do
		if [ "$n" = a ]; then a=127.0.0.3 p=$P_A c=$C_A; else a=127.0.0.4 p=$P_B c=$C_B; fi
		cat >"$T_TMP/$n.xml" <<EOF
<bgpspk>
  <cli port="$c" socket="$T_TMP/spk-$c.ctl"/>
  <bgp as="65000" router-id="$a">
    <listen address="$a" port="$p"/>
    <peer address="$rr" as="65000" port="$port" connect-retry="2" add-path="both"/>
  </bgp>
</bgpspk>
EOF
	done
	cat >"$T_TMP/set1" <<EOF
198.51.100.5/32 192.0.2.1/1/60 192.0.2.2/1/40 192.0.2.3/2/100 v=5 ttl=30 t=1716380000123
198.51.100.6/32 192.0.2.4/1/100 v=1 t=1716380000999
2001:db8:5::5/128 192.0.2.1/1/50 192.0.2.2/1/50 v=2 t=1716380001000
EOF
	cat >"$T_TMP/move" <<EOF
198.51.100.5/32 192.0.2.7/1/100 192.0.2.8/2/100 v=6 ttl=30 t=1716380005000
EOF
	start_bg a "$SPK" $opts -f "$T_TMP/a.xml"
	start_bg b "$SPK" $opts -f "$T_TMP/b.xml"
}

rr_up() { cli "$1" show bgp summary json | jq -e '.peers[0].state == "Established"'; }

# rr_announce_checks NAME: both sessions up, A announces set1, B holds it unchanged (RLOCs,
# priorities, weights, map version, TTL, registration time: Large Communities fn 6/7)
rr_announce_checks() {
	check "A established with the $1 reflector" wait_until 30 rr_up "$C_A"
	check "B established with the $1 reflector" wait_until 30 rr_up "$C_B"
	check "A announces" cli "$T_TMP/spk-$C_A.ctl" load "$T_TMP/set1"
	check "B received 3 mappings (6 RLOCs)" json_poll 20 \
		'length == 3 and ([.[].rlocs | length] | add) == 6' cli "$C_B" show received json
	check "3 RLOCs of 198.51.100.5 unchanged, with version, TTL and registration time" json_poll 5 \
		'.[0] | .version == 5 and .ttl == 30 and .registeredUnixMs == 1716380000123 and ([.rlocs[] | "\(.rloc)/\(.priority)/\(.weight)"] | sort) == ["192.0.2.1/1/60","192.0.2.2/1/40","192.0.2.3/2/100"]' \
		cli "$C_B" show received 198.51.100.5/32 json
	check "IPv6 EID with two IPv4 RLOCs" json_poll 5 \
		'.[0].rlocs | length == 2' cli "$C_B" show received 2001:db8:5::5/128 json
}

# rr_move_checks: A moves 198.51.100.5 (B holds only the new RLOCs, the old paths are
# withdrawn), then withdraws everything; both speakers still run
rr_move_checks() {
	check "move: A announces the new RLOC set" cli "$T_TMP/spk-$C_A.ctl" load "$T_TMP/move"
	check "B sees only the new RLOCs and the new time" json_poll 20 \
		'.[0] | .version == 6 and .registeredUnixMs == 1716380005000 and ([.rlocs[].rloc] | sort) == ["192.0.2.7","192.0.2.8"]' \
		cli "$C_B" show received 198.51.100.5/32 json
	check "old paths withdrawn at B" json_poll 10 'length == 2' cli "$C_B" show bgp routes 198.51.100.5/32 json
	check "withdraw everything at A" cli "$T_TMP/spk-$C_A.ctl" withdraw-all
	check "B has nothing left" json_poll 20 'length == 0' cli "$C_B" show received json
	check "both speakers alive" bash -c "kill -0 $(bg_pid a) && kill -0 $(bg_pid b)"
}
