#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/mr_chain.sh - the whole resolution chain on loopback: lisp-register
# registers EIDs with a real lisp-msd, lisp-query asks lisp-mrd (ECM'd Map-Requests), the MR
# forwards to the Map-Server, which proxy-replies or forwards to an ETR stand-in
# (mr_standin.py on 127.0.0.1:4342) that answers the ITR directly. Checks: positive reply
# through proxy-reply (IPv4 and IPv6), positive reply from the ETR, negative reply for
# non-LISP space printing the prefix the MR computed, Map-Server failover (the first
# Map-Server address of the prefix is dead; lisp-query's retry goes to the live one), and a
# tshark capture showing the exchange decodes as valid LISP.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_cmd python3 jq nc timeout ss

MRD=$top_builddir/lisp-mrd
MSD=$top_builddir/lisp-msd
REG=$top_builddir/lisp-register
QRY=$top_builddir/lisp-query
STANDIN=$top_srcdir/tests/integration/mr_standin.py
for b in "$MRD" "$MSD" "$REG" "$QRY"; do
	[ -x "$b" ] || skip_all "$(basename "$b") not built"
done
export LISP_SCHEMA_DIR=$top_srcdir/schema

MR_PORT=$(free_port udp)
MR_CLI=$(free_port tcp)
MS_PORT=$(free_port udp)
MS_CLI=$(free_port tcp)
DEAD_PORT=$(free_port udp)
# The ETR stand-in listens on 4342 of the address lisp-register registers from: lisp-msd
# forwards a non-proxy Map-Request to the registering ETR's control address.
ETR=127.0.0.1
if ss -Huan "sport = :4342" | grep -q "$ETR:4342\|\*:4342\|0.0.0.0:4342\|\[::\]:4342"; then
	skip_all "UDP port 4342 already in use on $ETR"
fi

KEY=$T_TMP/dc.key
printf 'dc-secret\n' >"$KEY"
chmod 600 "$KEY"

cat >"$T_TMP/msd.xml" <<EOF
<lisp-msd>
  <listen port="$MS_PORT"/>
  <cli address="127.0.0.1" port="$MS_CLI"/>
  <database path="$T_TMP/ms.db" sync="normal"/>
  <site name="dc" lifetime="persistent" proxy-reply="true" merge="false">
    <key id="1" algorithm="hmac-sha-256" secret="dc-secret"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
    <eid-prefix prefix="2001:db8:100::/64" more-specifics="true"/>
  </site>
  <site name="edge" lifetime="persistent" proxy-reply="false" merge="false">
    <key id="1" algorithm="hmac-sha-256" secret="dc-secret"/>
    <eid-prefix prefix="198.51.200.0/24" more-specifics="true"/>
  </site>
</lisp-msd>
EOF
cat >"$T_TMP/mrd.xml" <<EOF
<lisp-mrd>
  <listen address="127.0.0.1" port="$MR_PORT"/>
  <listen address="::1" port="$MR_PORT"/>
  <cli address="127.0.0.1" port="$MR_CLI"/>
  <failover down-after="1" retry-after="60" retransmit-window="3"/>
  <eid-prefix prefix="198.51.100.0/24">
    <map-server address="127.0.0.1" port="$DEAD_PORT"/>
    <map-server address="127.0.0.1" port="$MS_PORT"/>
  </eid-prefix>
  <eid-prefix prefix="2001:db8:100::/64">
    <map-server address="::1" port="$MS_PORT"/>
  </eid-prefix>
  <eid-prefix prefix="198.51.200.0/24">
    <map-server address="127.0.0.1" port="$MS_PORT"/>
  </eid-prefix>
</lisp-mrd>
EOF

mrjson() { cli "$MR_CLI" "$@" json | sed -n '/^[[{]/,/^[]}]/p'; }
query() { timeout 20 "$QRY" --json "$@"; }

pcap=$T_TMP/chain.pcap
have_tshark=0
if [ "$(id -u)" -eq 0 ] && command -v "$TSHARK" >/dev/null 2>&1; then
	tshark_start "" lo "udp port $MR_PORT or udp port $MS_PORT or udp port 4342" "$pcap" &&
		have_tshark=1
fi

start_bg msd "$MSD" -dv -f "$T_TMP/msd.xml"
start_bg mrd "$MRD" -dv -f "$T_TMP/mrd.xml"
start_bg etr python3 "$STANDIN" ms "$ETR" 4342 192.0.2.60 --log "$T_TMP/etr-requests.log"
check "lisp-msd up" wait_until 10 bash -c "printf 'show version\nquit\n' | nc -N -w1 127.0.0.1 $MS_CLI | grep -q lisp-msd"
check "lisp-mrd up" wait_until 10 bash -c "printf 'show version\nquit\n' | nc -N -w1 127.0.0.1 $MR_CLI | grep -q lisp-mrd"
check "ETR stand-in up" wait_until 10 grep -q listening "$(bg_log etr)"

