#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/xtr_tenants.sh - one D-ETR for two tenants (instance IDs 1 and 2) whose
# VMs have the same address, 198.51.100.5 (docs/architecture.md "Tenants"), in network
# namespaces. Underlay 192.0.2.0/24 on a bridge: site A (xTR .1, instance 1) and site C
# (xTR .3, instance 1) hold tenant 1's VM before and after a migration, site B (xTR .2,
# instance 2) tenant 2's; the local lisp-msd (.14) holds the host mappings of both tenants
# (registered with lisp-register --iid) and pushes them as VPN-IPv4/VPN-IPv6 routes to a
# BIRD 2 route reflector (.15, vpn4 mpls / vpn6 mpls channels, ADD-PATH, next hop kept),
# which reflects them to the D-ETR (.10, <tenant> 1 and 2); a D-ETR stand-in without the VPN
# families (bgpspk, .17) peers with lisp-msd too; a global lisp-msd (.16) takes the D-ETR's
# per-tenant aggregate registrations; two non-LISP clients (.26 tenant 1, .27 tenant 2,
# the D-ETR's <client> rules) route the aggregate to the D-ETR.
# Checks: -n/-nv of the D-ETR config; BIRD reflects the VPN routes (RD 65000:1 / 65000:2);
# the D-ETR's `show map-cache json` holds 198.51.100.5/32 twice, instance IDs 1 and 2, with
# their own RLOCs (and the IPv6 EID of each tenant); the peer without the VPN families got
# no tenant route, counted (lisp-msd show bgp neighbors / show statistics) and logged once;
# the aggregates are registered per tenant; each client's UDP flow (lisp-flow) reaches its
# own tenant's VM only, every packet checked at each VM's echo; tenant 1's VM migrates
# (site A -> site C): its mapping moves, tenant 2's entry is not touched (same change time
# and map version), and the flows go to the right VMs again; clean SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd ip jq nc timeout "$BIRD" "$BIRDC"
fast_path_need
XTRD=$top_builddir/lisp-xtrd MSD=$top_builddir/lisp-msd REG=$top_builddir/lisp-register
FLOW=$top_builddir/lisp-flow SPK=$top_builddir/tests/integration/bgpspk
for b in "$XTRD" "$MSD" "$REG" "$FLOW" "$SPK"; do
	[ -x "$b" ] || skip_all "$(basename "$b") not built"
done
export LISP_SCHEMA_DIR=$top_srcdir/schema

UL=$(uname_ ul) SA=$(uname_ sa) SB=$(uname_ sb) SC=$(uname_ sc) VA=$(uname_ va)
VB=$(uname_ vb) VC=$(uname_ vc) DE=$(uname_ de) C1=$(uname_ c1) C2=$(uname_ c2)
for n in "$UL" "$SA" "$SB" "$SC" "$VA" "$VB" "$VC" "$DE" "$C1" "$C2"; do
	netns_add "$n" || exit 1
done
fwd() { nsexec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.send_redirects=0; }
bridge_add "$UL" br0
i=0
for n in "$SA" "$SB" "$SC" "$DE" "$C1" "$C2"; do
	i=$((i + 1))
	veth_add "$n" ul0 "$UL" p$i
	link_master "$UL" p$i br0
	fwd "$n"
done
for a in 14 15 16 17; do addr_add "$UL" br0 192.0.2.$a/24; done
addr_add "$SA" ul0 192.0.2.1/24
addr_add "$SB" ul0 192.0.2.2/24
addr_add "$SC" ul0 192.0.2.3/24
addr_add "$DE" ul0 192.0.2.10/24
addr_add "$C1" ul0 192.0.2.26/24
addr_add "$C2" ul0 192.0.2.27/24
ip -n "$C1" route add 198.51.100.0/24 via 192.0.2.10
ip -n "$C2" route add 198.51.100.0/24 via 192.0.2.10

# the VMs: tenant 1's at site A (and at C, where it migrates), tenant 2's at B
site_vm() { # site-ns vm-ns
	veth_add "$1" vm0 "$2" eth0
	addr_add "$2" eth0 198.51.100.5/24
	ip -n "$2" route add default via 198.51.100.1
	addr_add "$1" vm0 198.51.100.1/32
	nsexec "$1" sysctl -qw net.ipv4.conf.vm0.proxy_arp=1 net.ipv4.neigh.vm0.proxy_delay=0
	ip -n "$1" route add 198.51.100.5/32 dev vm0
}
site_vm "$SA" "$VA"
site_vm "$SB" "$VB"
site_vm "$SC" "$VC"

