#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/xtr_two_sites.sh - two LISP sites over one underlay, each a network
# namespace with lisp-xtrd on a TUN device; lisp-msd (192.0.2.100) and lisp-mrd
# (192.0.2.101) on the underlay; one VM namespace behind each site (198.51.100.5 / ::5 at
# site A, .6 / ::6 at site B: one /24 and one /64 across both sites). Site routing is the
# kernel recipe of docs/linux-site.md done by hand (EID subnets into lisp0, the
# local VM's /32 and /128 towards the VM, proxy ARP/NDP), so the test needs no site module.
# Checks: registration (show map-servers), cold-cache first packet (Map-Request sent, packet
# held and delivered), ping and a bounded TCP transfer both ways over IPv4 and IPv6, the
# LISP data headers on the underlay (tshark, lisp-data), the map-cache as JSON, ICMP
# too-big for oversized DF packets (the daemon's own path at site A, TUN MTU 1500), the
# statistics, no open relay (a spoofed LISP packet to site A for site B's VM, which A has
# cached, is dropped and counted, not re-encapsulated), RFC 9437 publish/subscribe (the xTRs
# subscribe through their Map-Requests; after a move, site B, which only resolved the moved
# EID, has the new RLOC from a Map-Notify within a second), site A re-encapsulating for the
# EID that moved away from it, and a clean SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd ip jq nc timeout ping
fast_path_need
XTRD=$top_builddir/lisp-xtrd
MSD=$top_builddir/lisp-msd
MRD=$top_builddir/lisp-mrd
[ -x "$XTRD" ] && [ -x "$MSD" ] && [ -x "$MRD" ] || skip_all "daemons not built"
export LISP_SCHEMA_DIR=$top_srcdir/schema

UL=$(uname_ ul) SA=$(uname_ sa) SB=$(uname_ sb) VA=$(uname_ va) VB=$(uname_ vb)
for n in "$UL" "$SA" "$SB" "$VA" "$VB"; do netns_add "$n" || exit 1; done

# underlay: a bridge in $UL, one veth per site; MS and MR live on the bridge
bridge_add "$UL" br0
veth_add "$SA" ul0 "$UL" pa
veth_add "$SB" ul0 "$UL" pb
link_master "$UL" pa br0
link_master "$UL" pb br0
addr_add "$UL" br0 192.0.2.100/24
addr_add "$UL" br0 192.0.2.101/24
addr_add "$UL" br0 2001:db8:ffff::100/64 nodad
addr_add "$SA" ul0 192.0.2.1/24
addr_add "$SA" ul0 2001:db8:ffff::1/64 nodad
addr_add "$SB" ul0 192.0.2.2/24
addr_add "$SB" ul0 2001:db8:ffff::2/64 nodad

# VMs and the site side of their links
site_vm() { # site-ns vm-ns host-number
	local s=$1 v=$2 h=$3
	veth_add "$s" vm0 "$v" eth0
	addr_add "$v" eth0 198.51.100.$h/24
	addr_add "$v" eth0 2001:db8:100::$h/64 nodad
	ip -n "$v" route add default via 198.51.100.1
	ip -n "$v" -6 route add default via 2001:db8:100::1
	addr_add "$s" vm0 198.51.100.1/32
	addr_add "$s" vm0 2001:db8:100::1/128 nodad
	nsexec "$s" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.vm0.proxy_arp=1 net.ipv4.neigh.vm0.proxy_delay=0 \
		net.ipv6.conf.vm0.proxy_ndp=1 net.ipv6.neigh.vm0.proxy_delay=0 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.vm0.send_redirects=0
	ip -n "$s" route add 198.51.100.$h/32 dev vm0
	ip -n "$s" -6 route add 2001:db8:100::$h/128 dev vm0
	local o
	for o in $(seq 1 9); do
		[ "$o" = "$h" ] || ip -n "$s" -6 neigh add proxy 2001:db8:100::$o dev vm0
	done
}
site_vm "$SA" "$VA" 5
site_vm "$SB" "$VB" 6

cat >"$T_TMP/msd.xml" <<XML
<lisp-msd>
  <listen address="192.0.2.100" port="4342"/>
  <cli address="127.0.0.1" port="2621"/>
  <log level="debug"/>
  <pubsub lifetime="3600">
    <subscriber-key id="1" algorithm="hmac-sha-256" secret="pubsub-secret"/>
  </pubsub>
  <site name="dc" lifetime="refresh" proxy-reply="true" merge="false">
    <key id="1" algorithm="hmac-sha-256" secret="dc-secret"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
    <eid-prefix prefix="2001:db8:100::/64" more-specifics="true"/>
  </site>
