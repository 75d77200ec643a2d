#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/ms_bgp.sh - lisp-msd pushes host mappings over BGP (docs/architecture.md "Migration end to end"), on
# loopback: lisp-msd (127.0.0.1) peers with tests/integration/bgpspk as the D-ETR stand-in
# (iBGP, ADD-PATH, graceful-restart helper, 127.0.0.2) and with BIRD 2 (eBGP, 127.0.0.3).
#  (a) lisp-register an EID: the stand-in's Adj-RIB-In has it, next hop = RLOC, the LISP
#      Large Communities (priority, weight, IID, map version, TTL); a move replaces it (map
#      version 2); a re-registration that changes nothing sends no UPDATE; IPv6 EID;
#      several RLOCs = several ADD-PATH paths; --deregister withdraws it;
#  (b) BIRD shows the host route with next hop and Large Communities, and loses it at the
#      deregistration;
#  (c) time from lisp-register started to the route at the stand-in, and (root + tshark) on
#      the wire from the Map-Register to the BGP UPDATE (printed, asserted only < 1 s);
#  (d) reload: a broken <bgp> is refused (sessions untouched), a <bgp> with a new listener
#      (a change that needs a restart) is refused whole (the new site is not applied
#      either, the sessions stay), a changed peer (hold time) is reset in place and the
#      stand-in gets everything again;
#  (e) kill -9 lisp-msd: the stand-in keeps the routes stale; after the restart (R bit) it
#      ends with exactly the stored set (the refresh site's EID is purged).
if [ "${LISP_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "0 passed, 0 failed"
	exit 77
fi
. "$top_srcdir/tests/integration/lib.sh"
need_cmd nc jq timeout

MSD="$top_builddir/lisp-msd"
REG="$top_builddir/lisp-register"
SPK="$top_builddir/tests/integration/bgpspk"
[ -x "$MSD" ] && [ -x "$REG" ] && [ -x "$SPK" ] || skip_all "lisp-msd / lisp-register / bgpspk not built"
export LISP_SCHEMA_DIR="$top_srcdir/schema"
have_bird=0
command -v "$BIRD" >/dev/null 2>&1 && command -v "$BIRDC" >/dev/null 2>&1 && have_bird=1

P_MS=$(free_port udp)
C_MS=$(free_port tcp)
P_SPK=$(free_port tcp)
C_SPK=$(free_port tcp)
P_BIRD=$(free_port tcp)
db="$T_TMP/ms.db"
printf 'dc-secret\n' >"$T_TMP/dc.key"
printf 'lab-secret\n' >"$T_TMP/lab.key"

# ms_xml HOLD [EXTRA-SITE] [LISTEN-ELEMENT]: the lisp-msd config
ms_xml() {
	local bird_peer=""
	[ $have_bird = 1 ] && bird_peer="<peer address=\"127.0.0.3\" as=\"65001\" port=\"$P_BIRD\" local=\"127.0.0.1\" connect-retry=\"1\" add-path=\"off\"/>"
	cat <<XML
<lisp-msd>
  <listen address="127.0.0.1" port="$P_MS"/>
  <cli address="127.0.0.1" port="$C_MS"/>
  <database path="$db" sync="normal"/>
  <log level="debug"/>
  <site name="dc" lifetime="persistent" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
    <eid-prefix prefix="2001:db8:100::/64" more-specifics="true"/>
  </site>
  <site name="lab" lifetime="refresh">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/lab.key"/>
    <eid-prefix prefix="203.0.113.0/24" more-specifics="true"/>
  </site>
  ${2:-}
  <bgp as="65000" router-id="127.0.0.1">
    ${3:-}
    <graceful-restart time="60"/>
    <peer address="127.0.0.2" as="65000" port="$P_SPK" local="127.0.0.1" hold-time="$1"
          connect-retry="1" add-path="both" graceful-restart="on"/>
    $bird_peer
  </bgp>
</lisp-msd>
XML
}
ms_xml 30 >"$T_TMP/ms.xml"
cat >"$T_TMP/spk.xml" <<XML
<bgpspk>
  <cli port="$C_SPK"/>
  <bgp as="65000" router-id="127.0.0.2">
    <listen address="127.0.0.2" port="$P_SPK"/>
    <peer address="127.0.0.1" as="65000" passive="true" add-path="both" stale-time="60"/>
  </bgp>
</bgpspk>
XML
cat >"$T_TMP/bird.conf" <<EOF
log "$T_TMP/bird.log" all;
router id 127.0.0.3;
protocol device {}
protocol static { ipv4; route 0.0.0.0/0 unreachable; }
protocol static { ipv6; route ::/0 unreachable; }
protocol bgp msd {
	local 127.0.0.3 port $P_BIRD as 65001;
	neighbor 127.0.0.1 as 65000;
	strict bind on;
	passive on;
	multihop;
	hold time 30;
	ipv4 { import all; export none; };
	ipv6 { import all; export none; extended next hop on; };
}
EOF

check "lisp-msd config with <bgp> is valid (-n)" timeout 10 "$MSD" -n -f "$T_TMP/ms.xml"
check "-nv prints the <bgp> element" sh -c "timeout 10 '$MSD' -nv -f '$T_TMP/ms.xml' | grep -q '<peer address=\"127.0.0.2\" as=\"65000\" port=\"$P_SPK\"'"
ms_xml 2 >"$T_TMP/bad.xml"
check_not "hold-time 2 in <bgp> is refused (-n)" timeout 10 "$MSD" -n -f "$T_TMP/bad.xml"

start_bg spk "$SPK" -dv -f "$T_TMP/spk.xml"
check "stand-in CLI answers" wait_until 10 cli "$C_SPK" show version
if [ $have_bird = 1 ]; then
	bird_start b1 "$T_TMP/bird.conf" || fail "BIRD starts"
else
	log "BIRD 2 not installed: part (b) skipped"
fi
start_bg msd "$MSD" -dv -f "$T_TMP/ms.xml"
check "lisp-msd CLI answers" wait_until 10 cli "$C_MS" show version
check "session with the stand-in Established" json_poll 20 \
	'[.peers[] | select(.neighbor == "127.0.0.2" and .state == "Established")] | length == 1' \
	cli "$C_MS" show bgp summary json
check "stand-in: ADD-PATH and GR negotiated" json_poll 10 \
	'.[0].negotiated.gracefulRestart == true and (.[0].negotiated.addPathReceive | index("ipv4") != null)' \
	cli "$C_SPK" show bgp neighbors json
if [ $have_bird = 1 ]; then
	bird_up() { birdc b1 show protocols msd | grep -q Established; }
	check "session with BIRD Established" wait_until 30 bird_up
fi

reg() { timeout 20 "$REG" --ms "127.0.0.1:$P_MS" --key-id 1 --alg sha256 --key-file "$T_TMP/dc.key" "$@"; }
routes() { cli "$C_SPK" show bgp routes "$1" json; }
updates_in() { cli "$C_SPK" show bgp neighbors json | jq '.[0].updatesReceived'; }

# ---- (a) + (c): register, timed (on the wire too when root with tshark)
capture=0
if [ "$(id -u)" -eq 0 ] && command -v "$TSHARK" >/dev/null 2>&1; then
	if tshark_start "" lo "udp port $P_MS or tcp port $P_SPK" "$T_TMP/push.pcap"; then
		capture=1
	else
		fail "tshark capture started"
	fi
fi
t0=$(date +%s%N)
reg --eid 198.51.100.5/32 --rloc 192.0.2.1 >/dev/null 2>&1 &
regpid=$!
have5() { routes 198.51.100.5/32 | jq -e 'length == 1 and .[0].nextHop == "192.0.2.1"' >/dev/null; }
deadline=$(($(date +%s%3N) + 10000)) # bounded: 10 s, each poll bounded by the CLI timeout
until have5; do
	[ "$(date +%s%3N)" -ge "$deadline" ] && break
done
if have5; then
	t1=$(date +%s%N)
	ok "register 198.51.100.5/32 -> route at the stand-in"
	log "FIGURE: lisp-register started -> host route in the stand-in's Adj-RIB-In: $(((t1 - t0) / 1000000)) ms (includes process start and CLI polling)"
else
	fail "register 198.51.100.5/32 -> route at the stand-in"
fi
wait "$regpid"
check "lisp-register acknowledged" test $? -eq 0
changed=$(cli "$C_MS" show registrations 198.51.100.5/32 json | jq '.registrations[0].changedUnixMs')
[ -n "${t1:-}" ] && [ -n "$changed" ] && [ "$changed" != null ] &&
	log "FIGURE: Map-Register received -> route at the stand-in <= $((t1 / 1000000 - changed)) ms (changedUnixMs $changed)"
if [ $capture = 1 ]; then
	tshark_stop
	"$TSHARK" -n -r "$T_TMP/push.pcap" -d "udp.port==$P_MS,lisp" -d "tcp.port==$P_SPK,bgp" \
		-Y "(lisp.type == 3 && udp.dstport == $P_MS) || (lisp.type == 4 && udp.srcport == $P_MS) || (bgp.type == 2 && tcp.dstport == $P_SPK)" \
		-T fields -e frame.time_epoch -e lisp.type -e bgp.type 2>/dev/null >"$T_TMP/push.txt"
	# first Map-Register, then the first Map-Notify and the first BGP UPDATE after it
	read -r wire_upd wire_ntf < <(awk '$2 == 3 && !r { r = $1 }
		r && $2 == 4 && !n { n = $1 }
		r && $NF == 2 && $2 != 3 && $2 != 4 && !u { u = $1 }
		END { if (r && u) printf "%.3f %.3f\n", (u - r) * 1000, n ? (n - r) * 1000 : -1 }' "$T_TMP/push.txt")
	if [ -n "${wire_upd:-}" ]; then
		ok "wire: Map-Register then BGP UPDATE to the stand-in captured"
		log "FIGURE (wire): Map-Register -> BGP UPDATE to the D-ETR stand-in: $wire_upd ms; -> Map-Notify: $wire_ntf ms"
		check "the UPDATE left within 1 s of the Map-Register (same loop turn)" \
			awk -v d="$wire_upd" 'BEGIN { exit !(d >= 0 && d < 1000) }'
	else
		fail "wire: Map-Register then BGP UPDATE to the stand-in captured" "$(cat "$T_TMP/push.txt")"
	fi
fi
check "route: next hop = RLOC, LISP large communities (prio 1, weight 100, IID 0, version 1, TTL 1440), LOCAL_PREF 254" \
	json_poll 5 '.[0] | .nextHop == "192.0.2.1" and .localPref == 254 and .pathId == 3221225985 and
		(.largeCommunities | index("65000:1:1") != null and index("65000:2:100") != null and
		 index("65000:3:0") != null and index("65000:4:1") != null and index("65000:5:1440") != null)' \
	routes 198.51.100.5/32
check "registration shows mapVersion 1 and changedUnixMs" json_poll 5 \
	'.registrations[0].mapVersion == 1 and .registrations[0].changedUnixMs > 1600000000000' \
	cli "$C_MS" show registrations 198.51.100.5/32 json

# no-op re-registration: no UPDATE
sleep 0.3
u0=$(updates_in)
check "re-registration of the same mapping acknowledged" reg --eid 198.51.100.5/32 --rloc 192.0.2.1
sleep 0.5
check "... sends no UPDATE" test "$(updates_in)" = "$u0"
check "... counted as nothing announced" json_poll 5 '.bgp.announced == 1' cli "$C_MS" show statistics json

# move
check "move 198.51.100.5/32 to 192.0.2.9" reg --eid 198.51.100.5/32 --rloc 192.0.2.9
check "the move replaced the path (one path, next hop 192.0.2.9, version 2)" json_poll 5 \
	'length == 1 and .[0].nextHop == "192.0.2.9" and .[0].mapVersion == 2' routes 198.51.100.5/32
check "the D-ETR view (reassembled mapping) follows" json_poll 5 \
	'.[0].version == 2 and (.[0].rlocs | length) == 1 and .[0].rlocs[0].rloc == "192.0.2.9"' \
	cli "$C_SPK" show received 198.51.100.5/32 json

# IPv6 EID over an IPv4 RLOC
check "register 2001:db8:100::5/128 via 192.0.2.2" reg --eid 2001:db8:100::5/128 --rloc 192.0.2.2
check "IPv6 EID at the stand-in, next hop the RLOC" json_poll 5 \
	'length == 1 and (.[0].nextHop | test("(^|:)192\\.0\\.2\\.2$")) and .[0].rloc == "192.0.2.2"' \
	routes 2001:db8:100::5/128

# several RLOCs: ADD-PATH paths
check "register 198.51.100.7/32 with 3 RLOCs" reg --eid 198.51.100.7/32 --rloc 192.0.2.1 --rloc 192.0.2.2 --rloc 192.0.2.3
check "three ADD-PATH paths, one per RLOC" json_poll 5 \
	'length == 3 and ([.[].nextHop] | sort) == ["192.0.2.1", "192.0.2.2", "192.0.2.3"] and
	 ([.[].pathId] | sort) == [3221225985, 3221225986, 3221225987]' routes 198.51.100.7/32
check "one RLOC leaves: its path is withdrawn" reg --eid 198.51.100.7/32 --rloc 192.0.2.1 --rloc 192.0.2.3
check "two paths left" json_poll 5 'length == 2 and ([.[].nextHop] | sort) == ["192.0.2.1", "192.0.2.3"]' \
	routes 198.51.100.7/32

# ---- (b) BIRD
if [ $have_bird = 1 ]; then
	bird_has() { birdc b1 show route "$1" all | grep -q "BGP.next_hop: $2"; }
	check "BIRD: 198.51.100.5/32 with next hop 192.0.2.9" wait_until 10 bird_has 198.51.100.5/32 192.0.2.9
	birdc b1 show route 198.51.100.5/32 all >"$T_TMP/bird5.txt"
	check "BIRD: LISP large communities (version 2)" \
		grep -q "BGP.large_community: (65000, 1, 1) (65000, 2, 100) (65000, 3, 0) (65000, 4, 2) (65000, 5, 1440)" "$T_TMP/bird5.txt"
	check "BIRD: NO_EXPORT" grep -q "BGP.community: (65535,65281)" "$T_TMP/bird5.txt"
	check "BIRD: IPv6 EID over IPv4 RLOC" wait_until 10 bird_has 2001:db8:100::5/128 '\(::ffff:\)\?192.0.2.2'
	check "BIRD (no ADD-PATH): one route for the multi-RLOC EID" wait_until 10 bird_has 198.51.100.7/32 '192.0.2.[13]'
fi

# deregister
check "--deregister 198.51.100.5/32" reg --eid 198.51.100.5/32 --rloc 192.0.2.9 --deregister
check "withdrawn at the stand-in" json_poll 5 'length == 0' routes 198.51.100.5/32
if [ $have_bird = 1 ]; then
	bird_gone() { ! birdc b1 show route 198.51.100.5/32 | grep -q 198.51.100.5; }
	check "withdrawn at BIRD" wait_until 10 bird_gone
fi
check "statistics: BGP push counters" json_poll 5 \
	'.bgp.enabled and .bgp.announced == 5 and .bgp.withdrawn == 1' cli "$C_MS" show statistics json
check "lisp-msd CLI: show bgp neighbors json" json_poll 5 \
	'[.[] | select(.neighbor == "127.0.0.2")][0].negotiated.ibgp == true' cli "$C_MS" show bgp neighbors json

# ---- (d) reload
spk_ups() { cli "$C_SPK" show speaker json | jq '.peerUpEvents'; }
ups0=$(spk_ups)
ms_xml 2 >"$T_TMP/ms.xml"
kill -HUP "$(bg_pid msd)"
sleep 1
check "reload with a broken <bgp>: session untouched" json_poll 5 \
	"[.peers[] | select(.neighbor == \"127.0.0.2\" and .state == \"Established\" and .uptimeSeconds >= 1)] | length == 1" \
	cli "$C_MS" show bgp summary json
check "... the stand-in saw no new session" test "$(spk_ups)" = "$ups0"
extra='<site name="extra"><key id="1" algorithm="hmac-sha-256" secret="x"/><eid-prefix prefix="192.0.2.0/24"/></site>'
ms_xml 30 "$extra" '<listen address="192.0.2.77" port="1"/>' >"$T_TMP/ms.xml"
kill -HUP "$(bg_pid msd)"
check "reload with a new listener (needs a restart) is refused whole" \
	wait_until 5 grep -q "reload refused: <bgp>: the listener changed (none -> 192.0.2.77 port 1)" "$(bg_log msd)"
check "... the new site was not applied" json_poll 5 '[.sites[].name] == ["dc", "lab"]' cli "$C_MS" show sites json
check "... the session with the stand-in stayed" json_poll 20 \
	'[.peers[] | select(.neighbor == "127.0.0.2" and .state == "Established")] | length == 1' \
	cli "$C_MS" show bgp summary json
check "... the stand-in saw no new session" test "$(spk_ups)" = "$ups0"
ups1=$(spk_ups)
bird_est() { cli "$C_MS" show bgp neighbors 127.0.0.3 json | jq -r '.[0].establishedCount'; }
[ $have_bird = 1 ] && bird_est0=$(bird_est)
ms_xml 45 >"$T_TMP/ms.xml"
kill -HUP "$(bg_pid msd)"
check "reload with a changed <bgp> (hold time 45) resets that session" json_poll 20 \
	"[.[] | select(.neighbor == \"127.0.0.2\" and .state == \"Established\" and .holdTimeConfigured == 45)] | length == 1" \
	cli "$C_MS" show bgp neighbors json
check "... the stand-in saw a new session" json_poll 10 ".peerUpEvents > $ups1" cli "$C_SPK" show speaker json
check "... and has every mapping again" json_poll 10 \
	'[.[] | .eid] | sort == ["198.51.100.7/32", "2001:db8:100::5/128"]' cli "$C_SPK" show received json
if [ $have_bird = 1 ]; then
	check "... the session with BIRD (unchanged) never left Established" json_poll 5 \
		"[.[] | select(.state == \"Established\" and .establishedCount == $bird_est0)] | length == 1" \
		cli "$C_MS" show bgp neighbors 127.0.0.3 json
fi

# ---- (e) kill -9 and restart: graceful restart, ends with exactly the stored set
check "register 203.0.113.9/32 in the refresh site (not stored)" \
	timeout 20 "$REG" --ms "127.0.0.1:$P_MS" --key-id 1 --alg sha256 --key-file "$T_TMP/lab.key" \
	--eid 203.0.113.9/32 --rloc 192.0.2.5
check "stand-in has 3 mappings" json_poll 5 '.mappingsReceived == 3 and .mappingsStale == 0' \
	cli "$C_SPK" show speaker json
purged0=$(cli "$C_SPK" show speaker json | jq '.purged')
kill -9 "$(bg_pid msd)" 2>/dev/null
wait "$(bg_pid msd)" 2>/dev/null
stop_bg msd >/dev/null 2>&1
check "after kill -9 the stand-in keeps all 3, stale" json_poll 10 \
	'.mappingsReceived == 3 and .mappingsStale == 3' cli "$C_SPK" show speaker json
sleep 1
check "... still there a second later" json_poll 2 '.mappingsReceived == 3' cli "$C_SPK" show speaker json
start_bg msd2 "$MSD" -dv -f "$T_TMP/ms.xml"
check "restarted lisp-msd: session up with the R bit" json_poll 20 \
	'[.[] | select(.neighbor == "127.0.0.2" and .state == "Established")][0].negotiated.restartBitSent == true' \
	cli "$C_MS" show bgp neighbors json
check "restarted lisp-msd advertises F (its stored table is its forwarding state)" json_poll 5 \
	'.forwardingState == true' cli "$C_MS" show bgp summary json
# With F the stand-in keeps the stale mappings across the reconnection and purges at
# End-of-RIB only what was not refreshed: the one refresh-site EID (without F it would drop
# all three on reconnection).
check "stand-in ends with exactly the stored set, nothing stale, one purged" json_poll 20 \
	".mappingsReceived == 2 and .mappingsStale == 0 and .purged == $((purged0 + 1))" \
	cli "$C_SPK" show speaker json
check "... 198.51.100.7/32 (2 RLOCs) and 2001:db8:100::5/128, versions kept" json_poll 5 \
	'([.[] | .eid] | sort) == ["198.51.100.7/32", "2001:db8:100::5/128"] and
	 ([.[] | select(.eid == "198.51.100.7/32")][0] | .version == 2 and (.rlocs | length) == 2)' \
	cli "$C_SPK" show received json
check "registrations show the persisted versions" json_poll 5 \
	'[.registrations[] | select(.eid == "198.51.100.7/32")][0].mapVersion == 2' \
	cli "$C_MS" show registrations json
if [ $have_bird = 1 ]; then
	check "BIRD: session back" wait_until 30 bird_up
	check "BIRD: 198.51.100.7/32 back" wait_until 10 bird_has 198.51.100.7/32 '192.0.2.[13]'
	bird_lab_gone() { ! birdc b1 show route 203.0.113.9/32 | grep -q 203.0.113.9; }
	check "BIRD: the refresh-site EID is gone" wait_until 10 bird_lab_gone
fi
check "lisp-msd stops cleanly on SIGTERM" stop_bg msd2
check "stand-in alive" bg_alive spk
finish