xtr_site_conf() { # file rloc instance-id
	cat >"$1" <<XML
<lisp-xtrd mode="site" instance-id="$3">
  <tun name="lisp0"/>
  <rloc address="$2"/>
  <probing interval="0"/>
  <log level="debug"/>
  $(fast_path_xml)
  <database><mapping eid="198.51.100.5/32"/></database>
</lisp-xtrd>
XML
}
xtr_site_conf "$T_TMP/sa.xml" 192.0.2.1 1
xtr_site_conf "$T_TMP/sb.xml" 192.0.2.2 2
xtr_site_conf "$T_TMP/sc.xml" 192.0.2.3 1
cat >"$T_TMP/de.xml" <<XML
<lisp-xtrd mode="representative">
  <tun name="lisp0"/>
  <rloc address="192.0.2.10"/>
  <map-server address="192.0.2.16" key-id="1" algorithm="hmac-sha-256" secret="global-secret"/>
  <register interval="2"/>
  <probing interval="0"/>
  <cli socket="$T_TMP/de.ctl"/>
  <log level="debug"/>
  $(fast_path_xml)
  <tenant instance-id="1">
    <aggregate eid="198.51.100.0/24"/>
    <aggregate eid="2001:db8:100::/64"/>
    <client prefix="192.0.2.26/32"/>
  </tenant>
  <tenant instance-id="2">
    <aggregate eid="198.51.100.0/24"/>
    <aggregate eid="2001:db8:100::/64"/>
    <client prefix="192.0.2.27/32"/>
  </tenant>
  <bgp as="65000" router-id="192.0.2.10">
    <peer address="192.0.2.15" as="65000" port="1179" local="192.0.2.10" hold-time="9"
          connect-retry="1" add-path="both" families="ipv4 ipv6 vpnv4 vpnv6"/>
  </bgp>
</lisp-xtrd>
XML
printf 'tenant-secret\n' >"$T_TMP/tenant.key"
cat >"$T_TMP/msd.xml" <<XML
<lisp-msd>
  <listen address="192.0.2.14" port="4342"/>
  <cli address="127.0.0.1" port="2621"/>
  <log level="debug"/>
  <site name="tenant-1" lifetime="persistent">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/tenant.key"/>
    <eid-prefix prefix="198.51.100.0/24" instance-id="1" more-specifics="true"/>
    <eid-prefix prefix="2001:db8:100::/64" instance-id="1" more-specifics="true"/>
  </site>
  <site name="tenant-2" lifetime="persistent">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/tenant.key"/>
    <eid-prefix prefix="198.51.100.0/24" instance-id="2" more-specifics="true"/>
    <eid-prefix prefix="2001:db8:100::/64" instance-id="2" more-specifics="true"/>
  </site>
  <bgp as="65000" router-id="192.0.2.14">
    <peer address="192.0.2.15" as="65000" port="1179" local="192.0.2.14" connect-retry="1"
          add-path="both" families="ipv4 ipv6 vpnv4 vpnv6"/>
    <peer address="192.0.2.17" as="65000" port="1179" local="192.0.2.14" connect-retry="1"
          add-path="both"/>
  </bgp>
</lisp-msd>
XML
# the D-ETR's site at the global Map-Server lists the aggregates of every tenant (one
# Map-Register carries them all, authenticated with the site's key)
cat >"$T_TMP/global.xml" <<XML
<lisp-msd>
  <listen address="192.0.2.16" port="4342"/>
  <cli address="127.0.0.1" port="2623"/>
  <site name="detr" lifetime="refresh">
    <key id="1" algorithm="hmac-sha-256" secret="global-secret"/>
    <eid-prefix prefix="198.51.100.0/24" instance-id="1"/>
    <eid-prefix prefix="2001:db8:100::/64" instance-id="1"/>
    <eid-prefix prefix="198.51.100.0/24" instance-id="2"/>
    <eid-prefix prefix="2001:db8:100::/64" instance-id="2"/>
  </site>
</lisp-msd>
XML
cat >"$T_TMP/spk.xml" <<XML
<bgpspk>
  <cli port="2630"/>
  <bgp as="65000" router-id="192.0.2.17">
    <listen address="192.0.2.17" port="1179"/>
    <peer address="192.0.2.14" as="65000" passive="true" add-path="both"/>
  </bgp>
