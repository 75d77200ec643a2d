#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/mr_basic.sh - lisp-mrd alone on loopback with stand-ins
# (tests/integration/mr_standin.py: an ITR sending ECM'd Map-Requests, a Map-Server answering
# proxy Map-Replies): config check (-n, -nv, FILE:LINE errors), negative Map-Replies for
# non-LISP space over IPv4 and IPv6 with the computed prefix, forwarding to a Map-Server
# stand-in (reply straight to the ITR), failover when the first Map-Server is dead (the ITR's
# retransmission goes to the second; the dead one is marked down), instance IDs, bad input
# counted by reason, SIGHUP reload, CLI (show map-servers/statistics/version, debug), and a
# tshark capture showing every exchanged message decodes as valid LISP.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_cmd python3 jq nc timeout

MRD=$top_builddir/lisp-mrd
STANDIN=$top_srcdir/tests/integration/mr_standin.py
export LISP_SCHEMA_DIR=$top_srcdir/schema

MR_PORT=$(free_port udp)
CLI_PORT=$(free_port tcp)
MS_PORT=$(free_port udp)
DEAD_PORT=$(free_port udp)
cfg=$T_TMP/mrd.xml

write_cfg() { # write_cfg EXTRA_PREFIX_XML
	cat >"$cfg" <<EOF
<lisp-mrd>
  <listen address="127.0.0.1" port="$MR_PORT"/>
  <listen address="::1" port="$MR_PORT"/>
  <cli address="127.0.0.1" port="$CLI_PORT" socket="$T_TMP/mrd.ctl"/>
  <log level="debug"/>
  <failover down-after="1" retry-after="60" retransmit-window="3"/>
  <eid-prefix prefix="198.51.100.0/24">
    <map-server address="127.0.0.1" port="$DEAD_PORT"/>
    <map-server address="127.0.0.1" port="$MS_PORT"/>
  </eid-prefix>
  <eid-prefix prefix="2001:db8:100::/64">
    <map-server address="::1" port="$MS_PORT"/>
  </eid-prefix>
  <eid-prefix prefix="198.51.100.0/24" instance-id="42">
    <map-server address="127.0.0.1" port="$MS_PORT"/>
  </eid-prefix>
  $1
</lisp-mrd>
EOF
}
write_cfg ""

mrcli() { cli "$CLI_PORT" "$@"; }
mrjson() { mrcli "$@" json | sed -n '/^[[{]/,/^[]}]/p'; }
itr() { timeout 20 python3 "$STANDIN" itr "$@"; }

# ---------------------------------------------------------------- config checks
check "example config passes -n" "$MRD" -n -f "$top_srcdir/examples/lisp-mrd.xml"
check "-nv prints the normalized config" \
	bash -c "'$MRD' -nv -f '$cfg' | grep -q 'instance-id=\"42\"'"
printf '<lisp-mrd>\n<eid-prefix prefix="198.51.100.1/8"><map-server address="127.0.0.1"/></eid-prefix>\n</lisp-mrd>\n' \
	>"$T_TMP/bad.xml"
check "bad config: exit 1 with FILE:LINE" \
	bash -c "! '$MRD' -n -f '$T_TMP/bad.xml' 2>'$T_TMP/bad.err' && grep -q 'bad.xml:2:' '$T_TMP/bad.err'"

# ---------------------------------------------------------------- start
pcap=$T_TMP/mr.pcap
have_tshark=0
if [ "$(id -u)" -eq 0 ] && command -v "$TSHARK" >/dev/null 2>&1; then
	tshark_start "" lo "udp port $MR_PORT or udp port $MS_PORT" "$pcap" && have_tshark=1
fi
start_bg ms python3 "$STANDIN" ms :: "$MS_PORT" 192.0.2.50 --log "$T_TMP/ms-requests.log"
start_bg mrd "$MRD" -dv -f "$cfg"
check "lisp-mrd CLI answers" wait_until 10 bash -c "printf 'show version\nquit\n' | nc -N -w1 127.0.0.1 $CLI_PORT | grep -q lisp-mrd"
check "Map-Server stand-in listening" wait_until 10 grep -q listening "$(bg_log ms)"

