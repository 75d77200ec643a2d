#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/fastpath_wire.sh - what lisp-xtrd's in-kernel fast path puts on the wire is
# what its user-space path puts there, field by field (tshark). Two sites in a chain of
# namespaces, h1 - site A - site B - h2, over an IPv4 + IPv6 underlay; each xTR has both
# RLOCs and static mappings that send IPv4 and IPv6 EIDs over IPv4 and IPv6 outer headers
# (also across families). Both hosts send the same fixed packets (raw sockets: UDP flows of
# several sizes, an ICMP echo reply, a TCP RST: nothing answers them) once with the fast path
# on and once after a reload to mode="off" (same daemons: the same flow hash seed). Captured
# on the underlay (encapsulated) and towards each host (decapsulated), decoded by tshark;
# every field is compared but those the RFC or the kernel make random: the LISP nonce, the
# outer IPv4 identification and header checksum, the outer UDP checksum (it covers the
# nonce), the outer IPv6 flow label. The fast path must have carried every packet of the
# first run and none of the second.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd ip jq python3 timeout
XTRD=$top_builddir/lisp-xtrd
[ -x "$XTRD" ] || skip_all "lisp-xtrd not built"
[ -n "${TSHARK:-}" ] && [ -x "$TSHARK" ] || skip_all "tshark not installed"
export LISP_SCHEMA_DIR=$top_srcdir/schema
FAST_PATH=on fast_path_need

H1=$(uname_ h1) SA=$(uname_ sa) SB=$(uname_ sb) H2=$(uname_ h2)
for n in "$H1" "$SA" "$SB" "$H2"; do netns_add "$n" || exit 1; done
veth_add "$H1" eth0 "$SA" in0
veth_add "$SA" up0 "$SB" up0
veth_add "$SB" in0 "$H2" eth0
addr_add "$H1" eth0 198.51.100.10/24
addr_add "$H1" eth0 2001:db8:100::10/64 nodad
addr_add "$SA" in0 198.51.100.1/24
addr_add "$SA" in0 2001:db8:100::1/64 nodad
addr_add "$SA" up0 192.0.2.1/24
addr_add "$SA" up0 2001:db8:ffff::1/64 nodad
addr_add "$SB" up0 192.0.2.2/24
addr_add "$SB" up0 2001:db8:ffff::2/64 nodad
addr_add "$SB" in0 203.0.113.1/24
addr_add "$SB" in0 2001:db8:203::1/64 nodad
addr_add "$H2" eth0 203.0.113.10/24
addr_add "$H2" eth0 2001:db8:203::10/64 nodad
ip -n "$H1" route add default via 198.51.100.1
ip -n "$H1" -6 route add default via 2001:db8:100::1
ip -n "$H2" route add default via 203.0.113.1
ip -n "$H2" -6 route add default via 2001:db8:203::1
for n in "$SA" "$SB"; do
	nsexec "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done