# ---------------------------------------------------------------- registrations
check "register 198.51.100.5/32 (proxy reply)" timeout 20 "$REG" --ms 127.0.0.1:"$MS_PORT" \
	--site dc --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.10 --proxy-reply
check "register 2001:db8:100::5/128 (proxy reply)" timeout 20 "$REG" --ms 127.0.0.1:"$MS_PORT" \
	--site dc --key-file "$KEY" --eid 2001:db8:100::5/128 --rloc 2001:db8::10 --proxy-reply
check "register 198.51.200.6/32 (ETR answers)" timeout 20 "$REG" --ms 127.0.0.1:"$MS_PORT" \
	--site edge --key-file "$KEY" --eid 198.51.200.6/32 --rloc 192.0.2.61

# ---------------------------------------------------------------- queries through the MR
out=$(query --mr 127.0.0.1:"$MR_PORT" 198.51.100.5)
log "proxy reply + failover: $out"
check "positive reply through proxy-reply (first Map-Server dead: failover)" \
	jq -e '.records[0].eidPrefix == "198.51.100.5/32" and .records[0].locators[0].address == "192.0.2.10" and .attempts >= 2' <<<"$out"
check "dead Map-Server marked down, live one forwarded to" json_poll 5 \
	"(.mapServers[] | select(.port == $DEAD_PORT) | .state == \"down\") and (.mapServers[] | select(.port == $MS_PORT and .address == \"127.0.0.1\") | .forwards >= 1)" \
	mrjson show map-servers
out=$(query --mr 127.0.0.1:"$MR_PORT" 198.51.100.5)
check "second query answered at the first attempt" jq -e '.attempts == 1 and .records[0].locators[0].address == "192.0.2.10"' <<<"$out"
out=$(query --mr "[::1]:$MR_PORT" 2001:db8:100::5)
log "IPv6: $out"
check "IPv6 EID through the MR over IPv6" jq -e '.records[0].locators[0].address == "2001:db8::10"' <<<"$out"
out=$(query --mr 127.0.0.1:"$MR_PORT" 198.51.200.6)
log "ETR: $out"
check "positive reply from the ETR (Map-Server forwarded to it)" \
	jq -e '.records[0].locators[0].address == "192.0.2.60"' <<<"$out"
check "ETR got the ITR's Map-Request" grep -q ' 198.51.200.6 127.0.0.1 ' "$T_TMP/etr-requests.log"
out=$(query --mr 127.0.0.1:"$MR_PORT" 203.0.113.9)
log "negative: $out"
prefix=$(jq -r '.records[0].eidPrefix' <<<"$out")
log "non-LISP space: the MR computed the negative prefix $prefix for 203.0.113.9"
check "negative reply for non-LISP space: 200.0.0.0/5, natively-forward, 15 min" \
	jq -e '.records[0] | .eidPrefix == "200.0.0.0/5" and .ttl == 15 and (.locators | length) == 0 and (.action | test("native|forward"; "i"))' <<<"$out"
out=$(query --mr 127.0.0.1:"$MR_PORT" 198.51.100.77)
log "configured, not registered: $out"
check "configured but unregistered EID: the Map-Server's negative reply comes back" \
	jq -e '.records[0].locators | length == 0' <<<"$out"
st=$(mrjson show statistics)
check "MR statistics: forwards and one negative reply" \
	jq -e '.forwarded >= 5 and .negativeReplies == 1 and .retransmits >= 1' <<<"$st"

if [ $have_tshark = 1 ]; then
	tshark_stop
	dec=$T_TMP/decoded.txt
	"$TSHARK" -n -r "$pcap" -d udp.port=="$MR_PORT",lisp -d udp.port=="$MS_PORT",lisp \
		-T fields -e udp.srcport -e udp.dstport -e lisp.type -e _ws.malformed \
		-e _ws.expert.severity >"$dec" 2>"$T_TMP/tshark-read.err"
	log "tshark: $(wc -l <"$dec") packets"
	check "tshark: ECM'd Map-Requests to the MR" bash -c "awk '\$2 ~ /^$MR_PORT,/ && \$3 ~ /^8,1/' '$dec' | grep -q ."
	check "tshark: forwarded ECMs to the Map-Server" bash -c "awk '\$2 ~ /^$MS_PORT,/ && \$3 ~ /^8,1/' '$dec' | grep -q ."
	check "tshark: Map-Replies" bash -c "awk '\$3 ~ /^2/' '$dec' | grep -q ."
	check "tshark: nothing malformed" bash -c "! awk 'NF > 3' '$dec' | grep -q ."
fi

check "lisp-mrd exits 0 on SIGTERM" stop_bg mrd
finish
