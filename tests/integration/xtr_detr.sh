#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/xtr_detr.sh - the D-ETR (lisp-xtrd mode="representative") in network
# namespaces. Underlay 192.0.2.0/24 on a bridge: site A xTR (RLOC .1) and site B xTR (.2),
# each with a VM namespace holding the same VM address 198.51.100.5 (the VM "before" and
# "after" a live migration); the D-ETR (.10, aggregate 198.51.100.0/24, routes it into its
# TUN); a BGP speaker standing in for the local lisp-msd (tests/integration/bgpspk, .14,
# announces the host mappings); an outside LISP site (xTR .30, EID 203.0.113.0/24, host
# 203.0.113.5) whose map-cache maps the aggregate to the D-ETR (static config); a non-LISP
# client 192.0.2.26 routing the aggregate to the D-ETR.
# Checks: -n/-nv of the D-ETR config; the BGP host mapping in the D-ETR's map-cache (source
# bgp, peer, map version, changedUnixMs); outside host -> VM through the D-ETR
# (re-encapsulated to site A); a move by BGP (v=2 -> site B) redirects at once; the non-LISP
# client reaches the VM (PITR); the outside xTR holds only aggregate -> D-ETR; the BGP
# counters; a withdraw removes the entry; clean SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd ip jq nc timeout ping
fast_path_need
XTRD=$top_builddir/lisp-xtrd
SPK=$top_builddir/tests/integration/bgpspk
[ -x "$XTRD" ] && [ -x "$SPK" ] || skip_all "lisp-xtrd / bgpspk not built"
export LISP_SCHEMA_DIR=$top_srcdir/schema

UL=$(uname_ ul) SA=$(uname_ sa) SB=$(uname_ sb) VA=$(uname_ va) VB=$(uname_ vb)
DE=$(uname_ de) OX=$(uname_ ox) OH=$(uname_ oh) CL=$(uname_ cl)
for n in "$UL" "$SA" "$SB" "$VA" "$VB" "$DE" "$OX" "$OH" "$CL"; do netns_add "$n" || exit 1; done

fwd() { nsexec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.send_redirects=0; }
bridge_add "$UL" br0
i=0
for n in "$SA" "$SB" "$DE" "$OX" "$CL"; do
	i=$((i + 1))
	veth_add "$n" ul0 "$UL" p$i
	link_master "$UL" p$i br0
	fwd "$n"
done
addr_add "$UL" br0 192.0.2.14/24
addr_add "$SA" ul0 192.0.2.1/24
addr_add "$SB" ul0 192.0.2.2/24
addr_add "$DE" ul0 192.0.2.10/24
addr_add "$OX" ul0 192.0.2.30/24
addr_add "$CL" ul0 192.0.2.26/24
ip -n "$CL" route add 198.51.100.0/24 via 192.0.2.10

# the VM at both sites (the same address: before and after the migration)
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
# the outside site's host
veth_add "$OX" oh0 "$OH" eth0
addr_add "$OX" oh0 203.0.113.1/24
addr_add "$OH" eth0 203.0.113.5/24
ip -n "$OH" route add default via 203.0.113.1

xtr_site_conf() { # file rloc
	cat >"$1" <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"/>
  <rloc address="$2"/>
  <probing interval="0"/>
  <log level="debug"/>
  $(fast_path_xml)
  <database><mapping eid="198.51.100.5/32"/></database>
  <static-mapping eid="203.0.113.0/24"><locator address="192.0.2.30"/></static-mapping>
</lisp-xtrd>
XML
}
xtr_site_conf "$T_TMP/sa.xml" 192.0.2.1
xtr_site_conf "$T_TMP/sb.xml" 192.0.2.2
cat >"$T_TMP/ox.xml" <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"/>
  <rloc address="192.0.2.30"/>
  <probing interval="0"/>
  $(fast_path_xml)
  <database><mapping eid="203.0.113.0/24"/></database>
  <static-mapping eid="198.51.100.0/24"><locator address="192.0.2.10"/></static-mapping>