# conf FILE RLOC4 RLOC6 DB4 DB6 REMOTE4 REMOTE6 PEER4 PEER6 MODE: the remote /25s and /64s go
# over both outer families, the cross ones over the other
conf() {
	cat >"$1" <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"/>
  <underlay mtu="1500"/>
  <rloc address="$2"/>
  <rloc address="$3"/>
  <probing interval="0"/>
  <cli address="127.0.0.1" port="2620"/>
  <log level="debug"/>
  <fast-path mode="${10}"/>
  <database><mapping eid="$4"/><mapping eid="$5"/></database>
  <static-mapping eid="${6%.*}.0/25"><locator address="$8" priority="1" weight="100"/></static-mapping>
  <static-mapping eid="${6%.*}.128/25"><locator address="$9" priority="1" weight="100"/></static-mapping>
  <static-mapping eid="${7%::*}::/64"><locator address="$9" priority="1" weight="100"/></static-mapping>
  <static-mapping eid="${7%::*}:1::/64"><locator address="$8" priority="1" weight="100"/></static-mapping>
</lisp-xtrd>
XML
}
confs() { # MODE
	conf "$T_TMP/a.xml" 192.0.2.1 2001:db8:ffff::1 198.51.100.0/24 2001:db8:100::/48 \
		203.0.113.0 2001:db8:203:: 192.0.2.2 2001:db8:ffff::2 "$1"
	conf "$T_TMP/b.xml" 192.0.2.2 2001:db8:ffff::2 203.0.113.0/24 2001:db8:203::/48 \
		198.51.100.0 2001:db8:100:: 192.0.2.1 2001:db8:ffff::1 "$1"
}
confs on
check "config check" "$XTRD" -n -f "$T_TMP/a.xml"
start_bg -n "$SA" xa "$XTRD" -d -f "$T_TMP/a.xml"
start_bg -n "$SB" xb "$XTRD" -d -f "$T_TMP/b.xml"
for n in "$SA:198.51.100.0/24:2001:db8:100::/64" "$SB:203.0.113.0/24:2001:db8:203::/64"; do
	s=${n%%:*} r=${n#*:}
	wait_until 10 ip -n "$s" link show lisp0 || fail "lisp0 in $s"
	nsexec "$s" sysctl -qw net.ipv4.conf.lisp0.rp_filter=0
done
ip -n "$SA" route add 203.0.113.0/24 dev lisp0
ip -n "$SA" -6 route add 2001:db8:203::/48 dev lisp0
ip -n "$SB" route add 198.51.100.0/24 dev lisp0
ip -n "$SB" -6 route add 2001:db8:100::/48 dev lisp0
fp_state() { cli 2620 "$1" show statistics json | jq -e ".fastPath.state == \"$2\"" >/dev/null; }
check "site A's fast path on" wait_until 10 fp_state "$SA" on
check "site B's fast path on" wait_until 10 fp_state "$SB" on

# the receivers: UDP sockets on the ports the flows use (no ICMP unreachable comes back)
listen() { # NS
	start_bg -n "$1" "listen-$1" python3 -c '
import socket, time
s = []
for fam, a in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for p in range(7000, 7006):
        k = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            k.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        k.bind((a, p))
        s.append(k)
print("ready", flush=True)
time.sleep(300)'
}
listen "$H2"
listen "$H1"

# send NS SRC4 SRC6 DST4 DST4X DST6 DST6X: the same packets every time (raw sockets: fixed
# identification, checksums computed here), 10 ms apart (no batch of equal datagrams)
send_all() {
	nsexec "$1" python3 - "${@:2}" <<'PY'
import socket, struct, sys, time
src4, src6, dst4, dst4x, dst6, dst6x = sys.argv[1:7]
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def l4_4(src, dst, proto, seg):
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg)
def l4_6(src, dst, proto, seg):
    ph = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
         struct.pack("!IxxxB", len(seg), proto)
    return csum(ph + seg)
def segs(i):
    out = []
    for k, size in enumerate((16, 100, 400, 1000, 1300, 3)):
        pay = bytes((j * 7 + k + i) & 0xff for j in range(size))
        out.append((17, struct.pack("!HHHH", 6000 + k, 7000 + k, 8 + size, 0) + pay, 6))
    out.append((6, struct.pack("!HHIIBBHHH", 40000, 9, 1000 + i, 0, 0x50, 0x04, 0, 0, 0), 16))
    return out
s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
n = 0
for i, dst in enumerate((dst4, dst4x)):
    ls = segs(i) + [(1, struct.pack("!BBHHH", 0, 0, 0, 77, i) + b"echo reply", 2)]
    for proto, seg, at in ls:
        c = l4_4(src4, dst, proto, seg) if proto != 1 else csum(seg)
        seg = seg[:at] + struct.pack("!H", c if c or proto != 17 else 0xffff) + seg[at + 2:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0x1000 + n, 0x4000, 64,
                         proto, 0, socket.inet_aton(src4), socket.inet_aton(dst))
        s4.sendto(ip + seg, (dst, 0))
        n += 1
        time.sleep(0.01)
for i, dst in enumerate((dst6, dst6x)):
    ls = segs(i + 2) + [(58, struct.pack("!BBHHH", 129, 0, 0, 77, i) + b"echo reply", 2)]
    for proto, seg, at in ls:
        c = l4_6(src6, dst, proto, seg)
        seg = seg[:at] + struct.pack("!H", c if c else 0xffff) + seg[at + 2:]
        ip = struct.pack("!IHBB16s16s", 0x60000000, len(seg), proto, 64,
                         socket.inet_pton(socket.AF_INET6, src6), socket.inet_pton(socket.AF_INET6, dst))
        s6.sendto(ip + seg, (dst, 0))
        n += 1
        time.sleep(0.01)
print(n)
PY
}
NPKT=32 # per host and run: (6 UDP + TCP + ICMP) x 2 destinations x 2 families

