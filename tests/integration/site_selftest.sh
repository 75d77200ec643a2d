#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/site_selftest.sh - builds the site recipe of linux-site.md in network
# namespaces with the production code (common/netlink, sysctl, tun, pkt through site_helper)
# and checks the facts lisp-xtrd relies on: addresses without prefix routes, routes into the
# TUN device and host routes on the bridge, the TUN device reading a VM's packet for a remote
# EID (and writing the answer back), proxy ARP answering with the gateway MAC under port
# isolation, the gateway NA builder accepted by a VM (its neighbour entry becomes the gateway
# MAC), frag-needed / packet-too-big built by common/pkt honoured by the VM, netlink fdb and
# neighbour events, GARP/unsolicited-NA detection, neighbour and route deletion.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip ping

H="$top_builddir/tests/integration/site_helper"
[ -x "$H" ] || skip_all "site_helper not built"
GWMAC=02:00:00:00:01:01
S=$(uname_ site)
V1=$(uname_ vm1)
V2=$(uname_ vm2)
hs() { ip netns exec "$S" "$H" "$@"; }

netns_add "$S" && netns_add "$V1" && netns_add "$V2" || { fail "namespaces"; finish; }

# --- bridge, ports, isolation (netlink)
# netlink events, the arrival watcher and the NDP responder start before any port exists,
# so they see the first frames of the VMs
start_bg -n "$S" events "$H" events 90
wait_until 5 grep -q ready "$(bg_log events)"
check "bridge created with the gateway MAC (netlink)" hs bridge add br-vm $GWMAC
start_bg -n "$S" watch "$H" watch br-vm 90
start_bg -n "$S" ndp "$H" ndp br-vm $GWMAC 90 200
wait_until 5 grep -q ready "$(bg_log watch)"
check "NDP responder ready" wait_until 5 grep -q ready "$(bg_log ndp)"
veth_add "$S" p-vm1 "$V1" eth0
veth_add "$S" p-vm2 "$V2" eth0
ip -n "$V1" link set eth0 address 02:00:00:00:00:05
ip -n "$V2" link set eth0 address 02:00:00:00:00:06
for p in p-vm1 p-vm2; do
	hs link $p master br-vm && hs link $p isolated on && hs link $p up
done
check "bridge up (netlink)" hs link br-vm up
check "ports isolated (netlink)" bash -c "ip -n $S -d link show p-vm1 | grep -q 'isolated on' && ip -n $S -d link show p-vm2 | grep -q 'isolated on'"
check "ports enslaved" bash -c "ip -n $S link show p-vm2 | grep -q 'master br-vm'"
out=$(hs link br-vm show)
check "link show reads MAC and state back" grep -q "mac $GWMAC up" <<<"$out"
check "bridge MAC kept with ports" bash -c "ip -n $S link show br-vm | grep -q $GWMAC"

# --- gateway addresses without prefix routes
check "IPv4 gateway address noprefixroute" hs addr add 198.51.100.1/24 br-vm noprefixroute
check "IPv6 gateway address nodad noprefixroute" hs addr add 2001:db8:100::1/64 br-vm nodad noprefixroute
check "no connected /24 on br-vm" test -z "$(ip -n $S route show 198.51.100.0/24 dev br-vm)"
check "IPv6 address usable at once (not tentative)" bash -c "ip -n $S -6 addr show dev br-vm | grep 2001:db8:100::1 | grep -qv tentative"

# --- sysctls (recipe)
ok_sys=1
for kv in net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.ipv4.conf.br-vm.proxy_arp=1 net.ipv4.conf.br-vm.proxy_arp_pvlan=1 \
	net.ipv4.neigh.br-vm.proxy_delay=0 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.br-vm.send_redirects=0 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.br-vm.rp_filter=2 net.ipv6.conf.br-vm.proxy_ndp=0 \
	net.ipv6.neigh.br-vm.proxy_delay=0 net.ipv6.conf.br-vm.accept_untracked_na=1; do
	hs sysctl "${kv%%=*}" "${kv#*=}" >/dev/null || { ok_sys=0; log "sysctl $kv failed"; }
done
check "recipe sysctls set" test $ok_sys = 1
check "sysctl read back via /proc" test "$(ip netns exec $S cat /proc/sys/net/ipv4/conf/br-vm/proxy_arp_pvlan)" = 1
out=$(hs sysctl net.ipv4.neigh.br-vm.proxy_delay)
check "sysctl read by dotted name" test "$out" = "net.ipv4.neigh.br-vm.proxy_delay = 0"

