#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/xtr_probe_failover.sh - locator-set failover by RLOC probing (RFC 9301
# §7.1) in network namespaces: an ITR (lisp-xtrd, RLOC 192.0.2.1, EID 198.51.100.5) with a
# static map-cache entry for 198.51.100.6 at two ETRs, 192.0.2.2 (priority 1) and 192.0.2.3
# (priority 2), each a lisp-xtrd holding 198.51.100.6 with lisp-flow echo behind it; the
# static mapping probes its locators every 500 ms, timeout 200 ms, down after 3 misses. A
# 200 pps flow with echoes runs from the ITR; the first ETR is killed; the flow must move to
# the second within interval + misses x timeout (an unanswered probe is retried at the
# timeout; + the 100-ms tick and one RTT): the longest gap between two echoes is that
# time, measured and printed. Then the first ETR comes back: its locator is up again and
# the flow returns to it. Checked through the ITR's `show map-cache json` (locator state and
# probe counters) and `show statistics json`.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd ip jq nc timeout
XTRD=$top_builddir/lisp-xtrd
FLOW=$top_builddir/lisp-flow
[ -x "$XTRD" ] && [ -x "$FLOW" ] || skip_all "lisp-xtrd or lisp-flow not built"
export LISP_SCHEMA_DIR=$top_srcdir/schema

IV=500 TO=200 MISSES=3
UL=$(uname_ ul) IT=$(uname_ it) E1=$(uname_ e1) E2=$(uname_ e2)
for n in "$UL" "$IT" "$E1" "$E2"; do netns_add "$n" || exit 1; done
bridge_add "$UL" br0
i=0
for n in "$IT" "$E1" "$E2"; do
	i=$((i + 1))
	veth_add "$n" ul0 "$UL" p$i
	link_master "$UL" p$i br0
	addr_add "$n" ul0 192.0.2.$i/24
done

# conf FILE RLOC EID(local) PEER-EID PEER-LOCATORS(XML) PROBING(XML)
conf() {
	cat >"$1" <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"/>
  <rloc address="$2"/>
  $6
  <log level="debug"/>
  <database>
    <mapping eid="$3/32"/>
  </database>
  <static-mapping eid="$4/32"$7>
    $5
  </static-mapping>
</lisp-xtrd>
XML
}
conf "$T_TMP/itr.xml" 192.0.2.1 198.51.100.5 198.51.100.6 \
	'<locator address="192.0.2.2" priority="1" weight="100"/>
    <locator address="192.0.2.3" priority="2" weight="100"/>' \
	'<probing interval="30" timeout="5" retries="2"/>' \
	" probe-interval-ms=\"$IV\" probe-timeout-ms=\"$TO\" probe-retries=\"$MISSES\""
for k in 2 3; do
	conf "$T_TMP/etr$k.xml" 192.0.2.$k 198.51.100.6 198.51.100.5 \
		'<locator address="192.0.2.1" priority="1" weight="100"/>' '<probing interval="0"/>' ""
done
check "config check (-n)" "$XTRD" -n -f "$T_TMP/itr.xml"

# site_up NS NAME CONF LOCAL-EID PEER-EID: lisp-xtrd on lisp0, the local EID on lo, the
# peer EID routed into lisp0
site_up() {
	start_bg -n "$1" "$2" "$XTRD" -d -f "$3"
	wait_until 10 ip -n "$1" link show lisp0 || return 1
	ip -n "$1" addr add "$4/32" dev lo 2>/dev/null
	nsexec "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.lisp0.rp_filter=0
	ip -n "$1" route replace "$5/32" dev lisp0 src "$4"
}
check "ITR up" site_up "$IT" itr "$T_TMP/itr.xml" 198.51.100.5 198.51.100.6
check "ETR 1 up" site_up "$E1" etr2 "$T_TMP/etr2.xml" 198.51.100.6 198.51.100.5
check "ETR 2 up" site_up "$E2" etr3 "$T_TMP/etr3.xml" 198.51.100.6 198.51.100.5
start_bg -n "$E1" echo1 "$FLOW" echo --port 7000 --max-seconds 120 --log "$T_TMP/echo1.log"
start_bg -n "$E2" echo2 "$FLOW" echo --port 7000 --max-seconds 120 --log "$T_TMP/echo2.log"