# run TAG: capture while both hosts send, then decode
run() {
	# the hosts' own packets only (no neighbour discovery, no MLD): IPv4, IPv6 but ICMPv6
	# other than the echo replies they send
	local hosts='(ip or (ip6 and not icmp6) or (icmp6 and ip6[40] == 129))'
	tshark_start "$SA" up0 "udp port 4341" "$T_TMP/ul-$1.pcap" || return 1
	tshark_start "$SB" in0 "$hosts and (dst net 203.0.113.0/24 or dst net 2001:db8:203::/48)" \
		"$T_TMP/to-h2-$1.pcap" || return 1
	tshark_start "$SA" in0 "$hosts and (dst net 198.51.100.0/24 or dst net 2001:db8:100::/48)" \
		"$T_TMP/to-h1-$1.pcap" || return 1
	local a b
	a=$(send_all "$H1" 198.51.100.10 2001:db8:100::10 203.0.113.10 203.0.113.130 \
		2001:db8:203::10 2001:db8:203:1::10)
	b=$(send_all "$H2" 203.0.113.10 2001:db8:203::10 198.51.100.10 198.51.100.130 \
		2001:db8:100::10 2001:db8:100:1::10)
	sleep 1
	tshark_stop
	log "$1: sent $a from h1, $b from h2"
}
# hosts answer nothing for the second destinations (.130, :1::10) but they must be routed
ip -n "$H2" addr add 203.0.113.130/32 dev eth0
ip -n "$H2" -6 addr add 2001:db8:203:1::10/128 dev eth0 nodad
ip -n "$H1" addr add 198.51.100.130/32 dev eth0
ip -n "$H1" -6 addr add 2001:db8:100:1::10/128 dev eth0 nodad
ip -n "$SB" -6 route add 2001:db8:203:1::10/128 dev in0
ip -n "$SA" -6 route add 2001:db8:100:1::10/128 dev in0
wait_until 5 grep -q ready "$(bg_log "listen-$H2")"
wait_until 5 grep -q ready "$(bg_log "listen-$H1")"
# neighbours and the first packets of each path resolved before the comparison
send_all "$H1" 198.51.100.10 2001:db8:100::10 203.0.113.10 203.0.113.130 2001:db8:203::10 \
	2001:db8:203:1::10 >/dev/null
send_all "$H2" 203.0.113.10 2001:db8:203::10 198.51.100.10 198.51.100.130 2001:db8:100::10 \
	2001:db8:100:1::10 >/dev/null
sleep 1

fp_count() { # NS: packets the fast path encapsulated and decapsulated
	cli 2620 "$1" show statistics json | jq '.fastPath.itr.encapsulated + .fastPath.etr.decapsulated'
}
a0=$(fp_count "$SA") b0=$(fp_count "$SB")
run fast
a1=$(fp_count "$SA") b1=$(fp_count "$SB")
check "fast run: site A's kernel carried all 64 packets (32 out, 32 in)" test $((a1 - a0)) -eq 64
check "fast run: site B's kernel carried all 64 packets" test $((b1 - b0)) -eq 64