# --- TUN lisp0 opened by common/tun, echo + too-big for large DF packets
# The IPv4 frag-needed comes from an underlay-like address: a packet written into lisp0
# with a source that is local to the site (198.51.100.1) is dropped by the kernel as a
# martian (local source from a device); the IPv6 packet-too-big from ::1 is accepted.
start_bg -n "$S" tun "$H" tun lisp0 60 200 echo mtu 1400 192.0.2.1 2001:db8:100::1
check "TUN device created and read" wait_until 10 grep -q "ready" "$(bg_log tun)"
hs sysctl net.ipv4.conf.lisp0.rp_filter 0 >/dev/null
check "lisp0 up (netlink)" hs link lisp0 up
check "lisp0 has carrier with a reader" wait_until 5 bash -c "ip -n $S link show lisp0 | grep -q LOWER_UP"
check "EID /24 into lisp0 (netlink)" hs route add 198.51.100.0/24 lisp0
check "EID /64 into lisp0 (netlink)" hs route add 2001:db8:100::/64 lisp0
for v in 5 6; do
	hs route add 198.51.100.$v/32 br-vm && hs route add 2001:db8:100::$v/128 br-vm
done
check "host routes on br-vm" bash -c "ip -n $S route show 198.51.100.6/32 | grep -q 'dev br-vm' && ip -n $S -6 route show 2001:db8:100::5/128 | grep -q 'dev br-vm'"
check "route add is idempotent (replace)" hs route add 198.51.100.5/32 br-vm
check "metric and table" hs route add 203.0.113.0/24 lisp0 table 100 metric 50
check "table route present" bash -c "ip -n $S route show table 100 | grep -q '203.0.113.0/24 dev lisp0.*metric 50'"


# --- VMs
for v in 5 6; do
	ns=$V1
	[ $v = 6 ] && ns=$V2
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add 198.51.100.$v/24 dev eth0
	ip -n "$ns" addr add 2001:db8:100::$v/64 dev eth0 nodad
	ip -n "$ns" route add default via 198.51.100.1
	ip -n "$ns" -6 route add default via 2001:db8:100::1
done


# --- IPv4: a VM's packet for a remote EID reaches the TUN reader, the reply comes back
check "vm1 pings remote EID .77 through lisp0" nsexec "$V1" timeout 10 ping -c 2 -i 0.3 -W 2 198.51.100.77
check "TUN read the VM's packet" grep -q "v4 198.51.100.5 > 198.51.100.77 proto 1 ttl 63" "$(bg_log tun)"
check "proxy ARP: .77 at the gateway MAC in vm1" bash -c "ip -n $V1 neigh show 198.51.100.77 | grep -q $GWMAC"
check "vm1 pings vm2 (routed, ttl 63)" bash -c "ip netns exec $V1 timeout 10 ping -c 2 -i 0.3 -W 2 198.51.100.6 | grep -q 'ttl=63'"
check "isolation: vm2 at the gateway MAC in vm1" bash -c "ip -n $V1 neigh show 198.51.100.6 | grep -q $GWMAC"
check_not "no TUN packets for local vm2" grep -q "> 198.51.100.6 " "$(bg_log tun)"

# --- IPv4 PMTU: frag-needed built by common/pkt
nsexec "$V1" timeout 5 ping -c 1 -W 2 -M do -s 1450 198.51.100.78 >"$T_TMP/pmtu4.log" 2>&1
check "TUN answered the big DF packet" grep -q "sent too-big mtu 1400 to 198.51.100.5" "$(bg_log tun)"
check "vm1 caches mtu 1400 from our frag-needed" wait_until 3 bash -c "ip -n $V1 route get 198.51.100.78 | grep -q 'mtu 1400'"

