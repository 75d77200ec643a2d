#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/bgp_gr.sh - graceful restart (RFC 4724). Sender A (our speaker) peers
# with BIRD 2 (helper) and with B (our speaker as helper). A is killed with -9: both
# keep A's routes as stale; A restarts with the R bit and the F bit (<forwarding
# preserved="true"/>: without F the helpers would drop the stale routes at once, RFC 4724
# §4.2) and a changed set (half removed, half new): after End-of-RIB both hold exactly the
# new set, nothing stale. The R bit ends with A's initial update (RFC 4724 §4.1): a session
# opened afterwards carries none. A and B both connect actively (collisions: bgp_collision.sh).
# Then RFC 8538 (N bit, A and B only; BIRD 2.0.12 sends none): `clear bgp` keeps the routes
# stale and ends with the same set, `clear bgp ADDR hard` drops them, a SIGTERM stop is
# graceful (B and BIRD keep the routes) and `stop-mode hard` + SIGTERM makes both drop them.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_cmd jq nc "${BIRD:-bird}"

SPK=$top_builddir/tests/integration/bgpspk
export LISP_SCHEMA_DIR=$top_srcdir/schema
P_BIRD=$(free_port tcp)
P_A=$(free_port tcp)
P_B=$(free_port tcp)
C_A=$(free_port tcp)
C_B=$(free_port tcp)

awk 'BEGIN { for (i = 1; i <= 100; i++) printf "198.51.100.%d/32 192.0.2.1/1/100\n", i }' >"$T_TMP/set1"
awk 'BEGIN { for (i = 51; i <= 150; i++) printf "198.51.100.%d/32 192.0.2.2/1/100 v=2\n", i }' >"$T_TMP/set2"

cat >"$T_TMP/bird.conf" <<EOF
log "$T_TMP/bird.log" all;
router id 127.0.0.2;
protocol device {}
protocol static { ipv4; route 0.0.0.0/0 unreachable; }
protocol bgp a {
	local 127.0.0.2 port $P_BIRD as 65001;
	neighbor 127.0.0.3 port $P_A as 65000;
	strict bind on;
	multihop;
	connect retry time 2;
	graceful restart on;
	graceful restart time 60;
	ipv4 { import all; export none; };
}
EOF
a_conf() { # restarting routes
	cat <<EOF
<bgpspk>
  <cli port="$C_A" socket="$T_TMP/a.ctl"/>
  <routes file="$2"/>
  <forwarding preserved="true"/>
  <bgp as="65000" router-id="127.0.0.3">
    <listen address="127.0.0.3" port="$P_A"/>
    <graceful-restart time="60" restarting="$1"/>
    <peer address="127.0.0.2" as="65001" port="$P_BIRD" connect-retry="2" families="ipv4"/>
    <peer address="127.0.0.4" as="65000" port="$P_B" connect-retry="2"/>
  </bgp>
</bgpspk>
EOF
}
a_conf false "$T_TMP/set1" >"$T_TMP/a1.xml"
a_conf true "$T_TMP/set2" >"$T_TMP/a2.xml"
cat >"$T_TMP/b.xml" <<EOF
<bgpspk>
  <cli port="$C_B" socket="$T_TMP/b.ctl"/>
  <bgp as="65000" router-id="127.0.0.4">
    <listen address="127.0.0.4" port="$P_B"/>
    <peer address="127.0.0.3" as="65000" port="$P_A" connect-retry="2" stale-time="60"/>
  </bgp>
</bgpspk>
EOF

bird_start b1 "$T_TMP/bird.conf" || fail "bird starts"
start_bg b "$SPK" -dv -f "$T_TMP/b.xml"
start_bg a "$SPK" -dv -f "$T_TMP/a1.xml"
bird_count() { birdc b1 show route protocol a count | sed -n 's/^\([0-9]*\) of .*/\1/p' | head -1; }
bird_has() { [ "$(bird_count)" = "$1" ]; }
bird_net() { birdc b1 show route "$1" | grep -q "$1"; }

check "BIRD has the 100 routes of set 1" wait_until 30 bird_has 100
check "B has the 100 mappings of set 1" json_poll 30 '.mappingsReceived == 100' cli "$C_B" show speaker json
check "GR negotiated with B" json_poll 5 '.[0].negotiated.gracefulRestart == true and .[0].negotiated.peerRestartTime == 60' \
	cli "$C_B" show bgp neighbors json

kill -9 "$(bg_pid a)"
wait "$(bg_pid a)" 2>/dev/null
check "B keeps A's mappings, all stale" json_poll 10 '.mappingsReceived == 100 and .mappingsStale == 100 and .staleEvents == 1' \
	cli "$C_B" show speaker json
check "B shows stale paths" json_poll 5 '.[0].stalePaths == 100 and .[0].state != "Established"' \
	cli "$C_B" show bgp neighbors json
sleep 1
check "BIRD keeps the routes meanwhile" bird_has 100
birdc b1 show protocols all a >"$T_TMP/bird-gr.txt"

start_bg a2 "$SPK" -dv -f "$T_TMP/a2.xml"
check "restarted A advertises the R bit" json_poll 30 '[.[] | select(.state == "Established") | .negotiated.restartBitSent] | length == 2 and all' \
	cli "$C_A" show bgp neighbors json
check "B ends with exactly set 2" json_poll 30 '.mappingsReceived == 100 and .mappingsStale == 0 and .purged == 50' \
	cli "$C_B" show speaker json
check "B saw A's F bit" json_poll 5 '.[0].negotiated.peerForwardingState == ["ipv4", "ipv6"]' \
	cli "$C_B" show bgp neighbors json