</lisp-msd>
XML
cat >"$T_TMP/mrd.xml" <<XML
<lisp-mrd>
  <listen address="192.0.2.101" port="4342"/>
  <cli address="127.0.0.1" port="2622"/>
  <eid-prefix prefix="198.51.100.0/24"><map-server address="192.0.2.100"/></eid-prefix>
  <eid-prefix prefix="2001:db8:100::/64"><map-server address="192.0.2.100"/></eid-prefix>
</lisp-mrd>
XML
xtr_conf() { # file rloc4 rloc6 host tun-mtu
	local mtu=""
	[ -n "${5:-}" ] && mtu=" mtu=\"$5\""
	cat >"$1" <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"$mtu/>
  <underlay mtu="1500"/>
  <rloc address="$2"/>
  <rloc address="$3"/>
  <map-server address="192.0.2.100" key-id="1" algorithm="hmac-sha-256" secret="dc-secret"/>
  <map-resolver address="192.0.2.101"/>
  <subscribe xtr-id="5173$4" site-id="$4" key-id="1" algorithm="hmac-sha-256" secret="pubsub-secret"/>
  <probing interval="5" timeout="2" retries="2"/>
  <cli socket="$T_TMP/xtr$4.ctl"/>
  <log level="debug"/>
  $(fast_path_xml)
  <database>
    <mapping eid="198.51.100.$4/32"/>
    <mapping eid="2001:db8:100::$4/128"/>
  </database>
</lisp-xtrd>
XML
}
xtr_conf "$T_TMP/xa.xml" 192.0.2.1 2001:db8:ffff::1 5 1500
xtr_conf "$T_TMP/xb.xml" 192.0.2.2 2001:db8:ffff::2 6
check "config check (-n)" "$XTRD" -n -f "$T_TMP/xa.xml"

start_bg -n "$UL" msd "$MSD" -dv -f "$T_TMP/msd.xml"
start_bg -n "$UL" mrd "$MRD" -dv -f "$T_TMP/mrd.xml"
tshark_start "$UL" br0 "udp port 4341" "$T_TMP/data.pcap" || log "tshark not capturing"
start_bg -n "$SA" xa "$XTRD" -dv -f "$T_TMP/xa.xml"
start_bg -n "$SB" xb "$XTRD" -dv -f "$T_TMP/xb.xml"

for s in "$SA" "$SB"; do
	wait_until 10 ip -n "$s" link show lisp0 || fail "lisp0 in $s"
	nsexec "$s" sysctl -qw net.ipv4.conf.lisp0.rp_filter=0
	fast_path_ready 2620 "$s" || fail "FAST_PATH=on: lisp-xtrd in $s has no fast path"
	ip -n "$s" route add 198.51.100.0/24 dev lisp0
	ip -n "$s" -6 route add 2001:db8:100::/64 dev lisp0
done

reg_ok() { cli 2620 "$1" show map-servers json | jq -e '.mapServers[0].state == "registered"'; }
check "site A registered" wait_until 15 reg_ok "$SA"
check "site B registered" wait_until 15 reg_ok "$SB"
check "MS holds both VMs" json_poll 10 '[.. | strings | select(test("198.51.100.[56]/32"))] | length >= 2' \
	cli 2621 "$UL" show registrations json

# cold cache: the first ping must be answered (held while resolving, then delivered)
check "cold-cache first ping v4" nsexec "$VA" ping -c1 -W5 198.51.100.6
mc=$(cli 2620 "$SA" show map-cache json)
printf '%s\n' "$mc" >"$T_TMP/mapcache-a.json"
check "map-cache entry for .6 from a map-reply" jq -e \
	'.mappings[] | select(.eidPrefix == "198.51.100.6/32") | .source == "map-reply" and (.locators | length) >= 1' \
	"$T_TMP/mapcache-a.json"
st=$(cli 2620 "$SA" show statistics json)
check "Map-Request sent, packet held and released" jq -e \
	'.control.mapRequestsSent >= 1 and .data.queued >= 1 and .data.dequeued >= 1' <<<"$st"