# --- IPv6: NS answered by the NA builder; echo through the TUN device
check "vm1 pings remote EID ::77 through lisp0" nsexec "$V1" timeout 10 ping -6 -c 2 -i 0.3 -W 2 2001:db8:100::77
check "NA builder answered vm1's NS" grep -q "answered NS for 2001:db8:100::77" "$(bg_log ndp)"
check "vm1 neighbour ::77 is the gateway MAC" bash -c "ip -n $V1 -6 neigh show 2001:db8:100::77 | grep -q $GWMAC"
check "TUN read the IPv6 packet" grep -q "v6 2001:db8:100::5 > 2001:db8:100::77 proto 58 ttl 63" "$(bg_log tun)"
check "vm1 pings vm2 over IPv6 (routed, hop limit 63)" bash -c "ip netns exec $V1 timeout 10 ping -6 -c 2 -i 0.3 -W 2 2001:db8:100::6 | grep -q 'ttl=63'"
check "vm1 neighbour ::6 is the gateway MAC" bash -c "ip -n $V1 -6 neigh show 2001:db8:100::6 | grep -q $GWMAC"
check "multicast from lisp0 dropped (MLD)" grep -q "drop multicast v6" "$(bg_log tun)"
nsexec "$V1" timeout 5 ping -6 -c 1 -W 2 -M do -s 1450 2001:db8:100::78 >"$T_TMP/pmtu6.log" 2>&1
check "vm1 caches mtu 1400 from our packet-too-big" wait_until 3 bash -c "ip -n $V1 -6 route get 2001:db8:100::78 | grep -q 'mtu 1400'"
# DAD of a new address in vm1 is not answered (no dadfailed)
ip -n "$V1" addr add 2001:db8:100::56/64 dev eth0
check "vm1 DAD succeeds for a new address" wait_until 5 bash -c "ip -n $V1 -6 addr show dev eth0 | grep 2001:db8:100::56 | grep -qv tentative"
check_not "DAD address never dadfailed" bash -c "ip -n $V1 -6 addr show dev eth0 | grep 2001:db8:100::56 | grep -q dadfailed"
check "responder ignored the DAD NS" grep -q "ignore DAD NS for 2001:db8:100::56" "$(bg_log ndp)"

# --- arrivals: GARP and unsolicited NA seen by pkt parsers; netlink events
if command -v arping >/dev/null; then
	nsexec "$V2" timeout 5 arping -U -c 1 -w 1 -i eth0 -S 198.51.100.6 198.51.100.6 >/dev/null 2>&1 ||
		nsexec "$V2" timeout 5 arping -U -c 1 -w 1 -I eth0 -s 198.51.100.6 198.51.100.6 >/dev/null 2>&1
	check "GARP detected" wait_until 3 grep -q "garp 198.51.100.6 from 02:00:00:00:00:06" "$(bg_log watch)"
fi
# ndisc_notify=1: the VM sends an unsolicited NA (O=1, S=0) for its addresses on link up
ip netns exec "$V2" sysctl -qw net.ipv6.conf.eth0.ndisc_notify=1
ip -n "$V2" link set eth0 down
ip -n "$V2" link set eth0 up
check "unsolicited NA detected" wait_until 5 grep -q "unsolicited-na .* from 02:00:00:00:00:06" "$(bg_log watch)"
p1=$(ip netns exec "$S" cat /sys/class/net/p-vm1/ifindex)
check "fdb event for vm1's MAC on its port" wait_until 3 grep -q "fdb add 02:00:00:00:00:05 port $p1" "$(bg_log events)"
check "IPv4 neighbour event for vm1" wait_until 3 grep -q "neigh add inet 198.51.100.5 lladdr 02:00:00:00:00:05" "$(bg_log events)"

# --- departure: neighbour and host routes removed by netlink
check "neigh del (netlink)" hs neigh del 198.51.100.5 br-vm
check "neighbour entry gone" bash -c "! ip -n $S neigh show 198.51.100.5 dev br-vm | grep -q lladdr"
check "neigh del event" wait_until 3 grep -q "neigh del inet 198.51.100.5" "$(bg_log events)"
check "route del /32 (netlink)" hs route del 198.51.100.5/32 br-vm
check "route del /128 (netlink)" hs route del 2001:db8:100::5/128 br-vm
check "host routes gone" test -z "$(ip -n $S route show 198.51.100.5/32)$(ip -n $S -6 route show 2001:db8:100::5/128)"
out=$(hs route del 198.51.100.5/32 br-vm 2>&1)
check "deleting a missing route reports an error" grep -q "RTM_DELROUTE 198.51.100.5/32" <<<"$out"
check "MTU (netlink)" hs link lisp0 mtu 1444
check "MTU set" bash -c "ip -n $S link show lisp0 | grep -q 'mtu 1444'"
check "address delete (netlink)" hs addr del 2001:db8:100::1/64 br-vm
check "MAC change (netlink)" hs link p-vm1 mac 02:00:00:00:aa:01
check "MAC changed" bash -c "ip -n $S link show p-vm1 | grep -q 02:00:00:00:aa:01"

# --- TUN with a vnet header: offloads negotiated (csum + TSO at least on any 6.x kernel)
out=$(hs tunvnet lisp9)
check "TUN vnet header with csum+tso offloads" grep -q "vnet offloads csum tso" <<<"$out"
check_not "non-persistent TUN gone after close" ip -n "$S" link show lisp9

# --- cleanup leaves nothing
tun_pid=$(bg_pid tun)
cleanup_now
check_not "namespaces removed" bash -c "ip netns list | grep -q '^$T_PFX'"
check_not "helpers stopped" kill -0 "$tun_pid"
finish