</bgpspk>
XML
# BIRD 2.0 spells the SAFI 128 channels "vpn4 mpls" / "vpn6 mpls" (RR only: no MPLS domain
# needed); next hops kept, resolved recursively through the unreachable defaults.
cat >"$T_TMP/bird.conf" <<EOF
log "$T_TMP/bird.log" all;
router id 192.0.2.15;
vpn4 table vpntab4;
vpn6 table vpntab6;
protocol device {}
protocol static { ipv4; route 0.0.0.0/0 unreachable; }
protocol static { ipv6; route ::/0 unreachable; }
template bgp cl {
	local 192.0.2.15 port 1179 as 65000;
	strict bind on;
	passive on;
	rr client;
	rr cluster id 192.0.2.15;
	ipv4 { import all; export where source = RTS_BGP; add paths on; next hop keep; gateway recursive; };
	ipv6 { import all; export where source = RTS_BGP; add paths on; next hop keep; gateway recursive; };
	vpn4 mpls { table vpntab4; import all; export all; add paths on; next hop keep; gateway recursive; };
	vpn6 mpls { table vpntab6; import all; export all; add paths on; next hop keep; gateway recursive; extended next hop on; };
}
protocol bgp msd from cl { neighbor 192.0.2.14 port 1179 as 65000; }
protocol bgp detr from cl { neighbor 192.0.2.10 port 1179 as 65000; }
EOF

check "D-ETR config with tenants (-n)" "$XTRD" -n -f "$T_TMP/de.xml"
check "-nv prints both tenants" sh -c "'$XTRD' -nv -f '$T_TMP/de.xml' | grep -c '<tenant instance-id=' | grep -qx 2"

bird_start rr "$T_TMP/bird.conf" "$UL" || fail "BIRD starts"
start_bg -n "$UL" spk "$SPK" -d -f "$T_TMP/spk.xml"
start_bg -n "$UL" global "$MSD" -d -f "$T_TMP/global.xml"
start_bg -n "$UL" msd "$MSD" -d -f "$T_TMP/msd.xml"
for r in sa:"$SA" sb:"$SB" sc:"$SC" de:"$DE"; do
	start_bg -n "${r#*:}" "${r%%:*}" "$XTRD" -d -f "$T_TMP/${r%%:*}.xml"
done
for n in "$SA" "$SB" "$SC" "$DE"; do
	wait_until 10 ip -n "$n" link show lisp0 || fail "lisp0 in $n"
	fast_path_ready 2620 "$n" || fail "FAST_PATH=on: lisp-xtrd in $n has no fast path"
	nsexec "$n" sysctl -qw net.ipv4.conf.lisp0.rp_filter=0
done
ip -n "$DE" route add 198.51.100.0/24 dev lisp0

established() { # cli-port ns peer
	cli "$1" "$2" show bgp summary json |
		jq -e --arg p "$3" '.peers[] | select(.neighbor == $p) | .state == "Established"'
}
check "lisp-msd - BIRD Established" wait_until 30 established 2621 "$UL" 192.0.2.15
check "D-ETR - BIRD Established" wait_until 30 established 2620 "$DE" 192.0.2.15
check "lisp-msd - unicast-only stand-in Established" wait_until 30 established 2621 "$UL" 192.0.2.17
check "VPN-IPv4/-IPv6 and ADD-PATH negotiated with the reflector" json_poll 10 '
	.[0].negotiated.families == ["ipv4","ipv6","vpnv4","vpnv6"] and
	(.[0].negotiated.addPathReceive | index("vpnv4") != null)' \
	cli 2620 "$DE" show bgp neighbors 192.0.2.15 json

# the cloud controller registers both tenants' VMs with the local Map-Server
reg() { # iid eid rloc
	timeout 20 ip netns exec "$UL" "$REG" --ms 192.0.2.14:4342 --key-file "$T_TMP/tenant.key" \
		--key-id 1 --iid "$1" --eid "$2" --rloc "$3"
}
check "register [1]198.51.100.5 at site A" reg 1 198.51.100.5/32 192.0.2.1
check "register [2]198.51.100.5 at site B" reg 2 198.51.100.5/32 192.0.2.2
check "register [1]2001:db8:100::5 at site A" reg 1 2001:db8:100::5/128 192.0.2.1
check "register [2]2001:db8:100::5 at site B" reg 2 2001:db8:100::5/128 192.0.2.2

check "BIRD carries the VPN-IPv4 routes with their RDs" wait_until 15 bash -c "
	timeout 10 '$BIRDC' -s '$(bird_sock rr)' show route table vpntab4 | grep -q '65000:1 198.51.100.5/32' &&
	timeout 10 '$BIRDC' -s '$(bird_sock rr)' show route table vpntab4 | grep -q '65000:2 198.51.100.5/32'"
