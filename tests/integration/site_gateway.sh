#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/site_gateway.sh - the site integration of lisp-xtrd (xtr/site/*.c) driven
# by site_gwd in network namespaces: a site namespace where site_gwd creates the bridge with
# the anycast gateway, the TUN device, the sysctls, routes and nft table of linux-site.md, and
# three VM namespaces on veth ports added to the bridge afterwards (isolated on arrival).
#  (a) two VMs reach each other through the gateway (ttl/hop limit 63 = routed) and their
#      neighbour caches hold only the gateway MAC (IPv4: kernel proxy_arp_pvlan; IPv6: the
#      daemon's NS responder); their first frames make them local EIDs (host routes, hook);
#  (b) a third VM is detected by its gratuitous ARP (arping -U) and by an unsolicited NA
#      (python3 AF_PACKET helper), host routes installed at once, hooks printed; when it goes
#      silent it is probed and declared gone (routes removed, "left" printed) while the
#      others answer the probes and stay;
#      a RARP self-announce (QEMU) from its MAC brings both its EIDs back; the core's
#      site_host_del (EID moved away) removes routes and neighbour without the left hook,
#      plain frames do not bring the EID back, site_host_add does;
#  (c) SIGTERM runs site_teardown: sysctls restored, routes/bridge/nft table removed.
# site_gwd drops its privileges after the setup as lisp-xtrd does (another user, only
# CAP_NET_ADMIN and CAP_NET_RAW), so (a)-(c) run with what lisp-xtrd keeps.
. "$(dirname "$0")/lib.sh"
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd ip ping arping nft python3 timeout

GWD="$top_builddir/tests/integration/site_gwd"
[ -x "$GWD" ] || skip_all "site_gwd not built"
GWMAC=02:00:00:00:01:01
S=$(uname_ site)
V1=$(uname_ vm1)
V2=$(uname_ vm2)
V3=$(uname_ vm3)
sx() { ip netns exec "$S" "$@"; }

netns_add "$S" && netns_add "$V1" && netns_add "$V2" && netns_add "$V3" ||
	{
		fail "namespaces"
		finish
	}

# values site_setup must change and site_teardown must restore
sx sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 \
	net.ipv4.conf.all.send_redirects=1 net.ipv4.conf.all.rp_filter=1
before=$(sx sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
	net.ipv4.conf.all.send_redirects net.ipv4.conf.all.rp_filter | tr '\n' ' ')

# VM ports exist before the daemon; they are enslaved after it started (isolated on arrival)
i=0
for v in "$V1" "$V2" "$V3"; do
	i=$((i + 1))
	veth_add "$S" p-vm$i "$v" eth0
	ip -n "$v" link set eth0 address 02:00:00:00:00:0$((i + 4))
done

cat >"$T_TMP/site.xml" <<'EOF'
<site bridge="br-vm" tun="lisp0" manage-bridge="true" host-timeout="4" probes="2" tun-mtu="1400">
  <gateway mac="02:00:00:00:01:01" ipv4="198.51.100.1/24" ipv6="2001:db8:100::1/64"/>
  <subnet prefix="198.51.100.0/24"/>
  <subnet prefix="2001:db8:100::/64"/>
  <dynamic-eid prefix="198.51.100.0/25"/>
  <dynamic-eid prefix="2001:db8:100::/64"/>
</site>
EOF
CTL=$T_TMP/ctl
mkfifo "$CTL"
ctl() { timeout 3 bash -c "echo '$*' >'$CTL'"; }
start_bg -n "$S" gwd "$GWD" "$T_TMP/site.xml" "$CTL"
GLOG=$(bg_log gwd)
check "site_gwd ready" wait_until 10 grep -qx ready "$GLOG" || finish
GPID=$(bg_pid gwd)
check "site_gwd runs as another user than root" \
	bash -c "awk '/^Uid:/ { exit !(\$2 != 0 && \$3 != 0 && \$4 != 0) }' /proc/$GPID/status"
check "site_gwd keeps CAP_NET_ADMIN and CAP_NET_RAW only" \
	bash -c "grep -qx 'CapEff:[[:space:]]*0000000000003000' /proc/$GPID/status && grep -qx 'CapBnd:[[:space:]]*0000000000003000' /proc/$GPID/status"