# the same daemons with the fast path off (reload): every packet through user space
confs off
kill -HUP "$(bg_pid xa)" "$(bg_pid xb)"
check "reload: site A's fast path off" wait_until 10 fp_state "$SA" off
check "reload: site B's fast path off" wait_until 10 fp_state "$SB" off
run user
a2=$(fp_count "$SA") b2=$(fp_count "$SB")
check "user run: no packet through the kernel's fast path" test $((a2 - a1 + b2 - b1)) -eq 0
tun_in() { cli 2620 "$1" show statistics json | jq '.data.tunIn'; }
check "user run: site A read the packets from its TUN device" test "$(tun_in "$SA")" -ge 32

# decode: every field but the random ones (see the header), one sorted line per packet
FIELDS=(eth.src eth.dst eth.type ip.version ip.hdr_len ip.dsfield ip.len ip.flags ip.frag_offset
	ip.ttl ip.proto ip.src ip.dst ip.id ip.checksum ipv6.tclass ipv6.flow ipv6.plen ipv6.nxt
	ipv6.hlim ipv6.src ipv6.dst udp.srcport udp.dstport udp.length udp.checksum
	lisp-data.flags lisp-data.iid lisp-data.lsb tcp.srcport tcp.dstport tcp.seq_raw
	tcp.ack_raw tcp.flags tcp.window_size_value tcp.checksum icmp.type icmp.code icmp.checksum
	icmpv6.type icmpv6.code icmpv6.checksum data.data)
decode() { # PCAP ENCAPSULATED(0|1)
	local args=() f
	for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
	timeout 60 "$TSHARK" -n -r "$1" -d udp.port==4341,lisp-data -T fields -E separator='|' \
		-E occurrence=a "${args[@]}" 2>/dev/null | awk -F'|' -v enc="$2" -v OFS='|' '
	# drop the first (outer) value of a field: "a,b" -> "b", "a" -> ""
	function inner(v) { return index(v, ",") ? substr(v, index(v, ",") + 1) : "" }
	{
		if (enc == 1) {
			v4 = ($3 == "0x0800")
			if (v4) { $14 = inner($14); $15 = inner($15) } # ip.id, ip.checksum
			else { $17 = inner($17) }                      # ipv6.flow
			# an IPv4 outer around IPv6 (or the reverse) has no inner value of them:
			# then the outer one just went
			$26 = inner($26)                               # udp.checksum
		}
		print
	}' | sort
}
for p in ul to-h2 to-h1; do
	decode "$T_TMP/$p-fast.pcap" $([ $p = ul ] && echo 1 || echo 0) >"$T_TMP/$p-fast.txt"
	decode "$T_TMP/$p-user.pcap" $([ $p = ul ] && echo 1 || echo 0) >"$T_TMP/$p-user.txt"
done
check "underlay: 64 LISP packets captured in each run" bash -c \
	"[ \$(wc -l <'$T_TMP/ul-fast.txt') = 64 ] && [ \$(wc -l <'$T_TMP/ul-user.txt') = 64 ]"
check "underlay: both outer families and the LISP header decoded" bash -c \
	"grep -q '|0x0800|' '$T_TMP/ul-fast.txt' && grep -q '|0x86dd|' '$T_TMP/ul-fast.txt' &&
	 [ \$(awk -F'|' '\$27 != \"\"' '$T_TMP/ul-fast.txt' | wc -l) = 64 ]"
check "underlay: the fast path's packets equal the user-space path's, field by field" \
	diff "$T_TMP/ul-user.txt" "$T_TMP/ul-fast.txt"
check "towards h2: 32 decapsulated packets in each run, equal field by field" bash -c \
	"[ \$(wc -l <'$T_TMP/to-h2-fast.txt') = 32 ] && diff '$T_TMP/to-h2-user.txt' '$T_TMP/to-h2-fast.txt'"
check "towards h1: 32 decapsulated packets in each run, equal field by field" bash -c \
	"[ \$(wc -l <'$T_TMP/to-h1-fast.txt') = 32 ] && diff '$T_TMP/to-h1-user.txt' '$T_TMP/to-h1-fast.txt'"
check "lisp-xtrd A exits cleanly" stop_bg xa
check "lisp-xtrd B exits cleanly" stop_bg xb
finish
