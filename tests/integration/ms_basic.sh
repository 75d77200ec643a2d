#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/ms_basic.sh - lisp-msd end to end on loopback (no namespaces needed):
# start it with a temp config and database, register EIDs with tools/lisp-register (a bad
# key is refused), read `show registrations json` through nc AND a real telnet client,
# query through lisp-query (proxy Map-Reply and negative reply), check with tshark that the
# exchange decodes as LISP (types, echoed nonce, nothing malformed), then kill -9 lisp-msd
# and restart it: every acknowledged registration of the persistent site is back.
if [ "${LISP_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "0 passed, 0 failed"
	exit 77
fi
. "$top_srcdir/tests/integration/lib.sh"
need_cmd nc jq telnet timeout

MSD="$top_builddir/lisp-msd"
REG="$top_builddir/lisp-register"
QRY="$top_builddir/lisp-query"
[ -x "$MSD" ] && [ -x "$REG" ] || skip_all "lisp-msd / lisp-register not built"

port=$(free_port udp)
cport=$(free_port tcp)
db="$T_TMP/ms.db"
printf 'dc-secret\n' >"$T_TMP/dc.key"
printf 'not-the-secret\n' >"$T_TMP/bad.key"
cat >"$T_TMP/ms.xml" <<XML
<lisp-msd>
  <listen address="127.0.0.1" port="$port"/>
  <cli address="127.0.0.1" port="$cport"/>
  <database path="$db" sync="normal"/>
  <log level="debug"/>
  <site name="dc" lifetime="persistent" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
    <eid-prefix prefix="2001:db8:100::/64" more-specifics="true"/>
  </site>
</lisp-msd>
XML

check "config check (-n)" timeout 10 "$MSD" -n -f "$T_TMP/ms.xml"
# The RLOCs this test registers (192.0.2.x) are addresses of this test's own namespace
# (lib.sh isolates it), so the Map-Server's unsolicited Map-Notifies to them are delivered
# here and captured, never routed anywhere.
ip addr add 192.0.2.254/24 dev lo
start_bg msd "$MSD" -dv -f "$T_TMP/ms.xml"
check "lisp-msd CLI answers" wait_until 10 cli "$cport" show version

capture=0
if [ "$(id -u)" -eq 0 ] && command -v "$TSHARK" >/dev/null 2>&1; then
	if tshark_start "" lo "udp port $port" "$T_TMP/ms.pcap"; then
		capture=1
	else
		fail "tshark capture started"
	fi
else
	log "not root or no tshark: wire checks skipped"
fi

reg() { timeout 20 "$REG" --ms "127.0.0.1:$port" --key-id 1 --alg sha256 "$@"; }
check "register 198.51.100.5/32 (acknowledged)" \
	reg --key-file "$T_TMP/dc.key" --eid 198.51.100.5/32 --rloc 192.0.2.1
check "register 2001:db8:100::5/128 (acknowledged)" \
	reg --key-file "$T_TMP/dc.key" --eid 2001:db8:100::5/128 --rloc 192.0.2.2 --rloc 2001:db8::2
check_not "wrong key is refused" \
	reg --key-file "$T_TMP/bad.key" --eid 198.51.100.6/32 --rloc 192.0.2.3 --timeout 0.2 --retries 0
check_not "EID outside the site is refused" \
	reg --key-file "$T_TMP/dc.key" --eid 203.0.113.1/32 --rloc 192.0.2.3 --timeout 0.2 --retries 0
check "move 198.51.100.5/32 to 192.0.2.9" \
	reg --key-file "$T_TMP/dc.key" --eid 198.51.100.5/32 --rloc 192.0.2.9

regs_ok='(.registrations | length == 2) and
	([.registrations[] | select(.eid == "198.51.100.5/32") | .rlocs[0].rloc] == ["192.0.2.9"])'
check "show registrations json (nc)" json_poll 5 "$regs_ok" cli "$cport" show registrations json
check "show registrations EID json" json_poll 5 '.registrations | length == 1' \
	cli "$cport" show registrations 2001:db8:100::5 json

telnet_json() {
	{
		sleep 0.5
		printf '%s\r\n' "$*"
		sleep 1
		printf 'quit\r\n'
		sleep 0.3
	} | timeout 10 telnet 127.0.0.1 "$cport" 2>/dev/null | tr -d '\r' |
		sed -n '/^[[{]/,/^[]}]/p'
}
check "show registrations json (telnet)" json_poll 10 "$regs_ok" telnet_json show registrations json
check "statistics count the refused registrations" json_poll 5 \
	'.drops["bad-auth"] >= 1 and .drops["unknown-site"] >= 1 and .messages.mapRegister.received >= 5' \
	cli "$cport" show statistics json
check "show bgp summary without <bgp>: an error object" json_poll 5 '.error | test("not running")' \
	cli "$cport" show bgp summary json
check "show sites json" json_poll 5 '.sites[0].name == "dc" and .sites[0].lifetime == "persistent"' \
	cli "$cport" show sites json

if [ -x "$QRY" ]; then
	check "lisp-query: proxy Map-Reply" sh -c "timeout 10 '$QRY' --ms 127.0.0.1:$port --json 198.51.100.5 | jq -e . | grep -q 192.0.2.9"
	check "lisp-query: negative reply for unregistered EID" sh -c \
		"timeout 10 '$QRY' --ms 127.0.0.1:$port --json 198.51.100.77 >'$T_TMP/neg.json'; jq -e . '$T_TMP/neg.json'"
fi

if [ $capture = 1 ]; then
	tshark_stop
	dec() { "$TSHARK" -n -r "$T_TMP/ms.pcap" -d "udp.port==$port,lisp" "$@" 2>/dev/null; }
	dec -T fields -e lisp.type -e lisp.nonce -Y lisp >"$T_TMP/lisp.txt"
	check "capture holds Map-Registers (type 3)" grep -qE '^3[[:space:]]' "$T_TMP/lisp.txt"
	check "capture holds Map-Notifies (type 4)" grep -qE '^4[[:space:]]' "$T_TMP/lisp.txt"
	# Acknowledgements go back to lisp-register's own port; the Map-Server's unsolicited
	# Map-Notifies (an EID arrived at or left an RLOC) go to port 4342 and carry their own
	# nonce, so only the former must echo a Map-Register's nonce.
	dec -T fields -e lisp.type -e lisp.nonce -e udp.dstport -Y 'lisp.type == 4' >"$T_TMP/notify.txt"
	check "capture holds acknowledgements (Map-Notify to lisp-register's port)" \
		awk '$3 != 4342 { f = 1 } END { exit !f }' "$T_TMP/notify.txt"
	check "capture holds an arrival Map-Notify to the new RLOC (port 4342)" \
		awk '$3 == 4342 { f = 1 } END { exit !f }' "$T_TMP/notify.txt"
	notify_nonces_registered() {
		local n
		for n in $(awk '$3 != 4342 { print $2 }' "$T_TMP/notify.txt"); do
			awk -v n="$n" '$1 == 3 && $2 == n { f = 1 } END { exit !f }' "$T_TMP/lisp.txt" || return 1
		done
	}
	check "every acknowledging Map-Notify echoes a Map-Register nonce" notify_nonces_registered
	check "nothing malformed" test "$(dec -Y '_ws.malformed || _ws.expert.severity >= warning' | wc -l)" -eq 0
fi

# dropped by the socket layer before the core (common/udpio): named, in show statistics
python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"", ("127.0.0.1", int(sys.argv[1])))
s.sendto(bytes(9300), ("127.0.0.1", int(sys.argv[1])))' "$port"
check "zero-length and oversized datagrams in show statistics (udp)" json_poll 5 \
	".udp[] | select(.port == $port) | .receiveDrops.empty == 1 and .receiveDrops.truncated == 1" \
	cli "$cport" show statistics json
check "zero-length datagram logged" grep -q '127.0.0.1: udp port [0-9]*: zero-length datagram dropped' "$(bg_log msd)"

# crash: every acknowledged registration must come back
kill -9 "$(bg_pid msd)" 2>/dev/null
wait "$(bg_pid msd)" 2>/dev/null
stop_bg msd >/dev/null 2>&1
start_bg msd2 "$MSD" -dv -f "$T_TMP/ms.xml"
check "restarted after kill -9" wait_until 10 cli "$cport" show version
check "registrations are back after kill -9" json_poll 5 "$regs_ok" cli "$cport" show registrations json
check "deregister 198.51.100.5/32" reg --key-file "$T_TMP/dc.key" --eid 198.51.100.5/32 --rloc 192.0.2.9 --deregister
check "deregistration visible" json_poll 5 '.registrations | length == 1' cli "$cport" show registrations json
check "lisp-msd stops cleanly on SIGTERM" stop_bg msd2
finish
