#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/xtr_detr_reload.sh - the D-ETR (lisp-xtrd mode="representative") reloads
# its <bgp> in place, in network namespaces. Underlay 192.0.2.0/24 on a bridge: site A xTR
# (RLOC .1) with the VM 198.51.100.5 behind it; the D-ETR (.10, aggregate 198.51.100.0/24);
# its first BGP peer, a speaker standing in for the local lisp-msd (tests/integration/bgpspk,
# .14, announces the VM at site A); BIRD 2 (.15) to become the second peer; a non-LISP
# client (.26) routing the aggregate to the D-ETR, which encapsulates to site A.
# Checks, while a lisp-flow flow runs client -> VM -> client:
#   - a reload that adds BIRD as a second peer: no packet of the flow lost, the first
#     session never flapped (both ends' established counters, its uptime went on), the
#     VM's mapping in the map-cache at every poll, BIRD's session comes up;
#   - a reload that also adds a listener (a change that needs a restart), a third peer and
#     a static mapping: refused with a log line, nothing of it applied (no listener, no
#     third peer, no static mapping), both sessions stay Established, no packet lost.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd ip jq nc timeout "${BIRD:-bird}"
XTRD=$top_builddir/lisp-xtrd
SPK=$top_builddir/tests/integration/bgpspk
FLOW=$top_builddir/lisp-flow
[ -x "$XTRD" ] && [ -x "$SPK" ] && [ -x "$FLOW" ] || skip_all "lisp-xtrd / bgpspk / lisp-flow not built"
export LISP_SCHEMA_DIR=$top_srcdir/schema
RATE=200
PORT=5001

UL=$(uname_ ul) SA=$(uname_ sa) VA=$(uname_ va) DE=$(uname_ de) CL=$(uname_ cl)
for n in "$UL" "$SA" "$VA" "$DE" "$CL"; do netns_add "$n" || exit 1; done

fwd() { nsexec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.send_redirects=0; }
bridge_add "$UL" br0
i=0
for n in "$SA" "$DE" "$CL"; do
	i=$((i + 1))
	veth_add "$n" ul0 "$UL" p$i
	link_master "$UL" p$i br0
	fwd "$n"
done
addr_add "$UL" br0 192.0.2.14/24
addr_add "$UL" br0 192.0.2.15/24
addr_add "$SA" ul0 192.0.2.1/24
addr_add "$DE" ul0 192.0.2.10/24
addr_add "$CL" ul0 192.0.2.26/24
ip -n "$CL" route add 198.51.100.0/24 via 192.0.2.10

# the VM behind site A
veth_add "$SA" vm0 "$VA" eth0
addr_add "$VA" eth0 198.51.100.5/24
ip -n "$VA" route add default via 198.51.100.1
addr_add "$SA" vm0 198.51.100.1/32
nsexec "$SA" sysctl -qw net.ipv4.conf.vm0.proxy_arp=1 net.ipv4.neigh.vm0.proxy_delay=0
ip -n "$SA" route add 198.51.100.5/32 dev vm0

cat >"$T_TMP/sa.xml" <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"/>
  <rloc address="192.0.2.1"/>
  <probing interval="0"/>
  <database><mapping eid="198.51.100.5/32"/></database>
</lisp-xtrd>
XML
# de_conf FILE EXTRA_PEERS EXTRA_TOP LISTEN: the D-ETR with the stand-in MS as its first peer
de_conf() {
	cat >"$1" <<XML
<lisp-xtrd mode="representative">
  <tun name="lisp0"/>
  <rloc address="192.0.2.10"/>
  <map-resolver address="192.0.2.14"/>
  <probing interval="0"/>
  <log level="debug"/>
  <database>
    <mapping eid="198.51.100.0/24"/>
  </database>
$3
  <bgp as="65000" router-id="192.0.2.10">
$4
    <graceful-restart time="30"/>
    <peer address="192.0.2.14" as="65000" port="1179" local="192.0.2.10" hold-time="9"
          connect-retry="1" add-path="both"/>
$2
  </bgp>
</lisp-xtrd>
XML
}
BIRD_PEER='    <peer address="192.0.2.15" as="65000" local="192.0.2.10" hold-time="9" connect-retry="1"/>'
de_conf "$T_TMP/de.xml" "" "" ""
de_conf "$T_TMP/de-two.xml" "$BIRD_PEER" "" ""
de_conf "$T_TMP/de-refused.xml" "$BIRD_PEER
    <peer address=\"192.0.2.16\" as=\"65000\" local=\"192.0.2.10\" connect-retry=\"1\"/>" \
	'  <static-mapping eid="203.0.113.0/24"><locator address="192.0.2.30"/></static-mapping>' \
	'    <listen address="192.0.2.10" port="1179"/>'