# ---------------------------------------------------------------- negative replies
out=$(itr 127.0.0.1 "$MR_PORT" 203.0.113.9 --retries 2)
log "negative v4: $out"
check "v4 non-LISP: negative reply, natively-forward, 15 min, prefix 200.0.0.0/5" \
	jq -e '.records[0] | .eid == "200.0.0.0/5" and .ttl == 15 and .action == "natively-forward" and (.locators | length) == 0' <<<"$out"
out=$(itr 127.0.0.1 "$MR_PORT" 198.51.101.77 --retries 2)
check "v4 adjacent to 198.51.100.0/24: prefix 198.51.101.0/24" jq -e '.records[0].eid == "198.51.101.0/24"' <<<"$out"
out=$(itr ::1 "$MR_PORT" 2001:db8:200::1 --retries 2)
log "negative v6: $out"
check "v6 non-LISP over IPv6: prefix 2001:db8:200::/39" \
	jq -e '.records[0] | .eid == "2001:db8:200::/39" and .ttl == 15 and .action == "natively-forward"' <<<"$out"
out=$(itr 127.0.0.1 "$MR_PORT" 10.1.2.3 --iid 42 --retries 2)
check "instance 42 non-LISP: IID kept, prefix 0.0.0.0/1" jq -e '.records[0] | .iid == 42 and .eid == "0.0.0.0/1"' <<<"$out"

# ---------------------------------------------------------------- forwarding + failover
out=$(itr ::1 "$MR_PORT" 2001:db8:100::5 --retries 2)
log "forward v6: $out"
check "v6 EID forwarded, reply from the Map-Server straight to the ITR" \
	jq -e '.records[0].locators[0].rloc == "192.0.2.50" and .records[0].ttl == 1440 and .attempts == 1' <<<"$out"
out=$(itr 127.0.0.1 "$MR_PORT" 198.51.100.5 --retries 3 --interval 1)
log "failover: $out"
check "first Map-Server dead: the retransmission reaches the second, reply arrives" \
	jq -e '.records[0].eid == "198.51.100.5/32" and .records[0].locators[0].rloc == "192.0.2.50" and .attempts == 2' <<<"$out"
check "dead Map-Server marked down" json_poll 5 \
	".mapServers[] | select(.port == $DEAD_PORT) | .state == \"down\" and .failures == 1 and .forwards == 1" mrjson show map-servers
out=$(itr 127.0.0.1 "$MR_PORT" 198.51.100.6 --retries 2)
check "next request goes straight to the live Map-Server" jq -e '.attempts == 1' <<<"$out"
out=$(itr 127.0.0.1 "$MR_PORT" 198.51.100.7 --iid 42 --retries 2)
check "instance 42 EID forwarded with its IID" jq -e '.records[0].iid == 42 and .attempts == 1' <<<"$out"
check "Map-Server stand-in saw the ITR's own nonce, ITR-RLOC and port" \
	grep -q ' 198.51.100.6 127.0.0.1 ' "$T_TMP/ms-requests.log"
st=$(mrjson show statistics)
check "statistics: forwards, negative replies, retransmit, failover" \
	jq -e '.forwarded == 5 and .negativeReplies == 4 and .retransmits == 1 and .failovers >= 2' <<<"$st"

# ---------------------------------------------------------------- tshark
if [ $have_tshark = 1 ]; then
	tshark_stop
	dec=$T_TMP/decoded.txt
	"$TSHARK" -n -r "$pcap" -d udp.port=="$MR_PORT",lisp -d udp.port=="$MS_PORT",lisp \
		-T fields -e udp.dstport -e lisp.type -e _ws.malformed -e _ws.expert.severity >"$dec" 2>"$T_TMP/tshark-read.err"
	log "tshark: $(wc -l <"$dec") packets"
	check "tshark: ECM'd Map-Requests to the MR and the Map-Server" \
		bash -c "awk '\$2 ~ /^8,1/' '$dec' | grep -q ."
	check "tshark: Map-Replies decoded" bash -c "awk '\$2 ~ /^2/' '$dec' | grep -q ."
	check "tshark: no malformed Map-Request/Reply exchange" \
		bash -c "! awk '\$2 ~ /^[28]/ && NF > 2' '$dec' | grep -q ."