</lisp-xtrd>
XML
cat >"$T_TMP/de.xml" <<XML
<lisp-xtrd mode="representative">
  <tun name="lisp0"/>
  <rloc address="192.0.2.10"/>
  <map-resolver address="192.0.2.14"/>
  <probing interval="0"/>
  <cli socket="$T_TMP/de.ctl"/>
  <log level="debug"/>
  $(fast_path_xml)
  <database>
    <mapping eid="198.51.100.0/24"/>
    <mapping eid="2001:db8:100::/64"/>
  </database>
  <bgp as="65000" router-id="192.0.2.10">
    <graceful-restart time="30"/>
    <peer address="192.0.2.14" as="65000" port="1179" local="192.0.2.10" hold-time="9"
          connect-retry="1" add-path="both"/>
  </bgp>
</lisp-xtrd>
XML
cat >"$T_TMP/spk.xml" <<XML
<bgpspk>
  <cli port="2630" socket="$T_TMP/spk.ctl"/>
  <bgp as="65000" router-id="192.0.2.14">
    <listen address="192.0.2.14" port="1179"/>
    <peer address="192.0.2.10" as="65000" passive="true" add-path="both"/>
  </bgp>
</bgpspk>
XML
echo "198.51.100.5/32 192.0.2.1/1/100 v=1" >"$T_TMP/at-a.routes"
echo "198.51.100.5/32 192.0.2.2/1/100 v=2" >"$T_TMP/at-b.routes"

check "D-ETR config check (-n)" "$XTRD" -n -f "$T_TMP/de.xml"
check "-nv prints the <bgp> peer" sh -c "'$XTRD' -nv -f '$T_TMP/de.xml' | grep -q '<peer address=\"192.0.2.14\"'"
sed 's/mode="representative"/mode="site"/' "$T_TMP/de.xml" >"$T_TMP/bad.xml"
check_not "<bgp> in site mode is refused" "$XTRD" -n -f "$T_TMP/bad.xml"

start_bg -n "$UL" spk "$SPK" -dv -f "$T_TMP/spk.xml"
for r in sa:"$SA" sb:"$SB" ox:"$OX" de:"$DE"; do
	start_bg -n "${r#*:}" "${r%%:*}" "$XTRD" -dv -f "$T_TMP/${r%%:*}.xml"
done
for n in "$SA" "$SB" "$OX" "$DE"; do
	wait_until 10 ip -n "$n" link show lisp0 || fail "lisp0 in $n"
	nsexec "$n" sysctl -qw net.ipv4.conf.lisp0.rp_filter=0
	fast_path_ready 2620 "$n" || fail "FAST_PATH=on: lisp-xtrd in $n has no fast path"
done
for n in "$SA" "$SB"; do ip -n "$n" route add 203.0.113.0/24 dev lisp0; done
ip -n "$OX" route add 198.51.100.0/24 dev lisp0
ip -n "$DE" route add 198.51.100.0/24 dev lisp0

check "stand-in MS speaker CLI answers" wait_until 10 cli 2630 "$UL" show version
check "announce .5 at site A (v=1)" cli "$T_TMP/spk.ctl" load "$T_TMP/at-a.routes"
bgp_at() { # rloc version
	json_poll 15 ".mappings[] | select(.eidPrefix == \"198.51.100.5/32\") |
		.source == \"bgp\" and .locators[0].address == \"$1\" and .mapVersion == $2 and
		.bgpPeer == \"192.0.2.14\" and .changedUnixMs > 1500000000000 and .ttlLeftSeconds == null" \
		cli 2620 "$DE" show map-cache json
}
check "D-ETR map-cache: .5 -> site A, source bgp, peer, version" bgp_at 192.0.2.1 1
cli 2620 "$DE" show map-cache json >"$T_TMP/detr-mapcache-1.json"

decap() { cli 2620 "$1" show statistics json | jq -r '.data.decapsulated'; }
check "outside host -> VM via the D-ETR (site A)" nsexec "$OH" ping -c3 -i0.2 -W2 198.51.100.5
check "D-ETR re-encapsulated" json_poll 5 '.data.reencapsulated >= 3 and .bgp.installs >= 1' \
	cli 2620 "$DE" show statistics json
check "site A decapsulated the VM's packets" test "$(decap "$SA")" -ge 3
fast_path_on && check "FAST_PATH=on: the D-ETR's kernel re-encapsulated (outer headers rewritten)" \
	fast_path_carried 2620 "$DE" '.detr.reencapsulated >= 3'
fast_path_on && check "FAST_PATH=on: site A's kernel decapsulated" fast_path_carried 2620 "$SA" '.etr.decapsulated >= 3'