cat >"$T_TMP/spk.xml" <<XML
<bgpspk>
  <cli port="2630" socket="$T_TMP/spk.ctl"/>
  <bgp as="65000" router-id="192.0.2.14">
    <listen address="192.0.2.14" port="1179"/>
    <peer address="192.0.2.10" as="65000" passive="true" add-path="both"/>
  </bgp>
</bgpspk>
XML
cat >"$T_TMP/bird.conf" <<EOF
log "$T_TMP/bird.log" all;
router id 192.0.2.15;
protocol device {}
protocol bgp detr {
	local 192.0.2.15 as 65000;
	neighbor 192.0.2.10 as 65000;
	strict bind on;
	passive on;
	hold time 9;
	ipv4 { import all; export none; };
}
EOF
echo "198.51.100.5/32 192.0.2.1/1/100 v=1" >"$T_TMP/at-a.routes"

for f in de de-two de-refused; do check "D-ETR config $f is valid (-n)" "$XTRD" -n -f "$T_TMP/$f.xml"; done
start_bg -n "$UL" spk "$SPK" -dv -f "$T_TMP/spk.xml"
bird_start b1 "$T_TMP/bird.conf" "$UL" || fail "BIRD starts"
start_bg -n "$SA" sa "$XTRD" -dv -f "$T_TMP/sa.xml"
start_bg -n "$DE" de "$XTRD" -dv -f "$T_TMP/de.xml"
for n in "$SA" "$DE"; do
	wait_until 10 ip -n "$n" link show lisp0 || fail "lisp0 in $n"
	nsexec "$n" sysctl -qw net.ipv4.conf.lisp0.rp_filter=0
done
ip -n "$DE" route add 198.51.100.0/24 dev lisp0

check "stand-in MS speaker CLI answers" wait_until 10 cli 2630 "$UL" show version
check "announce the VM at site A" cli "$T_TMP/spk.ctl" load "$T_TMP/at-a.routes"
mapped() { # the VM's mapping is in the D-ETR's map-cache, from BGP, to site A
	cli 2620 "$DE" show map-cache 198.51.100.5 json |
		jq -e '.source == "bgp" and .locators[0].address == "192.0.2.1"'
}
check "D-ETR map-cache: the VM -> site A (bgp)" wait_until 20 mapped
# nb FIELD ADDR: a field of the D-ETR's neighbor ADDR; spk_est: the stand-in's counter
nb() { cli 2620 "$DE" show bgp neighbors "$2" json | jq -r ".[0].$1"; }
spk_est() { cli 2630 "$UL" show bgp neighbors 192.0.2.10 json | jq -r '.[0].establishedCount'; }
up() { [ "$(nb state "$1")" = Established ]; }
check "first session Established" wait_until 20 up 192.0.2.14
sleep 2 # some uptime to compare with
est0=$(nb establishedCount 192.0.2.14) up0=$(nb uptimeSeconds 192.0.2.14) sest0=$(spk_est)
log "before the reload: 192.0.2.14 established $est0 time(s), up $up0 s; the stand-in counts $sest0"
check "one peer before the reload" json_poll 5 '.peers | length == 1' cli 2620 "$DE" show bgp summary json

# the map-cache polled every 0.1 s until told to stop (bounded: 600 polls)
poll_mapping() {
	local i
	for i in $(seq 600); do
		[ -e "$T_TMP/poll.stop" ] && break
		if mapped >/dev/null 2>&1; then echo present; else echo absent; fi
		sleep 0.1
	done >"$T_TMP/poll-$1.txt"
}
# flow TAG COUNT: the client's flow to the VM and back (lisp-flow), in the background
flow() {
	start_bg -n "$CL" "flow-$1" "$FLOW" send --to "198.51.100.5:$PORT" --rate "$RATE" \
		--count "$2" --name "$1" --json --csv "$T_TMP/flow-$1.csv" --linger-ms 1500 \
		--max-seconds 120
}
echoed() { [ "$(grep -c '^[0-9]' "$T_TMP/flow-$1.csv" 2>/dev/null)" -ge "$2" ]; }
flow_done() { ! bg_alive "flow-$1"; }
flow_result() { # TAG: sent, received, lost of the ended flow
	jq -r '"\(.sent) \(.received) \(.lost)"' "$(bg_log "flow-$1")"
}
reloaded() { # LOGLINE: a reload finished with that line in the D-ETR's log (after N lines)
	tail -n +"$RELOAD_FROM" "$(bg_log de)" | grep -qF "$1"
}
hup() {
	RELOAD_FROM=$(($(wc -l <"$(bg_log de)") + 1))
	kill -HUP "$(bg_pid de)"
}

start_bg -n "$VA" echo "$FLOW" echo --port "$PORT" --max-seconds 300
sleep 0.5