birdc rr show route table vpntab4 all >"$T_TMP/bird-vpntab4.txt" 2>&1
birdc rr show route table vpntab6 all >"$T_TMP/bird-vpntab6.txt" 2>&1

mc_of() { # iid eid: the D-ETR's map-cache entry as JSON
	cli 2620 "$DE" show map-cache json |
		jq -c --argjson i "$1" --arg e "$2" '.mappings[] | select(.instanceId == $i and .eidPrefix == $e)'
}
both=$(printf '%s' '[.mappings[] | select(.eidPrefix | endswith("]198.51.100.5/32"))] |
	(map(.instanceId) | sort) == [1,2] and all(.[]; .source == "bgp") and
	(map(select(.instanceId == 1))[0].locators[0].address == "192.0.2.1") and
	(map(select(.instanceId == 2))[0].locators[0].address == "192.0.2.2")')
check "D-ETR show map-cache json: 198.51.100.5/32 twice, instance IDs 1 and 2, own RLOCs" \
	json_poll 20 "$both" cli 2620 "$DE" show map-cache json
check "D-ETR map-cache: the IPv6 EID of each tenant (VPN-IPv6 through BIRD)" json_poll 10 '
	[.mappings[] | select(.eidPrefix | endswith("]2001:db8:100::5/128")) | .instanceId] | sort == [1,2]' \
	cli 2620 "$DE" show map-cache json
cli 2620 "$DE" show map-cache json >"$T_TMP/detr-mapcache-1.json"
check "D-ETR show bgp routes: the RD and the label of a VPN path" json_poll 5 '
	[.[] | select(.prefix == "[2]198.51.100.5/32")][0] |
	.routeDistinguisher == "65000:2" and .label == 3 and .nextHop == "192.0.2.2" and
	.instanceId == 2' \
	cli 2620 "$DE" show bgp routes "[2]198.51.100.5/32" json

# the peer without the VPN families: no tenant route, counted, logged once
check "stand-in without VPN families received no tenant route" json_poll 5 'length == 0' \
	cli 2630 "$UL" show received json
check "lisp-msd counts the tenant routes withheld from it" json_poll 5 '
	.[0].tenantRoutesWithheld >= 4 and .[0].negotiated.families == ["ipv4","ipv6"]' \
	cli 2621 "$UL" show bgp neighbors 192.0.2.17 json
check "... and none from the reflector" json_poll 5 '.[0].tenantRoutesWithheld == 0' \
	cli 2621 "$UL" show bgp neighbors 192.0.2.15 json
check "lisp-msd show statistics: bgp.tenantRoutesWithheld" json_poll 5 \
	'.bgp.tenantRoutesWithheld >= 4' cli 2621 "$UL" show statistics json
check "logged once for the session" test "$(grep -c 'bgp 192.0.2.17: the session has no vpnv' "$(bg_log msd)")" -eq 1

check "the aggregates registered per tenant with the global Map-Server" json_poll 15 '
	[.registrations[] | .eid] as $e | ($e | index("[1]198.51.100.0/24") != null) and
	($e | index("[2]198.51.100.0/24") != null) and ($e | index("[2]2001:db8:100::/64") != null)' \
	cli 2623 "$UL" show registrations json

# traffic: each client's flow to 198.51.100.5 reaches its tenant's VM only
PORT=40000
for v in va:"$VA" vb:"$VB" vc:"$VC"; do
	start_bg -n "${v#*:}" "echo-${v%%:*}" "$FLOW" echo --port $PORT --log "$T_TMP/echo-${v%%:*}.txt" \
		--max-seconds 300
done
check "echoes ready" wait_until 5 bash -c "grep -q ready '$(bg_log echo-va)' && grep -q ready '$(bg_log echo-vb)' && grep -q ready '$(bg_log echo-vc)'"
flow() { # client-ns name count
	timeout 30 ip netns exec "$1" "$FLOW" send --to 198.51.100.5:$PORT --rate 200 --count "$3" \
		--name "$2" --json --linger-ms 500 >"$T_TMP/flow-$2.json"
	jq -e --argjson n "$3" '.sent == $n and .received == $n and .lost == 0' "$T_TMP/flow-$2.json"
}
# lines of an echo log from flow $2 (source $3); and lines from anything else
echo_n() { awk -v f="$2" -v s="$3" '$1 !~ /^#/ && $4 == f && $3 == s { n++ } END { print n + 0 }' "$T_TMP/echo-$1.txt"; }
echo_other() { awk -v f="$2" '$1 !~ /^#/ && $4 != f { n++ } END { print n + 0 }' "$T_TMP/echo-$1.txt"; }
check "tenant 1 client -> VM: 100 sent, 100 echoed" flow "$C1" t1-before 100
check "tenant 2 client -> VM: 100 sent, 100 echoed" flow "$C2" t2-before 100
check "VM of tenant 1 (site A) got every tenant 1 packet" test "$(echo_n va t1-before 192.0.2.26)" -eq 100
check "VM of tenant 2 (site B) got every tenant 2 packet" test "$(echo_n vb t2-before 192.0.2.27)" -eq 100
check "VM of tenant 1 got nothing else" test "$(echo_other va t1-before)" -eq 0
check "VM of tenant 2 got nothing else" test "$(echo_other vb t2-before)" -eq 0
check "site C (tenant 1 after the move) got nothing yet" test "$(echo_other vc none)" -eq 0
check "D-ETR: PITR packets classified by the client rules, encapsulated" json_poll 5 \
	'.data.tenantClassified >= 200 and .data.encapsulated >= 200' cli 2620 "$DE" show statistics json
# a site xTR drops what carries another instance ID than its own (foreignIid)
check "site A decapsulated tenant 1's packets (instance ID 1 in the header)" json_poll 5 \
	'.data.decapsulated >= 100 and .drops.foreignIid == 0' cli 2620 "$SA" show statistics json
check "site B decapsulated tenant 2's packets (instance ID 2 in the header)" json_poll 5 \
	'.data.decapsulated >= 100 and .drops.foreignIid == 0' cli 2620 "$SB" show statistics json
fast_path_on && check "FAST_PATH=on: the D-ETR's kernel classified and encapsulated them" \
	fast_path_carried 2620 "$DE" '.itr.tenantClassified >= 100 and .itr.encapsulated >= 100'
fast_path_on && check "FAST_PATH=on: site A's kernel decapsulated tenant 1's packets" \
	fast_path_carried 2620 "$SA" '.etr.decapsulated >= 100'
fast_path_on && check "FAST_PATH=on: site B's kernel decapsulated tenant 2's packets" \
	fast_path_carried 2620 "$SB" '.etr.decapsulated >= 100' 

# tenant 1's VM migrates to site C: only its mapping changes
t2_before=$(mc_of 2 "[2]198.51.100.5/32")
check "tenant 2's entry recorded" test -n "$t2_before"
check "migrate [1]198.51.100.5 to site C" reg 1 198.51.100.5/32 192.0.2.3
check "D-ETR: tenant 1 -> site C, map version 2" json_poll 15 '
	.mappings[] | select(.instanceId == 1 and .eidPrefix == "[1]198.51.100.5/32") |
	.locators[0].address == "192.0.2.3" and .mapVersion == 2' cli 2620 "$DE" show map-cache json
t2_after=$(mc_of 2 "[2]198.51.100.5/32")
check "tenant 2's entry untouched (RLOC, map version, change time)" jq -n -e \
	--argjson a "$t2_before" --argjson b "$t2_after" '
	$a.changedUnixMs == $b.changedUnixMs and $a.mapVersion == $b.mapVersion and
	$b.locators[0].address == "192.0.2.2" and $b.bgpPeer == "192.0.2.15"'
check "tenant 1 client -> VM after the move" flow "$C1" t1-after 100
check "tenant 2 client -> VM after the move" flow "$C2" t2-after 100
check "tenant 1's packets now at site C" test "$(echo_n vc t1-after 192.0.2.26)" -eq 100
check "site C got no tenant 2 packet" test "$(echo_other vc t1-after)" -eq 0
check "site A got none of them" test "$(echo_other va t1-before)" -eq 0
check "tenant 2's packets still at site B only" test "$(echo_n vb t2-after 192.0.2.27)" -eq 100 -a \
	"$(awk '$1 !~ /^#/ && $4 !~ /^t2-/' "$T_TMP/echo-vb.txt" | wc -l)" -eq 0

cli 2620 "$DE" show map-cache json >"$T_TMP/detr-mapcache-2.json"
for r in de sa sb sc; do check "lisp-xtrd $r exits cleanly on SIGTERM" stop_bg $r; done
for r in msd global; do check "lisp-msd $r exits cleanly on SIGTERM" stop_bg $r; done
finish