fi

# ---------------------------------------------------------------- bad input
python3 "$STANDIN" raw 127.0.0.1 "$MR_PORT" f0000000
python3 "$STANDIN" raw 127.0.0.1 "$MR_PORT" 2000000100000000000000000000
python3 "$STANDIN" raw 127.0.0.1 "$MR_PORT" 80000000450000
python3 "$STANDIN" raw ::1 "$MR_PORT" 1000000100000000000000010000
check "bad input counted by reason" json_poll 5 \
	'.drops.unknownType == 1 and .drops.unexpectedType == 1 and .drops.ecmInvalid == 1 and .ecmErrors.truncated == 1 and .drops.plainMapRequest == 1' \
	mrjson show statistics
check "bad input logged with its source" grep -q '127.0.0.1: dropped (unknownType)' "$(bg_log mrd)"
# dropped by the socket layer before the core (common/udpio): named, in show statistics
python3 "$STANDIN" raw 127.0.0.1 "$MR_PORT" ""
python3 "$STANDIN" raw 127.0.0.1 "$MR_PORT" "$(head -c 9300 /dev/zero | od -An -v -tx1 | tr -d ' \n')"
check "zero-length and oversized datagrams in show statistics (udp)" json_poll 5 \
	'([.udp[].receiveDrops.empty] | add) == 1 and ([.udp[].receiveDrops.truncated] | add) == 1 and .drops.empty == 0' \
	mrjson show statistics
check "zero-length datagram logged" grep -q '127.0.0.1: udp port [0-9]*: zero-length datagram dropped' "$(bg_log mrd)"
# replies to IPv6 ITR-RLOCs left through the IPv6 listener without being counted as dropped
# by the IPv4 one
check "no send counted as dropped (two listeners, both families)" json_poll 5 \
	'([.udp[].sendDrops | .invalid + .bufferFull + .refused] | add) == 0 and ([.udp[].sent] | add) > 0' \
	mrjson show statistics

# ---------------------------------------------------------------- CLI
ver_ok() { mrjson show version | jq -e '.name == "lisp-mrd"'; }
debug_ok() { cli "$T_TMP/mrd.ctl" debug control | grep -qE '^debug:? +control'; }
help_ok() { mrcli help | grep -q 'map-servers'; }
check "show version json" ver_ok
check "debug control" debug_ok
itr 127.0.0.1 "$MR_PORT" 203.0.113.10 --retries 1 >/dev/null
check "debug control logs the negative reply" wait_until 5 grep -q 'non-LISP space, negative reply 200.0.0.0/5' "$(bg_log mrd)"
check "help lists the commands" help_ok

# ---------------------------------------------------------------- reload
write_cfg '<eid-prefix prefix="203.0.113.0/24"><map-server address="127.0.0.1" port="'"$MS_PORT"'"/></eid-prefix>'
kill -HUP "$(bg_pid mrd)"
check "SIGHUP: new prefix in show map-servers" json_poll 5 \
	'[.prefixes[].eidPrefix] | index("203.0.113.0/24") != null' mrjson show map-servers
check "reload kept the dead server's state" json_poll 5 \
	".mapServers[] | select(.port == $DEAD_PORT) | .state == \"down\"" mrjson show map-servers
out=$(itr 127.0.0.1 "$MR_PORT" 203.0.113.9 --retries 2)
check "after reload 203.0.113.9 is forwarded" jq -e '.records[0].locators[0].rloc == "192.0.2.50"' <<<"$out"

check "lisp-mrd exits 0 on SIGTERM" stop_bg mrd
finish