check "A: initial update done, R bit over" json_poll 10 '.restartState == false' cli "$C_A" show bgp summary json
cli "$T_TMP/a.ctl" clear bgp 127.0.0.4 >/dev/null
check "A's next session to B has no R bit" json_poll 20 \
	'[.[] | select(.neighbor == "127.0.0.4" and .state == "Established" and .negotiated.restartBitSent == false)] | length == 1' \
	cli "$C_A" show bgp neighbors json
check "B still has set 2 after the reset" json_poll 20 '.mappingsReceived == 100 and .mappingsStale == 0' \
	cli "$C_B" show speaker json
check "B: 198.51.100.1 gone, 198.51.100.150 present with the new RLOC" json_poll 5 \
	'.[0].rlocs[0].rloc == "192.0.2.2"' cli "$C_B" show received 198.51.100.150/32 json
b_has() { cli "$C_B" show received "$1" json | jq -e 'length > 0'; }
check_not "B: 198.51.100.1 purged" b_has 198.51.100.1/32
check "BIRD ends with exactly 100 routes" wait_until 30 bird_has 100
check "BIRD: 198.51.100.150 present" bird_net 198.51.100.150/32
check_not "BIRD: 198.51.100.1 purged" bird_net 198.51.100.1/32
check "B alive" bg_alive b

# ---- RFC 8538: NOTIFICATIONs under the N bit (A and B advertise it; BIRD 2.0.12 does not)
spk() { cli "$1" show speaker json | jq -r ".$2"; }
check "N negotiated between A and B" json_poll 5 \
	'[.[] | select(.neighbor == "127.0.0.4") | .negotiated.gracefulNotification] == [true]' \
	cli "$C_A" show bgp neighbors json
check "N not negotiated with BIRD (it sends no N bit)" json_poll 5 \
	'[.[] | select(.neighbor == "127.0.0.2") | .negotiated.gracefulNotification] == [false]' \
	cli "$C_A" show bgp neighbors json
grep -i "notification" "$T_TMP/bird-gr.txt" | sed 's/^/# bird: /'
st0=$(spk "$C_B" staleEvents)
wd0=$(spk "$C_B" withdrawnEvents)
cli "$T_TMP/b.ctl" clear bgp 127.0.0.3 >/dev/null
check "clear bgp (graceful): B keeps A's routes as stale" json_poll 10 \
	".staleEvents == $((st0 + 1)) and .mappingsReceived == 100" cli "$C_B" show speaker json
check "B back Established with A, exactly the same set, nothing stale" json_poll 30 \
	".mappingsReceived == 100 and .mappingsStale == 0 and .withdrawnEvents == $wd0" \
	cli "$C_B" show speaker json
check "B: the reset was Cease / Administrative Reset" json_poll 5 \
	'.[0].state == "Established" and .[0].lastError == "sent Cease / Administrative Reset"' \
	cli "$C_B" show bgp neighbors json
check "B saw the F bit in A's OPEN after the graceful reset (RFC 8538 §4)" json_poll 5 \
	'.[0].negotiated.peerForwardingState == ["ipv4", "ipv6"]' cli "$C_B" show bgp neighbors json
st1=$(spk "$C_B" staleEvents)
cli "$T_TMP/b.ctl" clear bgp 127.0.0.3 hard >/dev/null
check "clear bgp hard: B drops A's 100 routes at once, none stale" json_poll 10 \
	".withdrawnEvents == $((wd0 + 100)) and .staleEvents == $st1" cli "$C_B" show speaker json
check "A received Cease / Hard Reset" json_poll 10 \
	'[.[] | select(.neighbor == "127.0.0.4") | .lastError] == ["received Cease / Hard Reset (Cease / Administrative Reset)"]' \
	cli "$C_A" show bgp neighbors json
check "B gets the set again after the hard reset" json_poll 30 \
	'.mappingsReceived == 100 and .mappingsStale == 0' cli "$C_B" show speaker json

# graceful stop (SIGTERM -> bgp_free): Cease/Administrative Shutdown to B (N: kept stale),
# only a close to BIRD (GR without N: kept stale too)
st2=$(spk "$C_B" staleEvents)
wd2=$(spk "$C_B" withdrawnEvents)
stop_bg a2
check "graceful stop: B keeps A's routes as stale" json_poll 10 \
	".staleEvents == $((st2 + 1)) and .mappingsReceived == 100 and .mappingsStale == 100 and .withdrawnEvents == $wd2" \
	cli "$C_B" show speaker json
check "B: the stop was Cease / Administrative Shutdown" json_poll 5 \
	'.[0].lastError == "received Cease / Administrative Shutdown"' cli "$C_B" show bgp neighbors json
sleep 1
check "graceful stop: BIRD keeps the routes" bird_has 100
start_bg a3 "$SPK" -dv -f "$T_TMP/a2.xml"
check "A back: B has set 2, nothing stale" json_poll 30 \
	'.mappingsReceived == 100 and .mappingsStale == 0' cli "$C_B" show speaker json
check "A back: BIRD has 100 routes" wait_until 30 bird_has 100
json_poll 30 '[.[] | select(.state == "Established")] | length == 2' cli "$C_A" show bgp neighbors json >/dev/null
cli "$T_TMP/a.ctl" stop-mode hard >/dev/null
wd3=$(spk "$C_B" withdrawnEvents)
stop_bg a3
check "hard stop: B drops A's 100 routes" json_poll 10 \
	".withdrawnEvents == $((wd3 + 100)) and .mappingsReceived == 0" cli "$C_B" show speaker json
check "B: the stop was a Hard Reset" json_poll 5 \
	'.[0].lastError == "received Cease / Hard Reset (Cease / Administrative Shutdown)"' \
	cli "$C_B" show bgp neighbors json
check "hard stop: BIRD drops the routes (plain Cease, no N)" wait_until 10 bird_has 0
check "B alive at the end" bg_alive b
finish
