#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/bgp_collision.sh - RFC 4271 §6.8 between two instances of our speaker,
# both active, connecting to each other at the same moment. Each round starts both with
# the same <start at=...> (bgpspk.c): the listeners open at once, the peers start at AT and
# the listeners accept from AT + a per-instance delay, so each one's connection waits in
# the other's accept queue: a collision every round, the OPENs crossing in a different
# order depending on the delays (equal; the lower Identifier late; the higher late; none).
# Every round: exactly one session comes up and stays up (established once, no flap, for
# 5 s with 1-s keepalives); when a 6/7 was exchanged the connection kept is the one the
# speaker with the higher BGP Identifier opened (B: 192.0.2.12 > A: 192.0.2.11), and the
# Cease/Connection Collision Resolution is counted on the side(s) that closed the loser.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_cmd jq nc

SPK=$top_builddir/tests/integration/bgpspk
export LISP_SCHEMA_DIR=$top_srcdir/schema

conf() { # NAME ADDR RID BGP_PORT CLI_PORT PEER_ADDR PEER_PORT AT DELAY
	cat <<EOF
<bgpspk>
  <cli port="$5"/>
  <start at="$8" accept-delay="$9"/>
  <bgp as="65000" router-id="$3">
    <listen address="$2" port="$4"/>
    <peer address="$6" as="65000" port="$7" connect-retry="2" hold-time="3"/>
  </bgp>
</bgpspk>
EOF
}

round() { # LABEL DELAY_A DELAY_B
	local label=$1 da=$2 db=$3
	local pa pb ca cb at
	pa=$(free_port tcp) pb=$(free_port tcp) ca=$(free_port tcp) cb=$(free_port tcp)
	at=$(($(date +%s%3N) + 1500))
	conf a 127.0.0.11 192.0.2.11 "$pa" "$ca" 127.0.0.12 "$pb" "$at" "$da" >"$T_TMP/a-$label.xml"
	conf b 127.0.0.12 192.0.2.12 "$pb" "$cb" 127.0.0.11 "$pa" "$at" "$db" >"$T_TMP/b-$label.xml"
	start_bg "a-$label" "$SPK" -dv -f "$T_TMP/a-$label.xml"
	start_bg "b-$label" "$SPK" -dv -f "$T_TMP/b-$label.xml"
	check "$label: A Established" json_poll 8 '.[0].state == "Established"' cli "$ca" show bgp neighbors json
	check "$label: B Established" json_poll 5 '.[0].state == "Established"' cli "$cb" show bgp neighbors json
	sleep 5
	cli "$ca" show bgp neighbors json >"$T_TMP/a-$label.json"
	cli "$cb" show bgp neighbors json >"$T_TMP/b-$label.json"
	local one='.[0].state == "Established" and .[0].establishedCount == 1 and .[0].flaps == 0 and .[0].uptimeSeconds >= 4'
	check "$label: A one session, no flap" jq -e "$one" "$T_TMP/a-$label.json"
	check "$label: B one session, no flap" jq -e "$one" "$T_TMP/b-$label.json"
	local sent
	sent=$(jq -s '[.[][0].collisionsSent] | add' "$T_TMP/a-$label.json" "$T_TMP/b-$label.json")
	log "$label: 6/7 sent A+B: $sent, received A $(jq '.[0].collisionsReceived' "$T_TMP/a-$label.json") B $(jq '.[0].collisionsReceived' "$T_TMP/b-$label.json")"
	if [ "${sent:-0}" -gt 0 ]; then
		check "$label: B (higher ID) kept its own connection" \
			jq -e '.[0].connectionInitiatedBy == "local"' "$T_TMP/b-$label.json"
		check "$label: A (lower ID) kept B's connection" \
			jq -e '.[0].connectionInitiatedBy == "remote"' "$T_TMP/a-$label.json"
	fi
	T_SENT=$((T_SENT + ${sent:-0}))
	stop_bg "a-$label"
	stop_bg "b-$label"
}

T_SENT=0
round equal 100 100
round a-late 300 0
round b-late 0 300
round no-delay 0 0
check "a Cease/Connection Collision Resolution was counted" test "$T_SENT" -gt 0
finish