# ---- a second peer added: nothing else moves
rm -f "$T_TMP/poll.stop"
poll_mapping add &
T_PIDS+=("$!")
POLL=$!
flow add 3000
check "flow running (1 s of echoes)" wait_until 20 echoed add "$RATE"
t0=$(date +%s)
cp "$T_TMP/de-two.xml" "$T_TMP/de.xml"
hup
check "reload with BIRD added applied" wait_until 10 reloaded "configuration reloaded from"
check "the reload said what it applied" reloaded "reload: <bgp>: 1 peer(s) added, 0 removed, 0 changed"
check "BIRD's session comes up (our side)" wait_until 30 up 192.0.2.15
bird_up() { birdc b1 show protocols detr | grep -q Established; }
check "BIRD's session comes up (BIRD)" wait_until 10 bird_up
check "the flow ran on after the reload" wait_until 60 flow_done add
touch "$T_TMP/poll.stop"
wait "$POLL"
read -r sent recv lost <<<"$(flow_result add)"
log "flow across the reload: sent $sent, received $recv, lost $lost"
check "every packet of the flow came back ($recv of $sent)" test "${sent:-0}" -gt 0 -a "$recv" = "$sent"
est1=$(nb establishedCount 192.0.2.14) up1=$(nb uptimeSeconds 192.0.2.14) sest1=$(spk_est)
el=$(($(date +%s) - t0))
log "after the reload: 192.0.2.14 established $est1 time(s), up $up1 s (was $up0 s, $el s ago); the stand-in counts $sest1"
check "first session never left Established (D-ETR: $est0 -> $est1)" test "$est1" = "$est0"
check "first session never left Established (stand-in: $sest0 -> $sest1)" test "$sest1" = "$sest0"
check "first session's uptime went on ($up0 -> $up1 s in $el s)" test "$up1" -ge $((up0 + el - 1))
n=$(grep -c . "$T_TMP/poll-add.txt") a=$(grep -c absent "$T_TMP/poll-add.txt")
log "map-cache polls during the reload: $n, without the mapping: $a"
check "the mapping was in the map-cache at every poll ($n polls)" test "$n" -gt 10 -a "$a" = 0
check "two peers, both Established" json_poll 5 \
	'[.peers[] | select(.state == "Established")] | length == 2' cli 2620 "$DE" show bgp summary json

# ---- refused: a listener (needs a restart), a third peer and a static mapping with it
est2=$(nb establishedCount 192.0.2.15)
flow refused 1000
check "second flow running" wait_until 20 echoed refused "$RATE"
cp "$T_TMP/de-refused.xml" "$T_TMP/de.xml"
hup
check "the reload is refused with the reason" wait_until 10 reloaded \
	"reload refused: <bgp>: the listener changed (none -> 192.0.2.10 port 1179)"
check "the skeleton keeps the running configuration" wait_until 5 reloaded \
	"keeping the running one"
check "lisp-xtrd still runs" bg_alive de
cli 2620 "$DE" show bgp summary json >"$T_TMP/summary-refused.json"
check "no listener, no third peer" jq -e '.listenPort == 0 and (.peers | length == 2) and
	([.peers[].neighbor] | index("192.0.2.16") == null)' "$T_TMP/summary-refused.json"
no_static() {
	cli 2620 "$DE" show map-cache json >"$T_TMP/mapcache-refused.json" &&
		jq -e '[.mappings[] | select(.eidPrefix == "203.0.113.0/24")] | length == 0' \
			"$T_TMP/mapcache-refused.json"
}
check "no static mapping from the refused file" no_static
check "the flow ran on after the refusal" wait_until 60 flow_done refused
read -r sent2 recv2 lost2 <<<"$(flow_result refused)"
log "flow across the refused reload: sent $sent2, received $recv2, lost $lost2"
check "every packet of the second flow came back ($recv2 of $sent2)" test "${sent2:-0}" -gt 0 -a "$recv2" = "$sent2"
check "both sessions still Established" json_poll 5 \
	'[.peers[] | select(.state == "Established")] | length == 2' cli 2620 "$DE" show bgp summary json
check "neither session flapped" test "$(nb establishedCount 192.0.2.14)" = "$est0" -a \
	"$(nb establishedCount 192.0.2.15)" = "$est2" -a "$(spk_est)" = "$sest0"
check "the mapping is still there" mapped
log "at the end: 192.0.2.14 up $(nb uptimeSeconds 192.0.2.14) s, 192.0.2.15 up $(nb uptimeSeconds 192.0.2.15) s"

check "lisp-xtrd de exits cleanly on SIGTERM" stop_bg de
check "lisp-xtrd sa exits cleanly on SIGTERM" stop_bg sa
finish