check "ping v4 A->B" nsexec "$VA" ping -c3 -i0.2 -W2 198.51.100.6
check "ping v4 B->A" nsexec "$VB" ping -c3 -i0.2 -W2 198.51.100.5
check "ping v6 A->B" nsexec "$VA" ping -6 -c3 -i0.2 -W5 2001:db8:100::6
check "ping v6 B->A" nsexec "$VB" ping -6 -c3 -i0.2 -W2 2001:db8:100::5

# the capture holds the pings only (small: quick to decode)
if tshark_stop; then
	n=$(timeout 30 "$TSHARK" -n -r "$T_TMP/data.pcap" -d udp.port==4341,lisp-data -Y "lisp-data" 2>/dev/null | wc -l)
	log "LISP data packets captured: $n"
	check "tshark decodes LISP data headers" test "$n" -ge 12
	flags=$(timeout 30 "$TSHARK" -n -r "$T_TMP/data.pcap" -d udp.port==4341,lisp-data -Y lisp-data \
		-T fields -e lisp-data.flags.nonce -e udp.srcport -e udp.checksum 2>/dev/null | head -50)
	printf '%s\n' "$flags" >"$T_TMP/flags.txt"
	# the two checks below read these fields: an empty extraction must not pass them
	check "tshark extracts the data header fields (>= 12 packets)" \
		test "$(grep -c '[0-9]' "$T_TMP/flags.txt")" -ge 12
	check "N bit set on every packet" bash -c "! awk '{print \$1}' '$T_TMP/flags.txt' | grep -qvE '^(1|True)$'"
	check "outer source ports from the flow hash (>= 49152)" bash -c "awk '\$2 < 49152 {bad=1} END {exit bad}' '$T_TMP/flags.txt'"
	check "malformed-free decode" bash -c "! timeout 30 '$TSHARK' -n -r '$T_TMP/data.pcap' -d udp.port==4341,lisp-data 2>/dev/null | grep -qi malformed"
fi

# TCP: 2 MB each way, bounded
tcp_xfer() { # server-ns client-ns addr port
	local f=$T_TMP/rx.$4
	rm -f "$f"
	nsexec "$1" timeout 20 nc -l -N "$3" "$4" >"$f" 2>/dev/null &
	local sp=$!
	sleep 0.5
	head -c 2000000 /dev/zero | nsexec "$2" timeout 20 nc -N -w 5 "$3" "$4"
	wait $sp
	[ "$(stat -c %s "$f")" = 2000000 ]
}
check "TCP 2 MB v4 B->A" tcp_xfer "$VA" "$VB" 198.51.100.5 5001
check "TCP 2 MB v6 A->B" tcp_xfer "$VB" "$VA" 2001:db8:100::6 5002

# UDP bursts of one flow arrive in order: unpaced, the ITR reads runs of equal datagrams
# (one UDP_SEGMENT send each, UDP_GRO at the ETR) mixed with single reads (raw socket);
# a LISP tunnel must not reorder packets within a flow. Two runs of the same flow id back
# to back: the second receiver must not see the first run's packets either.
UB=$top_builddir/bench/udpblast
udp_order() { # size flow: "reordered=0", and at least 1000 of the 30000 delivered
	local out
	rm -f "$T_TMP/ub.out"
	nsexec "$VB" timeout 30 "$UB" recv -b 198.51.100.6 -p 9100 -t 10 -W 0 -i 1 \
		>"$T_TMP/ub.out" 2>&1 &
	local rp=$!
	wait_until 5 grep -q ready "$T_TMP/ub.out" || return 1
	nsexec "$VA" timeout 20 "$UB" send -d 198.51.100.6 -p 9100 -s "$1" -c 30000 -t 5 \
		-f "$2" >/dev/null || return 1
	wait $rp
	out=$(grep '^recv pkts' "$T_TMP/ub.out")
	log "UDP $1 B flow $2: $out"
	local total
	total=$(grep -o ' total=[0-9]*' <<<"$out" | grep -o '[0-9]*')
	grep -q ' reordered=0 ' <<<"$out" && [ "${total:-0}" -ge 1000 ]
}
if [ -x "$UB" ]; then
	check "UDP 64 B burst A->B in order" udp_order 64 3
	check "UDP 1400 B burst A->B in order" udp_order 1400 3
else
	log "bench/udpblast not built: UDP ordering not checked"
fi