# ---------------------------------------------------------------- the recipe
check "bridge created with the gateway MAC" bash -c "ip -n $S link show br-vm | grep -q 'link/ether $GWMAC'"
check "gateway IPv4 noprefixroute" bash -c "ip -n $S addr show dev br-vm | grep -q 'inet 198.51.100.1/24 .*noprefixroute'"
check "gateway IPv6 nodad noprefixroute" bash -c "ip -n $S -6 addr show dev br-vm | grep 'inet6 2001:db8:100::1/64' | grep -q nodad"
check "no connected route on the bridge" test -z "$(ip -n "$S" route show 198.51.100.0/24 dev br-vm)"
check "IPv4 EID subnet into the TUN" bash -c "ip -n $S route show 198.51.100.0/24 | grep -q 'dev lisp0'"
check "IPv6 EID subnet into the TUN" bash -c "ip -n $S -6 route show 2001:db8:100::/64 | grep -q 'dev lisp0'"
check "TUN MTU" bash -c "ip -n $S link show lisp0 | grep -q 'mtu 1400'"
want="net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.conf.br-vm.proxy_arp=1
net.ipv4.conf.br-vm.proxy_arp_pvlan=1 net.ipv4.neigh.br-vm.proxy_delay=0
net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.br-vm.send_redirects=0
net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.lisp0.rp_filter=0 net.ipv6.conf.br-vm.proxy_ndp=0
net.ipv6.neigh.br-vm.proxy_delay=0"
bad=""
for kv in $want; do
	[ "$(sx sysctl -n "${kv%=*}")" = "${kv#*=}" ] || bad="$bad $kv"
done
check "recipe sysctls set" test -z "$bad"
if [ -e "/proc/sys/net/ipv6/conf/all/accept_untracked_na" ]; then
	check "accept_untracked_na on the bridge" test "$(sx sysctl -n net.ipv6.conf.br-vm.accept_untracked_na)" = 1
fi
check "nft table drops ND redirects out of the bridge" bash -c "ip netns exec $S nft list table inet lisp_site_br_vm | grep -q 'oifname \"br-vm\" icmpv6 type nd-redirect'"

for i in 1 2 3; do
	ip -n "$S" link set p-vm$i master br-vm
done
isolated() { for i in 1 2 3; do ip -n "$S" -d link show p-vm$i | grep -q 'isolated on' || return 1; done; }
check "ports added later are isolated" wait_until 5 isolated

# ---------------------------------------------------------------- (a) VM to VM through the gateway
for i in 1 2; do
	v=$V1
	[ $i = 2 ] && v=$V2
	ip -n "$v" addr add 198.51.100.$((i + 4))/24 dev eth0
	ip -n "$v" -6 addr add 2001:db8:100::$((i + 4))/64 dev eth0 nodad
	ip -n "$v" route add default via 198.51.100.1
	ip -n "$v" -6 route add default via 2001:db8:100::1
done
# their first frames (ARP / NS for the gateway) make them local EIDs
for v in "$V1" "$V2"; do
	timeout 5 ip netns exec "$v" ping -c1 -W2 198.51.100.1 >/dev/null
	timeout 5 ip netns exec "$v" ping -6 -c1 -W2 2001:db8:100::1 >/dev/null
done
arrived() { grep -qx "arrived $1 02:00:00:00:00:$2" "$GLOG"; }
check "vm1 IPv4 arrived (first frame)" wait_until 3 arrived 198.51.100.5 05
check "vm2 IPv4 arrived (first frame)" wait_until 3 arrived 198.51.100.6 06
check "vm1 IPv6 arrived (first frame)" wait_until 3 arrived 2001:db8:100::5 05
check "vm2 IPv6 arrived (first frame)" wait_until 3 arrived 2001:db8:100::6 06
check "host routes on the bridge" bash -c "ip -n $S route show 198.51.100.6 | grep -q 'dev br-vm' && ip -n $S -6 route show 2001:db8:100::6 | grep -q 'dev br-vm'"