mc() { cli 2620 "$IT" show map-cache 198.51.100.6 json; }
loc_q() { # jq condition on the locator ADDR
	printf '[.. | objects | select(.address? == "%s")][0] | %s' "$1" "$2"
}
check "both locators up, probed every ${IV} ms" json_poll 10 \
	"$(loc_q 192.0.2.2 '.state == "up" and .probe.intervalMs == '$IV' and .probe.retries == '$MISSES' and .probe.replies >= 1')" mc
check "... the second answers its probes too" json_poll 5 "$(loc_q 192.0.2.3 '.state == "up" and .probe.replies >= 1')" mc

# the flow: 200 packets/s for 8 s, echoes counted by lisp-flow send
start_bg -n "$IT" flow "$FLOW" send --to 198.51.100.6:7000 --rate 200 --count 1600 \
	--bind 198.51.100.5 --name fo --json --max-seconds 20
check "flow reaches ETR 1" wait_until 5 grep -q ' fo$' "$T_TMP/echo1.log"
sleep 1.5
kill_ms=$(date +%s%3N)
stop_bg etr2
log "ETR 1 (192.0.2.2) killed at $kill_ms"
check "locator 192.0.2.2 marked down" json_poll 5 "$(loc_q 192.0.2.2 '.state == "down" and .probe.missed >= '$MISSES)" mc
down_ms=$(date +%s%3N)
check "flow reaches ETR 2" wait_until 5 grep -q ' fo$' "$T_TMP/echo2.log"
check "flow done" wait_until 20 bash -c "! kill -0 $(bg_pid flow) 2>/dev/null"
stop_bg flow
out=$(grep '^{' "$(bg_log flow)" | tail -1)
gap=$(printf '%s' "$out" | jq '.longestGapMs // .flows[0].longestGapMs')
first2=$(awk '$4 == "fo" { split($1, t, "."); print t[1]; exit }' "$T_TMP/echo2.log")
log "flow: $out"
log "failover: longest gap between echoes ${gap} ms; first packet at ETR 2 $((first2 - kill_ms)) ms after the kill (down seen by polling at +$((down_ms - kill_ms)) ms)"
bound=$((IV + MISSES * TO + 100 + 100)) # + the 100-ms tick + one RTT and scheduling
check "moved within interval + misses x timeout (+ tick, RTT): gap ${gap} <= ${bound} ms" \
	test "${gap%.*}" -le "$bound"
# the earliest: the first probe leaves just after the kill, the retries each a timeout
# later; timeouts may fire up to half a tick early (a late tick shortens the next): 100 ms
# less each
lower=$(((TO - 100) * MISSES))
check "... and not before the misses were counted: gap >= ${lower} ms" test "${gap%.*}" -ge "$lower"
check "first packet at ETR 2 within the bound after the kill" \
	test $((first2 - kill_ms)) -le "$bound"
check "statistics: a locator down, misses counted" json_poll 2 \
	".control | .locatorsDown >= 1 and .probesMissed >= $MISSES and .probesSent > .probeReplies" \
	cli 2620 "$IT" show statistics json

# ETR 1 returns: probed every timeout while down, up at its first reply, traffic back
check "ETR 1 up again" site_up "$E1" etr2 "$T_TMP/etr2.xml" 198.51.100.6 198.51.100.5
check "locator 192.0.2.2 up again" json_poll 10 "$(loc_q 192.0.2.2 '.state == "up"')" mc
: >"$T_TMP/echo1.log"
start_bg -n "$IT" flow2 "$FLOW" send --to 198.51.100.6:7000 --rate 100 --count 50 \
	--bind 198.51.100.5 --name back --json --max-seconds 10
check "traffic back at ETR 1" wait_until 5 grep -q ' back$' "$T_TMP/echo1.log"
check "statistics: a locator up again" json_poll 2 ".control.locatorsUp >= 1" cli 2620 "$IT" show statistics json
finish