# throughput figure (not a benchmark: both sites share the test machine's cores)
if command -v iperf3 >/dev/null; then
	iperf_run() {
		nsexec "$VB" timeout 15 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
		local sp=$!
		sleep 0.5
		nsexec "$VA" timeout 15 iperf3 -c 198.51.100.6 -p 5201 -t 3 -J >"$T_TMP/iperf.json"
		wait $sp
		jq -e '.end.sum_received.bits_per_second > 0' "$T_TMP/iperf.json"
	}
	check "iperf3 TCP over LISP" iperf_run
	log "iperf3 TCP v4 A->B: $(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$T_TMP/iperf.json" 2>/dev/null) Mbit/s"
fi

# ICMP too-big: site A's TUN MTU is 1500, the daemon answers
out=$(nsexec "$VA" ping -c3 -i0.3 -W2 -M do -s 1472 198.51.100.6 2>&1)
log "$out"
check "ICMP frag-needed for 1500-byte DF packet" grep -qiE "mtu ?= ?14[0-9][0-9]|frag needed" <<<"$out"
check "daemon sent ICMP too-big" json_poll 5 '.data.icmpTooBig >= 1' cli 2620 "$SA" show statistics json
out6=$(nsexec "$VA" ping -6 -c1 -W2 -s 1452 2001:db8:100::6 2>&1)
log "$out6"
check "ICMPv6 packet too big" json_poll 5 '.data.icmpTooBig >= 2' cli 2620 "$SA" show statistics json

check "show map-cache EID json" jq -e '.eidPrefix == "2001:db8:100::6/128"' \
	<<<"$(cli 2620 "$SA" show map-cache 2001:db8:100::6 json)"
check "show database json" jq -e '[.mappings[].eidPrefix] | index("198.51.100.6/32") != null' \
	<<<"$(cli 2620 "$SB" show database json)"
st=$(cli 2620 "$SB" show statistics json)
printf '%s\n' "$st" >"$T_TMP/stats-b.json"
check "site B decapsulated and encapsulated" jq -e '.data.decapsulated > 100 and .data.encapsulated > 100' <<<"$st"
fast_path_on && check "FAST_PATH=on: site B's kernel encapsulated and decapsulated (IPv4 and IPv6 EIDs)" \
	fast_path_carried 2620 "$SB" '.itr.encapsulated > 100 and .etr.decapsulated > 100'
fast_path_on && check "FAST_PATH=on: site A's kernel encapsulated and decapsulated" \
	fast_path_carried 2620 "$SA" '.itr.encapsulated > 100 and .etr.decapsulated > 100'
fast_path_on && check "FAST_PATH=on: no map update failed" fast_path_carried 2620 "$SA" '.mapUpdateErrors == 0' 
check "probes answered" json_poll 15 '.control.probeReplies >= 1' cli 2620 "$SA" show statistics json
# the control socket's own drops (common/udpio) are in show statistics: a zero-length
# datagram to site B's control port is counted there, never reaching the control plane
nsexec "$SB" python3 -c 'import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"", ("127.0.0.1", 4342))'
check "site B: zero-length datagram in show statistics (udp)" json_poll 5 \
	'[.udp[] | select(.port == 4342) | .receiveDrops.empty] == [1]' cli 2620 "$SB" show statistics json

# No open relay: site A knows where .6 is (its VM talked to it) but .6 was never at site A.
# A spoofed LISP packet to A's RLOC for .6 (its sender hidden behind A if relayed) is
# dropped and counted, not re-encapsulated to site B.
lisp_pkt() { # inner-source inner-destination count: ICMP echo in LISP to site A's RLOC
	python3 - "$1" "$2" "$3" <<'PY'
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
icmp = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"x" * 16
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                 socket.inet_aton(sys.argv[1]), socket.inet_aton(sys.argv[2]))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    s.sendto(bytes([0x80, 0, 0, 1, 0, 0, 0, 0]) + ip + icmp, ("192.0.2.1", 4341))
PY
}
b_decap=$(cli 2620 "$SB" show statistics json | jq '.data.decapsulated')
nsexec "$UL" bash -c "$(declare -f lisp_pkt); lisp_pkt 203.0.113.66 198.51.100.6 3"
check "site A drops a spoofed packet for site B's VM (etrNotLocal), relays nothing" json_poll 5 \
	'.drops.etrNotLocal >= 3 and .data.reencapsulated == 0' cli 2620 "$SA" show statistics json
check "site B received nothing from site A for it" jq -e --argjson n "$b_decap" \
	'.data.decapsulated == $n' <<<"$(cli 2620 "$SB" show statistics json)"