out=$(timeout 10 ip netns exec "$V1" ping -c2 -W2 198.51.100.6 2>&1)
check "vm1 -> vm2 IPv4 routed (ttl=63)" grep -q "ttl=63" <<<"$out"
out=$(timeout 10 ip netns exec "$V1" ping -6 -c2 -W2 2001:db8:100::6 2>&1)
check "vm1 -> vm2 IPv6 routed (ttl=63)" grep -q "ttl=63" <<<"$out"
out=$(timeout 10 ip netns exec "$V2" ping -6 -c1 -W2 2001:db8:100::77 2>&1)
nb1=$(ip -n "$V1" neigh show dev eth0)
nb2=$(ip -n "$V2" neigh show dev eth0)
check "vm1 resolves vm2 (v4+v6) to the gateway MAC" bash -c "grep -q '198.51.100.6 lladdr $GWMAC' <<<'$nb1' && grep -q '2001:db8:100::6 lladdr $GWMAC' <<<'$nb1'"
check "vm2 resolves vm1 (v4+v6) to the gateway MAC" bash -c "grep -q '198.51.100.5 lladdr $GWMAC' <<<'$nb2' && grep -q '2001:db8:100::5 lladdr $GWMAC' <<<'$nb2'"
check "NS for an unused subnet address answered" bash -c "ip -n $V2 neigh show 2001:db8:100::77 | grep -q 'lladdr $GWMAC'"
check "no VM MAC in any VM neighbour cache" bash -c "! grep -q '02:00:00:00:00:0' <<<'$nb1$nb2'"

# ---------------------------------------------------------------- (b) dynamic EIDs: GARP, unsolicited NA
check_not "vm3 unknown before it announces" grep -q "arrived 198.51.100.7" "$GLOG"
ip -n "$V3" addr add 198.51.100.7/24 dev eth0
timeout 5 ip netns exec "$V3" arping -U -c1 -w1 -i eth0 -S 198.51.100.7 198.51.100.7 >/dev/null 2>&1
check "GARP: vm3 IPv4 arrived" wait_until 2 arrived 198.51.100.7 07
check "GARP: host route installed at once" bash -c "ip -n $S route show 198.51.100.7 | grep -q 'dev br-vm'"

cat >"$T_TMP/na.py" <<'EOF'
# unsolicited NA (O=1, S=0) for argv[2] from MAC argv[3] to ff02::1 on interface argv[1]
import socket, struct, sys
ifc, tgt, mac = sys.argv[1], socket.inet_pton(socket.AF_INET6, sys.argv[2]), bytes.fromhex(sys.argv[3].replace(":", ""))
dst = socket.inet_pton(socket.AF_INET6, "ff02::1")
icmp = bytes([136, 0, 0, 0]) + struct.pack("!I", 0x20000000) + tgt + bytes([2, 1]) + mac
ph = tgt + dst + struct.pack("!I", len(icmp)) + b"\0\0\0\x3a"
data = ph + icmp
s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
while s >> 16:
    s = (s & 0xFFFF) + (s >> 16)
icmp = icmp[:2] + struct.pack("!H", ~s & 0xFFFF) + icmp[4:]
ip6 = struct.pack("!IHBB", 0x60000000, len(icmp), 58, 255) + tgt + dst
eth = bytes.fromhex("333300000001") + mac + b"\x86\xdd"
sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sk.bind((ifc, 0))
sk.send(eth + ip6 + icmp)
EOF
check_not "vm3 IPv6 unknown before its NA" grep -q "arrived 2001:db8:100::7" "$GLOG"
check "unsolicited NA sent" timeout 5 ip netns exec "$V3" python3 "$T_TMP/na.py" eth0 2001:db8:100::7 02:00:00:00:00:07
check "unsolicited NA: vm3 IPv6 arrived" wait_until 2 arrived 2001:db8:100::7 07
check "unsolicited NA: host route installed at once" bash -c "ip -n $S -6 route show 2001:db8:100::7 | grep -q 'dev br-vm'"