# the VM migrates: the local MS announces .5 at site B with the next map version
a0=$(decap "$SA") b0=$(decap "$SB")
t0=$(date +%s%3N)
check "announce the move: .5 at site B (v=2)" cli "$T_TMP/spk.ctl" load "$T_TMP/at-b.routes"
check "D-ETR map-cache: .5 -> site B" bgp_at 192.0.2.2 2
log "BGP move visible in the D-ETR's map-cache after $(($(date +%s%3N) - t0)) ms (CLI polling included)"
check "outside host -> VM after the move" nsexec "$OH" ping -c3 -i0.2 -W2 198.51.100.5
check "site B receives the traffic now" test "$(decap "$SB")" -ge $((b0 + 3))
check "site A receives none of it" test "$(decap "$SA")" -eq "$a0"
# the move reached the kernel's map through descriptors opened before the privilege drop:
# the daemon runs as an unprivileged user with CAP_NET_ADMIN and CAP_NET_RAW alone
unpriv() {
	local st=/proc/$(bg_pid de)/status
	grep -Eq '^Uid:[[:space:]]+[1-9]' "$st" && grep -q '^CapEff:[[:space:]]*0000000000003000$' "$st"
}
fast_path_on && check "FAST_PATH=on: the D-ETR runs unprivileged (CAP_NET_ADMIN CAP_NET_RAW only)" unpriv
fast_path_on && check "FAST_PATH=on: ... and its kernel re-encapsulated to site B after the move" \
	fast_path_carried 2620 "$DE" '.detr.reencapsulated >= 6 and .mapUpdateErrors == 0'

# a non-LISP client routed to the aggregate: the D-ETR as PITR
b1=$(decap "$SB")
check "non-LISP client -> VM (PITR)" nsexec "$CL" ping -c3 -i0.2 -W2 198.51.100.5
# (they enter the ITR role through the TUN device, or are taken in the kernel by the fast path)
check "D-ETR encapsulated the client's packets" json_poll 5 \
	'(.data.tunIn + (.fastPath.itr.encapsulated // 0)) >= 3 and .data.encapsulated >= 3' \
	cli 2620 "$DE" show statistics json
fast_path_on && check "FAST_PATH=on: the D-ETR's kernel encapsulated them (PITR)" \
	fast_path_carried 2620 "$DE" '.itr.encapsulated >= 3' 
check "site B decapsulated them" test "$(decap "$SB")" -ge $((b1 + 3))

cli 2620 "$OX" show map-cache json >"$T_TMP/ox-mapcache.json"
check "outside map-cache: only the aggregate -> D-ETR" jq -e '
	[.mappings[] | .eidPrefix] == ["198.51.100.0/24"] and
	.mappings[0].locators[0].address == "192.0.2.10"' "$T_TMP/ox-mapcache.json"
cli 2620 "$DE" show statistics json >"$T_TMP/detr-stats.json"
check "D-ETR BGP counters" jq -e '.bgp.installs >= 2 and .bgp.reencapsulated >= 6' "$T_TMP/detr-stats.json"
bgp_rows() { cli 2620 "$DE" help | grep -q 'show bgp' && cli 2620 "$DE" show bgp summary | grep -q 192.0.2.14; }
check "D-ETR CLI has the BGP rows (help, show bgp summary)" bgp_rows
kept_bgp() {
	cli "$T_TMP/de.ctl" clear map-cache | grep -q "entries removed" &&
		cli 2620 "$DE" show map-cache 198.51.100.5 json | jq -e '.source == "bgp"'
}
check "clear map-cache keeps BGP entries" kept_bgp

# withdrawal: the entry leaves the map-cache
check "withdraw .5" cli "$T_TMP/spk.ctl" unload "$T_TMP/at-b.routes"
check "D-ETR map-cache: .5 gone" json_poll 10 \
	'[.mappings[] | select(.eidPrefix == "198.51.100.5/32")] | length == 0' \
	cli 2620 "$DE" show map-cache json
check "D-ETR counted the withdrawal" json_poll 5 '.bgp.withdrawals >= 1' cli 2620 "$DE" show statistics json

for r in de ox sa sb; do check "lisp-xtrd $r exits cleanly on SIGTERM" stop_bg $r; done
finish