# RFC 9437 publish/subscribe: site B resolved .5 through the mapping system (with I=1/N=1,
# xTR-ID, Site-ID), so lisp-msd holds its subscription
check "site B subscribed (show statistics)" jq -e '.control.subscriptionsSent >= 1' <<<"$st"
check "lisp-msd lists site B's subscription to .5" json_poll 5 \
	'[.subscribers[] | select(.eid == "198.51.100.5/32" and .itrRloc == "192.0.2.2" and .siteId == 6 and (.xtrId | test("51736$")))] | length == 1' \
	cli 2621 "$UL" show subscribers json
check "site B acked the subscription's first Map-Notify" json_poll 5 \
	'.control.subscriptionNotifiesAcked >= 1' cli 2620 "$SB" show statistics json
check "no Map-Notify left unacknowledged at lisp-msd" json_poll 5 '.pendingMapNotifies == 0' \
	cli 2621 "$UL" show subscribers json

# VM mobility (docs/architecture.md "Migration end to end"): the controller registers .5 at another RLOC (192.0.2.3);
# the Map-Server notifies site A, which stops claiming .5, acks, caches the new mapping
# (source map-notify) and re-encapsulates packets that still reach it.
printf 'dc-secret' >"$T_TMP/key"
check "controller moves 198.51.100.5 to 192.0.2.3" nsexec "$UL" timeout 10 "$top_builddir/lisp-register" \
	--ms 192.0.2.100 --key-file "$T_TMP/key" --key-id 1 --eid 198.51.100.5/32 --rloc 192.0.2.3 --proxy-reply
# site B only resolved .5 (it is not the old site): the subscription brings it the new RLOC
# within a second, with no traffic sent first
sub_moved() {
	cli 2620 "$SB" show map-cache 198.51.100.5 json |
		jq -e '.source == "map-notify" and .locators[0].address == "192.0.2.3"' >/dev/null
}
check "site B has .5 -> 192.0.2.3 from the subscription within 1 s" wait_until 1 sub_moved
check "site B counted and acked the subscription notify" json_poll 5 \
	'.control.subscriptionNotifiesReceived >= 2 and .control.subscriptionNotifiesAcked >= 2' \
	cli 2620 "$SB" show statistics json
moved() { cli 2620 "$SA" show statistics json | jq -e '.control.eidsMovedAway >= 1'; }
check "site A learns the move (Map-Notify)" wait_until 10 moved
check "site A no longer claims .5" jq -e '[.mappings[].eidPrefix] | index("198.51.100.5/32") == null' \
	<<<"$(cli 2620 "$SA" show database json)"
check "site A caches .5 -> 192.0.2.3 from the notify" jq -e \
	'.source == "map-notify" and .locators[0].address == "192.0.2.3"' \
	<<<"$(cli 2620 "$SA" show map-cache 198.51.100.5 json)"
# a LISP packet for .5 that still arrives at site A (as from a stale ITR): re-encapsulated
nsexec "$UL" bash -c "$(declare -f lisp_pkt); lisp_pkt 198.51.100.6 198.51.100.5 3"
check "site A lists .5 as moved away, re-encapsulating" jq -e \
	'[.movedAway[] | select(.eidPrefix == "198.51.100.5/32" and .reencapsulateSecondsLeft > 0)] | length == 1' \
	<<<"$(cli 2620 "$SA" show database json)"
check "site A re-encapsulates to the new RLOC" json_poll 5 '.data.reencapsulated >= 3' \
	cli 2620 "$SA" show statistics json

# Replay protection (docs/lisp-wire.md "Replay protection"): the xTRs register with I=1 and
# their xTR-IDs (here <subscribe>'s), lisp-register with its own; with one site key, none
# of their Map-Registers was taken for a replay
check "site B's registration carries its xTR-ID" jq -e \
	'[.registrations[] | select(.eid == "198.51.100.6/32" and (.xtrId | test("51736$")))] | length == 1' \
	<<<"$(cli 2621 "$UL" show registrations json)"
check "lisp-msd dropped no Map-Register as a replay" jq -e \
	'.drops.replay == 0 and .drops."replay-seen-nonce" == 0 and .replay.entries >= 3' \
	<<<"$(cli 2621 "$UL" show statistics json)"

cleared() { cli "$T_TMP/xtr5.ctl" clear map-cache | grep -q "entries removed"; }
check "clear map-cache" cleared
check "lisp-xtrd A exits cleanly on SIGTERM" stop_bg xa
check "lisp-xtrd B exits cleanly on SIGTERM" stop_bg xb
finish