# ---------------------------------------------------------------- departure
# vm3 goes silent (link down: answers no probe); vm1/vm2 answer the probes and stay
ip -n "$V3" link set eth0 down
check "silent vm3 IPv4 left after timeout + probes" wait_until 15 grep -qx "left 198.51.100.7" "$GLOG"
check "silent vm3 IPv6 left" wait_until 3 grep -qx "left 2001:db8:100::7" "$GLOG"
check "vm3 host routes removed" bash -c "test -z \"\$(ip -n $S route show 198.51.100.7/32)\" && test -z \"\$(ip -n $S -6 route show 2001:db8:100::7/128)\""
kill -USR1 "$(bg_pid gwd)"
wait_until 3 grep -q "^stats" "$GLOG"
st=$(grep "^stats" "$GLOG" | tail -1)
log "$st"
check "probes sent" bash -c "grep -q 'probes=[1-9]' <<<'$st'"
check "NS answered counted" bash -c "grep -q 'ns_answered=[1-9]' <<<'$st'"
check_not "vm1 (answering probes) did not leave" grep -q "left 198.51.100.5" "$GLOG"
check "vm1 route still there" bash -c "ip -n $S route show 198.51.100.5 | grep -q 'dev br-vm'"

# ---------------------------------------------------------------- RARP self-announce
ip -n "$V3" link set eth0 up
cat >"$T_TMP/rarp.py" <<'EOF'
# RARP request as QEMU's announce_self sends it: sha = tha = the guest MAC, addresses 0
import socket, struct, sys
ifc, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 3) + mac + bytes(4) + mac + bytes(4)
sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sk.bind((ifc, 0))
sk.send(b"\xff" * 6 + mac + b"\x80\x35" + arp + bytes(18))
EOF
check "RARP sent" timeout 5 ip netns exec "$V3" python3 "$T_TMP/rarp.py" eth0 02:00:00:00:00:07
twice() { [ "$(grep -cx "arrived $1 02:00:00:00:00:07" "$GLOG")" = 2 ]; }
check "RARP: vm3 IPv4 back (MAC -> EID)" wait_until 2 twice 198.51.100.7
check "RARP: vm3 IPv6 back (MAC -> EID)" wait_until 2 twice 2001:db8:100::7
check "RARP: host route installed" bash -c "ip -n $S route show 198.51.100.7 | grep -q 'dev br-vm'"

# ---------------------------------------------------------------- the core: EID moved away, and back
ctl del 198.51.100.6
check "site_host_del accepted" wait_until 3 grep -qx "del 198.51.100.6 ok" "$GLOG"
check "moved: host route removed" test -z "$(ip -n "$S" route show 198.51.100.6/32)"
check "moved: neighbour flushed" test -z "$(ip -n "$S" neigh show 198.51.100.6 dev br-vm)"
timeout 5 ip netns exec "$V2" ping -c1 -W1 198.51.100.1 >/dev/null
check "moved: plain frames do not bring it back" test -z "$(ip -n "$S" route show 198.51.100.6/32)"
check_not "moved: no left hook for a core-initiated removal" grep -q "left 198.51.100.6" "$GLOG"
ctl del 198.51.100.99
check "site_host_del of an unknown EID fails" wait_until 3 grep -qx "del 198.51.100.99 failed" "$GLOG"
ctl add 198.51.100.6
check "site_host_add accepted" wait_until 3 grep -qx "add 198.51.100.6 ok" "$GLOG"
out=$(timeout 10 ip netns exec "$V1" ping -c1 -W2 198.51.100.6 2>&1)
check "vm1 -> vm2 again after site_host_add" grep -q "ttl=63" <<<"$out"

# ---------------------------------------------------------------- (c) teardown
check "SIGTERM: site_gwd exits 0" stop_bg gwd
check "teardown finished" grep -qx stopped "$GLOG"
after=$(sx sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
	net.ipv4.conf.all.send_redirects net.ipv4.conf.all.rp_filter | tr '\n' ' ')
check "sysctls restored ($before)" test "$after" = "$before"
check "bridge removed" bash -c "! ip -n $S link show br-vm 2>/dev/null"
check "subnet and host routes removed" bash -c "test -z \"\$(ip -n $S route show 198.51.100.0/24)\" && test -z \"\$(ip -n $S -6 route show 2001:db8:100::/64)\" && test -z \"\$(ip -n $S route show 198.51.100.5)\""
check "nft table removed" bash -c "! ip netns exec $S nft list table inet lisp_site_br_vm 2>/dev/null"
finish
