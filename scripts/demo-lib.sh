# SPDX-License-Identifier: ISC
# scripts/demo-lib.sh - the multi-site migration scenario shared by scripts/demo.sh and
# tests/integration/migration.sh (source it after tests/integration/lib.sh, which provides
# netns_add, veth_add, bridge_add, start_bg, wait_until, cli and the cleanup trap).
#
# Owns: the topology (network namespaces with unique names from lib.sh's T_PFX), the
# underlay "WAN" router with a one-way delay per link class (netem, or the delay line
# tests/wan/delayline where the kernel has no netem: demo_delays, demo_uplink), the data plane
# (the LISP daemons when they are built, else a clearly labelled stand-in of static routes),
# the three flows to the migrating VM (lisp-flow send/echo), the taps on each site's VM
# bridge (lisp-flow tap: where a packet was delivered), the migration itself (the
# hypervisor uplink moves from site A to site B without carrier loss, linux-site.md §3; the
# VM sends a GARP and an unsolicited NA; the controller runs lisp-register) and the results
# (per-flow JSON, the control-plane timeline in ms from the daemons' logs and the taps).
#
# Topology (one namespace each; "wan" is the underlay router, 192.0.2.0/24 the Internet):
#   link i to the wan router: wan 192.0.2.(4i+1)/30 + 2001:db8:ffff:i::1/64, peer .(4i+2) + ::2
#     i=0 site A xTR (RLOC 192.0.2.2)   i=1 site B xTR (RLOC 192.0.2.6)
#     i=2 D-ETR (RLOC 192.0.2.10)        i=3 local lisp-msd + lisp-mrd (192.0.2.14)
#     i=4 global lisp-msd + lisp-mrd (192.0.2.18)
#     i=5 outside LISP site xTR (RLOC 192.0.2.22), LAN 203.0.113.1/24, 2001:db8:203::1/64
#     i=6 non-LISP client 192.0.2.26, 2001:db8:ffff:6::2 (routed to the aggregate via the D-ETR)
#   sites A and B: bridge br-vm, anycast gateway 198.51.100.1/24, 2001:db8:100::1/64,
#     MAC 02:00:00:00:01:01; site A port p-vm2 -> vm2 (198.51.100.6, ::6, stays);
#     each site a port p-hv -> the hypervisor namespace (uplinks up-a, up-b, bridge hvbr)
#     -> vm1 (198.51.100.5, ::5, MAC 02:00:00:00:00:05), the VM that migrates.
#   outside host 203.0.113.10, 2001:db8:203::10 behind the outside xTR.
#
# Three ways of distributing the VMs' host mappings (docs/evaluation.md), DEMO_CLASSIC and
# DEMO_BASELINE set before demo_init; demo.sh --mode representative|smr|ttl:
#   representative (0, the default): the site xTRs and the controller register host mappings
#     with the LOCAL lisp-msd, which pushes them over BGP to the D-ETR (lisp-xtrd
#     mode="representative"); the D-ETR registers only the aggregate with the GLOBAL
#     mapping system, so the outside xTR caches aggregate -> D-ETR and never sees a move.
#   classic (1, DEMO_MODE=classic; DEMO_BASELINE=smr, demo.sh --mode smr or --classic):
#     no local mapping system, no D-ETR, no
#     BGP. The site xTRs and the controller register the host mappings with the GLOBAL
#     lisp-msd (a site with the same settings as the local one: persistent, proxy-reply,
#     merge off, the same Map-Notify timers); the outside xTR resolves the hosts through the
#     global lisp-mrd and caches each /32 and /128 for its TTL (what the registrations carry:
#     lisp-xtrd and lisp-register default to 1440 min). It learns of a move only from an SMR
#     of the old site (RFC 9301 §6.1: lisp-xtrd SMRs the ITRs it saw in the last minute when
#     its database changes, i.e. on the Map-Notify that says the VM moved away). In the D-ETR's
#     namespace, where the underlay routes the aggregate, runs a plain PITR for the non-LISP
#     client: lisp-xtrd mode="representative" without <bgp> and without <database> (it
#     registers nothing, resolves every host through the global lisp-mrd, caches by TTL and
#     honours SMRs like any ITR). The same daemons, the same topology and namespaces; only
#     the mapping distribution differs. In both modes the old site installs the new mapping
#     from the Map-Notify and re-encapsulates what still reaches it (lisp-xtrd behaviour).
#   ttl (1, DEMO_BASELINE=ttl, demo.sh --mode ttl): classic as RFC 6830-era deployments ran
#     it: host mappings with TTL 1 minute, the global lisp-msd tells the old site nothing
#     (<map-notify old-site="false">), the site xTRs send no SMR and re-encapsulate nothing.
# DEMO_PROBE_INTERVAL (s, default 0 = off; demo.sh: 5) turns RLOC probing on with
# re-resolution; DEMO_REG_INTERVAL (s, default 10; demo.sh: 60) the registration interval.
# Scenarios (demo.sh --scenario): live (the uplink moves), lost (demo_lose_site, then the
# uplink moves), many (DEMO_MANY="ITRS VMS MOVING": demo_many_* below).

DEMO_GWMAC=02:00:00:00:01:01
DEMO_VM1MAC=02:00:00:00:00:05
DEMO_VM2MAC=02:00:00:00:00:06
DEMO_PORT=7000 # the VM's echo port
DEMO_MS_KEY=demo-dc-secret
DEMO_GMS_KEY=demo-global-secret

# link index -> role
DEMO_ROLES=(sa sb detr ms gms oxtr cl)

demo_ms() { date +%s%3N; }
dlog() { printf '[%6s ms] %s\n' "$(($(demo_ms) - DEMO_T0))" "$*"; }

# demo_init BINDIR: names and paths. BINDIR holds lisp-flow and (when built) the daemons.
demo_init() {
	DEMO_BIN=$1
	DEMO_T0=$(demo_ms)
	local r
	declare -gA NS
	for r in wan "${DEMO_ROLES[@]}" hv vm1 vm2 oh; do
		NS[$r]=$(uname_ "$r")
	done
	DEMO_FLOW="$DEMO_BIN/lisp-flow"
	DEMO_DELAYLINE="$DEMO_BIN/tests/wan/delayline"
	DEMO_DIR=$T_TMP
	DEMO_MODE=static
	DEMO_DELAY_APPLIED=0
	DEMO_INACTIVE=()
	for r in lisp-xtrd lisp-msd lisp-mrd lisp-register; do
		[ -x "$DEMO_BIN/$r" ] || DEMO_INACTIVE+=("$r not built")
	done
	[ ${#DEMO_INACTIVE[@]} -eq 0 ] && DEMO_MODE=lisp
	DEMO_BASELINE=${DEMO_BASELINE:-smr}
	if [ "$DEMO_MODE" = lisp ] && [ "${DEMO_CLASSIC:-0}" = 1 ]; then
		DEMO_MODE=classic # needs no BGP: the PITR is lisp-xtrd representative without <bgp>
	elif [ "$DEMO_MODE" = lisp ] && ! demo_have_detr; then
		DEMO_MODE=xtr
		DEMO_INACTIVE+=("D-ETR: lisp-xtrd has no mode=\"representative\" yet (no BGP from lisp-msd either): the outside xTR resolves host mappings through the local mapping system, and the non-LISP client's flow (needs the D-ETR as PITR) is not run")
	fi
	# the control plane (local Map-Server + controller) runs as soon as it is built
	DEMO_CP=0
	[ -x "$DEMO_BIN/lisp-msd" ] && [ -x "$DEMO_BIN/lisp-register" ] && DEMO_CP=1
	return 0
}

# demo_have_detr: lisp-xtrd accepts mode="representative" with BGP (config check)
demo_have_detr() {
	local f=$T_TMP/.detr-check.xml
	printf '<lisp-xtrd mode="representative"><rloc address="192.0.2.10"/>%s</lisp-xtrd>\n' \
		"$(demo_detr_bgp_xml)" >"$f"
	"$DEMO_BIN/lisp-xtrd" -n -f "$f" >/dev/null 2>&1 && [ -n "$(demo_detr_bgp_xml)" ]
}
# the D-ETR's <bgp> (examples/lisp-xtrd-detr.xml): iBGP to the local lisp-msd, which
# pushes every host mapping; ADD-PATH, graceful restart keeps the mappings through a reset
demo_detr_bgp_xml() {
	cat <<XML
  <bgp as="65000" router-id="192.0.2.10">
    <graceful-restart time="120"/>
    <peer address="192.0.2.14" as="65000" local="192.0.2.10" hold-time="30"
          connect-retry="1" add-path="both" graceful-restart="on" stale-time="300"
          families="ipv4 ipv6"/>
  </bgp>
XML
}

demo_rloc() { # demo_rloc ROLE -> the role's underlay address
	local i
	for i in "${!DEMO_ROLES[@]}"; do
		[ "${DEMO_ROLES[i]}" = "$1" ] && { echo "192.0.2.$((4 * i + 2))"; return 0; }
	done
	return 1
}

# WAN delay per link class (one-way, ms, may be fractional; every node reaches every other
# across two access links through the wan router, so a path's one-way delay is the sum of its
# two links'): DEMO_DELAY_SITE (links of sites A and B), DEMO_DELAY_DETR (the D-ETR's, also
# the PITR's), DEMO_DELAY_OUTSIDE (the outside site(s) and the non-LISP client),
# DEMO_DELAY_MAPPING (the local and global mapping systems). demo_delays MS sets all four to
# MS/2: MS is then the one-way delay between any two of them (site A to site B: MS one way,
# 2 x MS round trip). Applied by tc netem where the kernel has it, else by the delay line
# (tests/wan/delayline.c: each delayed link becomes wan:w-ROLE <-> dl:a-ROLE [delayline]
# dl:b-ROLE <-> ROLE:wan, one relay process per link, in namespace dl). DEMO_DELAY_MECH says
# which: none, netem or delay-line.
demo_delays() { # demo_delays ONE_WAY_MS: every class to ONE_WAY_MS / 2
	local h
	h=$(awk -v d="${1:-0}" 'BEGIN { printf "%g", d / 2 }')
	DEMO_DELAY_SITE=$h DEMO_DELAY_DETR=$h DEMO_DELAY_OUTSIDE=$h DEMO_DELAY_MAPPING=$h
}
demo_link_delay() { # demo_link_delay ROLE -> the one-way delay (ms) of ROLE's access link
	case $1 in
	sa | sb) echo "${DEMO_DELAY_SITE:-0}" ;;
	detr) echo "${DEMO_DELAY_DETR:-0}" ;;
	oxtr | cl | olan) echo "${DEMO_DELAY_OUTSIDE:-0}" ;;
	ms | gms) echo "${DEMO_DELAY_MAPPING:-0}" ;;
	*) echo 0 ;;
	esac
}
demo_delay_mech() { # netem where the kernel has it, else the delay line (when built)
	local t=${NS[wan]}
	if ip -n "$t" link add "${T_PFX}nm" type dummy 2>/dev/null; then
		if ip netns exec "$t" tc qdisc add dev "${T_PFX}nm" root netem delay 1ms 2>/dev/null; then
			ip -n "$t" link del "${T_PFX}nm"
			echo netem
			return 0
		fi
		ip -n "$t" link del "${T_PFX}nm"
	fi
	if [ -x "$DEMO_DELAYLINE" ]; then echo delay-line; else echo unavailable; fi
}
# demo_uplink ROLE NS: ROLE's access link (wan:w-ROLE <-> NS:wan), with its class's delay
demo_uplink() {
	local r=$1 ns=$2 d
	d=$(demo_link_delay "$r")
	if [ "$d" = 0 ] || [ "$DEMO_DELAY_MECH" != delay-line ]; then
		veth_add "${NS[wan]}" "w-$r" "$ns" wan || return 1
		if [ "$d" != 0 ] && [ "$DEMO_DELAY_MECH" = netem ]; then
			ip netns exec "${NS[wan]}" tc qdisc replace dev "w-$r" root netem delay "${d}ms" limit 100000
			ip netns exec "$ns" tc qdisc replace dev wan root netem delay "${d}ms" limit 100000
		fi
		return 0
	fi
	if [ -z "${DEMO_DL_NS:-}" ]; then
		DEMO_DL_NS=$(uname_ dl)
		netns_add "$DEMO_DL_NS" || return 1
		ip netns exec "$DEMO_DL_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	fi
	veth_add "${NS[wan]}" "w-$r" "$DEMO_DL_NS" "a-$r" || return 1
	veth_add "$DEMO_DL_NS" "b-$r" "$ns" wan || return 1
	start_bg -n "$DEMO_DL_NS" "dl-$r" "$DEMO_DELAYLINE" -a "a-$r" -b "b-$r" --delay "$d" \
		--limit 100000 || return 1
	wait_until 5 grep -qx ready "$(bg_log "dl-$r")"
}
# demo_delay_counters: every delay line's counters (SIGUSR1: one JSON line each) as one
# object {ROLE: {ab: ..., ba: ...}} on stdout
demo_delay_counters() {
	local r l n out="{}"
	for r in "${DEMO_ROLES[@]}" olan; do
		bg_alive "dl-$r" || continue
		l=$(bg_log "dl-$r")
		n=$(wc -l <"$l")
		kill -USR1 "$(bg_pid "dl-$r")"
		wait_until 3 bash -c "[ \$(wc -l <'$l') -gt $n ]" || continue
		out=$(jq -c --arg r "$r" --argjson c "$(tail -1 "$l")" '. + {($r): $c}' <<<"$out")
	done
	printf '%s\n' "$out"
}
# demo_ping_ms FROM_ROLE TO_ADDR COUNT: the median round trip (ms) of COUNT pings
demo_ping_ms() {
	ip netns exec "${NS[$1]}" timeout 30 ping -n -c "${3:-5}" -i 0.05 -W 2 "$2" 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# demo_topology [DELAY_MS]: namespaces, links, addresses, bridges, the VMs. Returns 1 on
# error. DELAY_MS (one-way between two nodes, see demo_delays) unless the DEMO_DELAY_*
# classes are set.
demo_topology() {
	local i r ns
	[ -n "${1:-}" ] && [ -z "${DEMO_DELAY_SITE:-}" ] && demo_delays "$1"
	for r in wan "${DEMO_ROLES[@]}" hv vm1 vm2 oh; do
		netns_add "${NS[$r]}" || return 1
	done
	ip netns exec "${NS[wan]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	DEMO_DELAY_MECH=none
	for r in "${DEMO_ROLES[@]}" olan; do
		[ "$(demo_link_delay "$r")" != 0 ] && DEMO_DELAY_MECH=$(demo_delay_mech) && break
	done
	if [ "$DEMO_DELAY_MECH" = unavailable ]; then
		DEMO_INACTIVE+=("WAN delay NOT applied: no tc netem in this kernel and no delay line ($DEMO_DELAYLINE not built)")
		DEMO_DELAY_SITE=0 DEMO_DELAY_DETR=0 DEMO_DELAY_OUTSIDE=0 DEMO_DELAY_MAPPING=0
	fi
	# underlay links
	for i in "${!DEMO_ROLES[@]}"; do
		r=${DEMO_ROLES[i]}
		ns=${NS[$r]}
		demo_uplink "$r" "$ns" || return 1
		ip -n "${NS[wan]}" addr add "192.0.2.$((4 * i + 1))/30" dev "w-$r"
		ip -n "${NS[wan]}" addr add "2001:db8:ffff:$i::1/64" dev "w-$r" nodad
		ip -n "$ns" addr add "192.0.2.$((4 * i + 2))/30" dev wan
		ip -n "$ns" addr add "2001:db8:ffff:$i::2/64" dev wan nodad
		ip -n "$ns" route add default via "192.0.2.$((4 * i + 1))"
		ip -n "$ns" -6 route add default via "2001:db8:ffff:$i::1"
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.wan.rp_filter=0
	done
	DEMO_DELAY_APPLIED=$([ "$DEMO_DELAY_MECH" = none ] || [ "$DEMO_DELAY_MECH" = unavailable ] && echo 0 || echo 1)
	# sites A and B: VM bridge with the anycast gateway MAC (set before ports and up)
	for r in sa sb; do
		ns=${NS[$r]}
		bridge_add "$ns" br-vm "$DEMO_GWMAC" || return 1
		veth_add "$ns" p-hv "${NS[hv]}" "up-${r#s}" || return 1
		link_master "$ns" p-hv br-vm
		ip -n "$ns" link set p-hv type bridge_slave isolated on 2>/dev/null ||
			bridge -n "$ns" link set dev p-hv isolated on
	done
	veth_add "${NS[sa]}" p-vm2 "${NS[vm2]}" eth0 || return 1
	link_master "${NS[sa]}" p-vm2 br-vm
	bridge -n "${NS[sa]}" link set dev p-vm2 isolated on
	# hypervisor: vm1 hangs off hvbr; both uplinks are ports of hvbr, up-a (site A)
	# forwarding, up-b disabled (STP port state, set by hand: hvbr runs no STP). The
	# migration flips the two states; removing a bridge port instead waits for an RCU grace
	# period, seconds on a loaded machine, with the VM cut off meanwhile. No learning on the
	# uplinks: the anycast gateway MAC is behind both, frames to it go out of whichever
	# uplink forwards. The uplinks are down until learning is off: the sites' br-vm send
	# from that MAC (MLD reports, DAD) at random times, and an entry learned in between
	# would stay for the ageing time (300 s) after "learning off", sending every frame to
	# the gateway out of that one uplink, disabled after the move (the VM mute at its new
	# site). demo_hv_fdb_clean checks it.
	bridge_add "${NS[hv]}" hvbr || return 1
	veth_add "${NS[hv]}" vm1p "${NS[vm1]}" eth0 || return 1
	link_master "${NS[hv]}" vm1p hvbr
	ip -n "${NS[hv]}" link set up-a down && ip -n "${NS[hv]}" link set up-b down || return 1
	link_master "${NS[hv]}" up-a hvbr
	link_master "${NS[hv]}" up-b hvbr
	bridge -n "${NS[hv]}" link set dev up-a learning off &&
		bridge -n "${NS[hv]}" link set dev up-b learning off || return 1
	# up, then the states (a port coming up is put to forwarding: hvbr runs no STP)
	ip -n "${NS[hv]}" link set up-a up && ip -n "${NS[hv]}" link set up-b up || return 1
	bridge -n "${NS[hv]}" link set dev up-a state 3 &&
		bridge -n "${NS[hv]}" link set dev up-b state 0 || return 1
	demo_hv_fdb_clean || return 1
	# the VMs
	demo_vm vm1 5 "$DEMO_VM1MAC"
	demo_vm vm2 6 "$DEMO_VM2MAC"
	# the outside site's LAN
	veth_add "${NS[oxtr]}" lan "${NS[oh]}" eth0 || return 1
	ip -n "${NS[oxtr]}" addr add 203.0.113.1/24 dev lan
	ip -n "${NS[oxtr]}" addr add 2001:db8:203::1/64 dev lan nodad
	ip -n "${NS[oh]}" addr add 203.0.113.10/24 dev eth0
	ip -n "${NS[oh]}" addr add 2001:db8:203::10/64 dev eth0 nodad
	ip -n "${NS[oh]}" route add default via 203.0.113.1
	ip -n "${NS[oh]}" -6 route add default via 2001:db8:203::1
	ip netns exec "${NS[oxtr]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# the non-LISP client reaches the EID aggregate through the D-ETR (routed by the WAN)
	ip -n "${NS[wan]}" route add 198.51.100.0/24 via "$(demo_rloc detr)"
	ip -n "${NS[wan]}" -6 route add 2001:db8:100::/64 via 2001:db8:ffff:2::2
	return 0
}

# demo_hv_fdb_clean: the hypervisor's bridge has learned no address on an uplink
demo_hv_fdb_clean() {
	local l
	l=$(bridge -n "${NS[hv]}" fdb show br hvbr | awk '$3 ~ /^up-/ && !/permanent/')
	[ -z "$l" ] && return 0
	echo "hvbr learned on an uplink: $l" >&2
	return 1
}

demo_vm() { # demo_vm ROLE HOSTNUM MAC
	local ns=${NS[$1]}
	ip -n "$ns" link set eth0 address "$3"
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add "198.51.100.$2/24" dev eth0
	ip -n "$ns" addr add "2001:db8:100::$2/64" dev eth0 nodad
	ip -n "$ns" route add default via 198.51.100.1
	ip -n "$ns" -6 route add default via 2001:db8:100::1
}

# ------------------------------------------------------------------ data plane: stand-in
# Without lisp-xtrd there is no LISP data plane. The stand-in routes natively: each site
# routes the EID subnet to the WAN and its VMs on br-vm (proxy ARP, the linux-site recipe),
# the WAN holds host routes for the VMs that the script moves at migration time. It shows
# the topology, the flows and the migration mechanics; it is NOT LISP and says so.
demo_static_site() { # ROLE
	local ns=${NS[$1]}
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.br-vm.proxy_arp=1 net.ipv4.conf.br-vm.proxy_arp_pvlan=1 \
		net.ipv4.neigh.br-vm.proxy_delay=0 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.br-vm.send_redirects=0 net.ipv4.conf.br-vm.rp_filter=0 \
		net.ipv6.conf.br-vm.proxy_ndp=1 net.ipv6.neigh.br-vm.proxy_delay=0
	ip -n "$ns" addr add 198.51.100.1/24 dev br-vm noprefixroute
	ip -n "$ns" -6 addr add 2001:db8:100::1/64 dev br-vm nodad noprefixroute
	ip -n "$ns" route add 198.51.100.0/24 via "$(ip -n "${NS[$1]}" -4 route show default | awk '{print $3}')"
	ip -n "$ns" -6 route add 2001:db8:100::/64 via "$(ip -n "${NS[$1]}" -6 route show default | awk '{print $3}')"
}
demo_static_host() { # ROLE HOSTNUM add|del: the VM's host routes at a site and in the WAN
	local r=$1 h=$2 op=$3 ns=${NS[$1]} i v
	for i in "${!DEMO_ROLES[@]}"; do [ "${DEMO_ROLES[i]}" = "$r" ] && break; done
	ip -n "$ns" route "$op" "198.51.100.$h/32" dev br-vm 2>/dev/null
	ip -n "$ns" -6 route "$op" "2001:db8:100::$h/128" dev br-vm 2>/dev/null
	# kernel proxy NDP needs an entry per address (linux-site.md §2); the daemon answers NS itself
	for v in 1 5 6; do
		[ "$op" = add ] && ip -n "$ns" -6 neigh add proxy "2001:db8:100::$v" dev br-vm 2>/dev/null
	done
	[ "$op" = del ] && ip -n "$ns" neigh flush to "198.51.100.$h" dev br-vm 2>/dev/null
	if [ "$op" = add ]; then
		ip -n "${NS[wan]}" route replace "198.51.100.$h/32" via "192.0.2.$((4 * i + 2))"
		ip -n "${NS[wan]}" -6 route replace "2001:db8:100::$h/128" via "2001:db8:ffff:$i::2"
	fi
}
demo_dataplane_static() {
	demo_static_site sa
	demo_static_site sb
	demo_static_host sa 5 add
	demo_static_host sa 6 add
	ip -n "${NS[wan]}" route add 203.0.113.0/24 via "$(demo_rloc oxtr)"
	ip -n "${NS[wan]}" -6 route add 2001:db8:203::/64 via 2001:db8:ffff:5::2
}

# ------------------------------------------------------------------ flows
# demo_start_receivers: the VM's echo and a tap on each site's VM bridge.
demo_start_receivers() {
	local maxs=${1:-120}
	start_bg -n "${NS[vm1]}" echo "$DEMO_FLOW" echo --port "$DEMO_PORT" \
		--log "$DEMO_DIR/echo-vm1.txt" --max-seconds "$maxs"
	start_bg -n "${NS[sa]}" tap-sa "$DEMO_FLOW" tap --dev br-vm --port "$DEMO_PORT" \
		--log "$DEMO_DIR/tap-sa.txt" --max-seconds "$maxs"
	start_bg -n "${NS[sb]}" tap-sb "$DEMO_FLOW" tap --dev br-vm --port "$DEMO_PORT" \
		--log "$DEMO_DIR/tap-sb.txt" --max-seconds "$maxs"
	# the xTRs' underlay devices, LISP data packets with their outer addresses: which xTR
	# encapsulated a packet to which RLOC (detours through the old site, the ITRs' choice)
	local r
	for r in sa sb detr oxtr; do
		start_bg -n "${NS[$r]}" "tapw-$r" "$DEMO_FLOW" tap --dev wan --port "$DEMO_PORT" --lisp \
			--log "$DEMO_DIR/tapw-$r.txt" --max-seconds "$maxs"
	done
	wait_until 5 grep -q ready "$(bg_log echo)" && wait_until 5 grep -q ready "$(bg_log tap-sa)" &&
		wait_until 5 grep -q ready "$(bg_log tap-sb)" || return 1
	for r in sa sb detr oxtr; do
		wait_until 5 grep -q ready "$(bg_log "tapw-$r")" || return 1
	done
}

# demo_flows_start RATE COUNT V6(0|1) TAG: the three flows to the migrating VM.
DEMO_FLOWS=(outside client vm2)
demo_flows_start() {
	local rate=$1 count=$2 v6=$3 tag=${4:-run} f ns dst
	if [ "$v6" = 1 ]; then dst="[2001:db8:100::5]:$DEMO_PORT"; else dst="198.51.100.5:$DEMO_PORT"; fi
	for f in "${DEMO_FLOWS[@]}"; do
		case $f in
		outside) ns=${NS[oh]} ;;
		client) ns=${NS[cl]} ;;
		vm2) ns=${NS[vm2]} ;;
		esac
		start_bg -n "$ns" "flow-$tag-$f" "$DEMO_FLOW" send --to "$dst" --rate "$rate" \
			--count "$count" --name "$f" --json --csv "$DEMO_DIR/flow-$tag-$f.csv" \
			--linger-ms 1500
	done
}
# demo_flows_echoed TAG N: every flow of TAG has N echoes in its CSV (the sender flushes it
# at least every 100 ms): the flows have run N/RATE seconds, however late they started
demo_flows_echoed() {
	local f n
	for f in "${DEMO_FLOWS[@]}"; do
		n=$(grep -c '^[0-9]' "$DEMO_DIR/flow-$1-$f.csv" 2>/dev/null) || return 1
		[ "$n" -ge "$2" ] || return 1
	done
}
# demo_flows_finish TAG: end the flows of TAG now (SIGUSR1: no more packets, the echoes on
# their way are waited for, the report covers what was sent); then demo_flows_wait
demo_flows_finish() {
	local f p
	for f in "${DEMO_FLOWS[@]}"; do
		p=$(bg_pid "flow-$1-$f")
		[ -n "$p" ] && kill -USR1 "$p" 2>/dev/null
	done
	return 0
}
# demo_flows_wait TAG TIMEOUT: wait for the senders; results in $DEMO_DIR/flows-TAG.json (array)
demo_flows_wait() {
	local tag=$1 t=${2:-60} f p ok=0
	for f in "${DEMO_FLOWS[@]}"; do
		p=$(bg_pid "flow-$tag-$f")
		wait_until "$t" bash -c "! kill -0 $p 2>/dev/null || [ \"\$(ps -o stat= -p $p | cut -c1)\" = Z ]" || ok=1
		stop_bg "flow-$tag-$f" >/dev/null 2>&1
	done
	for f in "${DEMO_FLOWS[@]}"; do
		grep -h '^{' "$(bg_log "flow-$tag-$f")" || echo "{\"name\":\"$f\",\"error\":\"no result\"}"
	done | jq -s . >"$DEMO_DIR/flows-$tag.json"
	return $ok
}

# ------------------------------------------------------------------ migration
# demo_move_uplink FROM TO (a|b): move the hypervisor uplink; the VM keeps carrier.
# Both uplinks stay up and in hvbr (as a hypervisor's ports do): bringing a veth up only
# gives its peer carrier after the kernel's linkwatch delay (up to 1 s here), during which
# the site's bridge drops the VM's GARP and NA. Only the ports' states flip (TO forwarding,
# then FROM disabled). One `bridge -batch` (one process); DEMO_MOVED_MS = when it was done.
demo_move_uplink() {
	printf 'link set dev up-%s state 3\nlink set dev up-%s state 0\n' "$2" "$1" |
		bridge -n "${NS[hv]}" -batch -
	DEMO_MOVED_MS=${EPOCHREALTIME/./} # no fork on the way to the announcement
	DEMO_MOVED_MS=${DEMO_MOVED_MS:0:13}
}
# demo_switchover FROM TO (a|b): the migration instant. The announcer helper moves the
# uplink and announces the VM from one process, microseconds apart whatever the machine's
# load (a shell running `ip` and then writing to the FIFO left the VM detached and silent
# for 10+ ms on a loaded machine: loss the test then blamed on the mapping system).
# DEMO_MOVED_MS = when the move was done. Without the helper: demo_move_uplink, then
# demo_announce_now.
demo_switchover() {
	local f n0 i
	f=$(bg_log announce-vm1)
	if [ "${DEMO_ANNOUNCER_MOVES:-0}" = 1 ] && [ -n "${DEMO_ANNOUNCE_FD:-}" ] && bg_alive announce-vm1; then
		n0=$(grep -c '^moved' "$f")
		printf 'move up-%s up-%s\n' "$1" "$2" >&"$DEMO_ANNOUNCE_FD"
		for i in $(seq 500); do
			if [ "$(grep -c '^moved' "$f")" -gt "$n0" ]; then
				DEMO_MOVED_MS=$(awk '/^moved/ { t = $2 } END { print t }' "$f")
				return 0
			fi
			sleep 0.01
		done
		echo "the announcer did not move the uplink (log: $f)" >&2
		return 1
	fi
	demo_move_uplink "$1" "$2"
	demo_announce_now
}
# demo_announcer_start [ROLE HOSTNUM MAC]: the VM's own announcement at resume, as QEMU
# sends it (no process to start at switchover): a helper in the VM's namespace, started
# beforehand, sends a GARP and an unsolicited NA each time demo_announce_now writes a line
# to its FIFO (at most 20 times; exits after DEMO_ANNOUNCER_SECONDS, default 600).
demo_announcer_start() {
	local r=${1:-vm1} h=${2:-5} mac=${3:-$DEMO_VM1MAC} maxs=${DEMO_ANNOUNCER_SECONDS:-600}
	local hv=${NS[hv]:-}
	[ "$r" = vm1 ] || hv="" # only the migrating VM's helper moves the uplink
	local fifo=$DEMO_DIR/announce-$r.fifo
	mkfifo "$fifo" || return 1
	cat >"$DEMO_DIR/announce.py" <<'PY'
# GARP (ARP request, sender = target = own IPv4) and unsolicited NA (O=1, TLLAO) on eth0,
# once per line read from the FIFO; prints the epoch ms of each announcement. With a 6th
# argument (the hypervisor's netns), a line "move UP_FROM UP_TO" first moves the uplink
# (RTM_SETLINK AF_BRIDGE, IFLA_PROTINFO/IFLA_BRPORT_STATE: UP_TO forwarding, UP_FROM
# disabled) over a netlink socket held in that namespace, then announces: the VM resumes
# and announces at once, as under QEMU.
import ctypes, os, select, socket, struct, sys, time
fifo, mac_s, v4, v6, maxs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
hv = sys.argv[6] if len(sys.argv) > 6 else ''
mac = bytes(int(x, 16) for x in mac_s.split(':'))
ip4 = socket.inet_aton(v4)
arp = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
arp.bind(('eth0', 0))
garp = (b'\xff' * 6 + mac + b'\x08\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) +
        mac + ip4 + b'\x00' * 6 + ip4).ljust(60, b'\x00')
na6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
na6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
na6.bind((v6, 0))
tgt = socket.inet_pton(socket.AF_INET6, v6)
na = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + tgt + bytes([2, 1]) + mac
ifi = socket.if_nametoindex('eth0')
fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
nl, seq = None, 0
if hv:  # the sockets above stay in the VM's namespace; from here on, the hypervisor's
    libc = ctypes.CDLL(None, use_errno=True)
    nsfd = os.open('/run/netns/' + hv, os.O_RDONLY)
    if libc.setns(nsfd, 0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), 'setns ' + hv)
    os.close(nsfd)
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # NETLINK_ROUTE
    nl.bind((0, 0))
def set_state(dev, state):  # 0 disabled, 3 forwarding
    global seq
    seq += 1
    body = struct.pack('=BxHiII', 7, 0, socket.if_nametoindex(dev), 0, 0)  # AF_BRIDGE
    brport = struct.pack('=HHB3x', 5, 1, state)  # IFLA_BRPORT_STATE
    body += struct.pack('=HH', 4 + len(brport), 12 | 0x8000) + brport  # IFLA_PROTINFO, nested
    nl.send(struct.pack('=IHHII', 16 + len(body), 19, 1 | 4, seq, 0) + body)  # RTM_SETLINK, REQUEST|ACK
    r = nl.recv(4096)
    if struct.unpack_from('=H', r, 4)[0] == 2 and struct.unpack_from('=i', r, 16)[0]:
        raise OSError(-struct.unpack_from('=i', r, 16)[0], 'port state of ' + dev)
print('ready', flush=True)
end, n = time.monotonic() + maxs, 0
while n < 20 and time.monotonic() < end:
    r, _, _ = select.select([fd], [], [], max(0.0, min(1.0, end - time.monotonic())))
    if not r:
        continue
    for line in os.read(fd, 256).decode(errors='replace').splitlines():
        w = line.split()
        if nl and len(w) == 3 and w[0] == 'move':
            t0 = time.monotonic()
            set_state(w[2], 3)
            set_state(w[1], 0)
            print('moved %d (%.1f ms)' % (int(time.time() * 1000), (time.monotonic() - t0) * 1e3),
                  flush=True)
        arp.send(garp)
        na6.sendto(na, ('ff02::1', 0, 0, ifi))
        n += 1
        print('announced %d' % int(time.time() * 1000), flush=True)
PY
	start_bg -n "${NS[$r]}" "announce-$r" timeout "$maxs" python3 "$DEMO_DIR/announce.py" \
		"$fifo" "$mac" "198.51.100.$h" "2001:db8:100::$h" "$maxs" $hv
	[ -n "$hv" ] && DEMO_ANNOUNCER_MOVES=1
	# our end stays open read-write: a write never blocks, even once the helper has gone
	exec {DEMO_ANNOUNCE_FD}<>"$fifo"
	wait_until 5 grep -q ready "$(bg_log "announce-$r")"
}
# demo_announce_now: the VM announces itself now (no fork: a line into the helper's FIFO);
# without the helper, demo_announce (arping + python)
demo_announce_now() {
	if [ -n "${DEMO_ANNOUNCE_FD:-}" ] && bg_alive announce-vm1; then
		printf 'go\n' >&"$DEMO_ANNOUNCE_FD"
	else
		demo_announce
	fi
}
# demo_announce [ROLE HOSTNUM MAC]: the VM announces itself (GARP; unsolicited NA to ff02::1,
# O=1, for its IPv6 address). Default: vm1.
demo_announce() {
	local ns=${NS[${1:-vm1}]} h=${2:-5} mac=${3:-$DEMO_VM1MAC}
	# arping waits up to -w for an answer: in the background, so the NA leaves at once
	{ ip netns exec "$ns" timeout 3 arping -U -c 1 -w 1 -i eth0 -S "198.51.100.$h" "198.51.100.$h" >/dev/null 2>&1 ||
		ip netns exec "$ns" timeout 3 arping -U -c 1 -w 1 -I eth0 -s "198.51.100.$h" "198.51.100.$h" >/dev/null 2>&1; } &
	local apid=$!
	ip netns exec "$ns" timeout 3 python3 - "$mac" "2001:db8:100::$h" <<'EOF' >/dev/null 2>&1
# unsolicited neighbour advertisement (RFC 4861 §7.2.6): target ::5, O=1, TLLAO = own MAC
import socket, struct, sys
mac = bytes(int(x, 16) for x in sys.argv[1].split(':'))
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
s.bind((sys.argv[2], 0))
tgt = socket.inet_pton(socket.AF_INET6, sys.argv[2])
na = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + tgt + bytes([2, 1]) + mac
s.sendto(na, ('ff02::1', 0, 0, socket.if_nametoindex('eth0')))
EOF
	wait "$apid" 2>/dev/null
	return 0
}

# ------------------------------------------------------------------ results
# demo_tap_first FILE AFTER_MS [DIR]: time of the first packet for the VM (dir out) after AFTER_MS
demo_tap_first() {
	awk -v t="$2" '$1 !~ /^#/ && $2 == "out" && $1 >= t && ($5 == "198.51.100.5" || $5 == "2001:db8:100::5") { printf "%.0f\n", $1; exit }' "$1"
}
# demo_tap_count FILE AFTER_MS: packets for the VM sent on that bridge after AFTER_MS
demo_tap_count() {
	awk -v t="$2" '$1 !~ /^#/ && $2 == "out" && $1 >= t && ($5 == "198.51.100.5" || $5 == "2001:db8:100::5") { n++ } END { print n + 0 }' "$1"
}
# demo_logtime "LOGLINE": epoch ms of a daemon log line ("YYYY-mm-dd HH:MM:SS.mmm ...")
demo_logtime() {
	local l=$1
	date -d "${l:0:23}" +%s%3N 2>/dev/null
}

# The plot (--plot) is scripts/demo-plot.py, from what scripts/demo-analyse.py writes.

# ------------------------------------------------------------------ control plane
# The local Map-Server (host mappings of the data-centre site, persistent, registered by the
# controller) in the "ms" namespace at 192.0.2.14:4342, CLI 127.0.0.1:2621 there.
demo_ms_conf() { # demo_ms_conf FILE DBFILE [BGP_XML]
	cat >"$1" <<XML
<lisp-msd>
  <listen port="4342"/>
  <cli address="127.0.0.1" port="2621"/>
  <database path="$2" sync="normal"/>
  <log level="debug"/>
  <map-notify interval-ms="500" retries="3"/>
  <site name="dc" lifetime="persistent" proxy-reply="true" merge="false">
    <key id="1" algorithm="hmac-sha-256" secret-file="$DEMO_DIR/dc.key"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
    <eid-prefix prefix="2001:db8:100::/64" more-specifics="true"/>
  </site>
${3:-}
</lisp-msd>
XML
}
demo_ms_start() {
	printf '%s\n' "$DEMO_MS_KEY" >"$DEMO_DIR/dc.key"
	demo_ms_conf "$DEMO_DIR/ms-local.xml" "$DEMO_DIR/ms-local.db" "${1:-}"
	start_bg -n "${NS[ms]}" ms-local "$DEMO_BIN/lisp-msd" -dv -f "$DEMO_DIR/ms-local.xml" || return 1
	wait_until 10 cli 2621 "${NS[ms]}" show version
}
# demo_register ROLE [HOST...]: the controller registers the VM(s) (default .5 and ::5) with
# the RLOC of site ROLE. Sets DEMO_REG_RC, DEMO_REG_SENT (epoch ms the Map-Register left,
# from the exit time minus lisp-register's measured round trip) and DEMO_REG_NOTIFY (epoch ms
# the Map-Notify arrived).
demo_register() {
	local role=$1 h eids=() out t1 rtt
	shift
	for h in "${@:-5}"; do
		eids+=(--eid "198.51.100.$h/32" --eid "2001:db8:100::$h/128")
	done
	# classic: the controller registers with the global Map-Server (from the same place)
	local ms=192.0.2.14 key=$DEMO_DIR/dc.key
	[ "$DEMO_MODE" = classic ] && ms=192.0.2.18 key=$DEMO_DIR/global.key
	local ttl=()
	[ "$DEMO_MODE" = classic ] && [ "$DEMO_BASELINE" = ttl ] && ttl=(--ttl 1)
	out=$(ip netns exec "${NS[ms]}" timeout 10 "$DEMO_BIN/lisp-register" --ms "$ms:4342" \
		--key-file "$key" --key-id 1 --alg sha256 "${eids[@]}" "${ttl[@]}" \
		--rloc "$(demo_rloc "$role")" --json 2>>"$DEMO_DIR/register.err")
	DEMO_REG_RC=$?
	t1=$(demo_ms)
	printf '%s\n' "$out" >>"$DEMO_DIR/register.json"
	rtt=$(jq -r '.rttUs // empty' <<<"$out" 2>/dev/null)
	DEMO_REG_NOTIFY="" DEMO_REG_SENT=$t1
	if [ "$DEMO_REG_RC" = 0 ] && [ -n "$rtt" ]; then
		DEMO_REG_NOTIFY=$t1
		DEMO_REG_SENT=$((t1 - (rtt + 500) / 1000))
	fi
	return "$DEMO_REG_RC"
}

# ------------------------------------------------------------------ data plane: LISP
# demo_dataplane_lisp: every daemon (DEMO_MODE=lisp, with the D-ETR). demo_dataplane_xtr:
# the same without the D-ETR (lisp-xtrd has no representative mode yet): the outside xTR
# resolves through the local mapping system (host mappings!) and the non-LISP client's flow,
# which needs the D-ETR as PITR, is not run.
demo_xtr_start() { # ROLE
	local r=$1 ns=${NS[$1]}
	demo_xtr_conf "$DEMO_DIR/xtr-$r.xml" "$r"
	[ "${DEMO_DETR:-1}" = 0 ] && [ "$DEMO_MODE" != classic ] && [ "$r" = oxtr ] &&
		sed -i 's|<map-resolver address="192.0.2.18"|<map-resolver address="192.0.2.14"|' "$DEMO_DIR/xtr-$r.xml"
	start_bg -n "$ns" "xtr-$r" "$DEMO_BIN/lisp-xtrd" -dv -f "$DEMO_DIR/xtr-$r.xml" || return 1
	wait_until 10 cli 2620 "$ns" show version || { echo "lisp-xtrd $r: no CLI" >&2; return 1; }
	wait_until 5 ip -n "$ns" link show lisp0 || return 1
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.lisp0.rp_filter=0 net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
	case $r in
	sa | sb)
		ip netns exec "$ns" nft 'table inet demo { chain out { type filter hook output priority 0; oifname "br-vm" icmpv6 type nd-redirect counter drop; } }' 2>/dev/null
		ip -n "$ns" route replace 203.0.113.0/24 dev lisp0
		ip -n "$ns" -6 route replace 2001:db8:203::/64 dev lisp0
		ip -n "$ns" -6 route replace 2001:db8:300::/48 dev lisp0 # --scenario many
		;;
	oxtr | detr)
		# outside site: the data centre's EIDs are LISP space; D-ETR (PITR): the underlay
		# routes the non-LISP client's packets for the aggregate here, into the TUN
		ip -n "$ns" route replace 198.51.100.0/24 dev lisp0
		ip -n "$ns" -6 route replace 2001:db8:100::/64 dev lisp0
		;;
	esac
}
demo_cp_start() {
	printf '%s\n' "$DEMO_MS_KEY" >"$DEMO_DIR/dc.key"
	printf '%s\n' "$DEMO_GMS_KEY" >"$DEMO_DIR/global.key"
	demo_ms_start "${1:-}" || return 1
	demo_mr_conf "$DEMO_DIR/mr-local.xml" local
	start_bg -n "${NS[ms]}" mr-local "$DEMO_BIN/lisp-mrd" -dv -f "$DEMO_DIR/mr-local.xml" || return 1
	wait_until 10 cli 2622 "${NS[ms]}" show version || return 1
	demo_gms_conf "$DEMO_DIR/ms-global.xml"
	start_bg -n "${NS[gms]}" ms-global "$DEMO_BIN/lisp-msd" -dv -f "$DEMO_DIR/ms-global.xml" || return 1
	wait_until 10 cli 2621 "${NS[gms]}" show version || return 1
	demo_mr_conf "$DEMO_DIR/mr-global.xml" global
	start_bg -n "${NS[gms]}" mr-global "$DEMO_BIN/lisp-mrd" -dv -f "$DEMO_DIR/mr-global.xml" || return 1
	wait_until 10 cli 2622 "${NS[gms]}" show version
}
demo_vms_register() { # the VMs start in site A: announced, registered by the controller
	demo_announce vm1 5 "$DEMO_VM1MAC"
	demo_announce vm2 6 "$DEMO_VM2MAC"
	demo_register sa 5 6
}
# demo_dataplane_classic: the classic mapping distribution (see the top of this file): the
# global lisp-msd + lisp-mrd only, the site xTRs register there, the outside xTR resolves
# hosts there, the PITR in the D-ETR's namespace; no local mapping system, no BGP.
demo_dataplane_classic() {
	DEMO_DETR=0
	printf '%s\n' "$DEMO_MS_KEY" >"$DEMO_DIR/dc.key"
	printf '%s\n' "$DEMO_GMS_KEY" >"$DEMO_DIR/global.key"
	demo_gms_conf "$DEMO_DIR/ms-global.xml"
	start_bg -n "${NS[gms]}" ms-global "$DEMO_BIN/lisp-msd" -dv -f "$DEMO_DIR/ms-global.xml" || return 1
	wait_until 10 cli 2621 "${NS[gms]}" show version || return 1
	demo_mr_conf "$DEMO_DIR/mr-global.xml" global
	start_bg -n "${NS[gms]}" mr-global "$DEMO_BIN/lisp-mrd" -dv -f "$DEMO_DIR/mr-global.xml" || return 1
	wait_until 10 cli 2622 "${NS[gms]}" show version || return 1
	demo_xtr_start sa && demo_xtr_start sb && demo_xtr_start oxtr && demo_xtr_start detr ||
		return 1
	demo_vms_register
}
demo_dataplane_xtr() {
	DEMO_DETR=0
	demo_cp_start || return 1
	demo_xtr_start sa && demo_xtr_start sb && demo_xtr_start oxtr || return 1
	demo_vms_register
}
demo_dataplane_lisp() {
	DEMO_DETR=1
	demo_cp_start "$(demo_ms_bgp_xml)" || return 1
	demo_xtr_start sa && demo_xtr_start sb && demo_xtr_start oxtr && demo_xtr_start detr ||
		return 1
	wait_until 20 demo_bgp_up || { echo "D-ETR: no BGP session with the local lisp-msd" >&2; return 1; }
	demo_vms_register || return 1
	# the D-ETR holds the VMs' host mappings (pushed over BGP) before any flow starts
	wait_until 10 demo_detr_has 198.51.100.5 && wait_until 5 demo_detr_has 2001:db8:100::5
}
demo_detr_has() { # EID: the D-ETR's map-cache holds EID's host mapping from BGP
	demo_xtr_cli detr show map-cache "$1" json 2>/dev/null | jq -e '.source == "bgp"' >/dev/null
}
# the local lisp-msd's <bgp>: listens on 192.0.2.14:179, the D-ETR connects (passive peer)
demo_ms_bgp_xml() {
	cat <<XML
  <bgp as="65000" router-id="192.0.2.14">
    <listen address="192.0.2.14" port="179"/>
    <graceful-restart time="120"/>
    <peer address="192.0.2.10" as="65000" local="192.0.2.14" hold-time="30" passive="true"
          add-path="both" graceful-restart="on" families="ipv4 ipv6"/>
  </bgp>
XML
}
# demo_bgp_up: the D-ETR's session with the local lisp-msd is Established
demo_bgp_up() {
	demo_xtr_cli detr show bgp summary json 2>/dev/null |
		jq -e '[.. | objects | select((.state // "") | test("^[Ee]stablished"))] | length > 0' >/dev/null
}
# demo_clear_bgp: reset the D-ETR's session (Cease/Administrative Reset); it comes back
demo_clear_bgp() {
	cli "$DEMO_DIR/xtr-detr.ctl" clear bgp 192.0.2.14 | grep -q reset
}
# demo_detr_updated_ms AFTER_MS [EID]: epoch ms the D-ETR's map-cache entry of the VM last
# changed (changedUnixMs), when that is at or after AFTER_MS - 50 (the register's send time
# is derived from lisp-register's round trip; the clocks are the same machine's)
demo_detr_updated_ms() { demo_xtr_updated_ms detr "$@"; }
# demo_xtr_updated_ms ROLE AFTER_MS [EID]: the same for xTR ROLE's map-cache entry of the VM,
# only when it is a host entry (/32 or /128: an aggregate never changes with a move)
demo_xtr_updated_ms() {
	local t r=$1
	shift
	[ -n "${1:-}" ] || return 0
	t=$(demo_xtr_cli "$r" show map-cache "${2:-198.51.100.5}" json 2>/dev/null |
		jq -c 'select((.eidPrefix // "") | test("/(32|128)$"))' 2>/dev/null |
		jq -r '[.. | objects | select(has("changedUnixMs")) | .changedUnixMs] | max // empty' 2>/dev/null)
	[ -n "$t" ] && [ "$t" -ge $(($1 - 50)) ] && echo "$t"
	return 0
}

# ------------------------------------------------------------------ LISP daemons' configs
# Local MS 192.0.2.14:4342 and MR :4343 (namespace ms); global MS 192.0.2.18:4342 and MR
# :4343 (namespace gms). Site xTRs register to / resolve through the local pair; the outside
# xTR and the D-ETR's aggregate use the global pair.
demo_mr_conf() { # FILE: local or global MR table
	local f=$1 which=$2
	local here="127.0.0.1" glob="192.0.2.18"
	[ "$which" = global ] && glob=127.0.0.1
	{
		echo "<lisp-mrd>"
		echo "  <listen port=\"4343\"/>"
		echo "  <cli address=\"127.0.0.1\" port=\"2622\"/>"
		echo "  <log level=\"debug\"/>"
		if [ "$which" = local ]; then
			echo "  <eid-prefix prefix=\"198.51.100.0/24\"><map-server address=\"$here\"/></eid-prefix>"
			echo "  <eid-prefix prefix=\"2001:db8:100::/64\"><map-server address=\"$here\"/></eid-prefix>"
		else
			echo "  <eid-prefix prefix=\"198.51.100.0/24\"><map-server address=\"127.0.0.1\"/></eid-prefix>"
			echo "  <eid-prefix prefix=\"2001:db8:100::/64\"><map-server address=\"127.0.0.1\"/></eid-prefix>"
		fi
		echo "  <eid-prefix prefix=\"203.0.113.0/24\"><map-server address=\"$glob\"/></eid-prefix>"
		echo "  <eid-prefix prefix=\"2001:db8:203::/64\"><map-server address=\"$glob\"/></eid-prefix>"
		echo "  <eid-prefix prefix=\"2001:db8:300::/48\"><map-server address=\"$glob\"/></eid-prefix>"
		echo "</lisp-mrd>"
	} >"$f"
}
# representative: the data centre registers its aggregate (the D-ETR); classic: the data
# centre's host mappings, with the settings of the local lisp-msd's site (demo_ms_conf)
demo_gms_conf() {
	local dc
	if [ "$DEMO_MODE" = classic ]; then
		dc=$(
			cat <<XML
  <map-notify interval-ms="500" retries="3"$([ "$DEMO_BASELINE" = ttl ] && echo ' old-site="false"')/>
  <site name="dc" lifetime="persistent" proxy-reply="true" merge="false">
    <key id="1" algorithm="hmac-sha-256" secret-file="$DEMO_DIR/global.key"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
    <eid-prefix prefix="2001:db8:100::/64" more-specifics="true"/>
  </site>
XML
		)
	else
		dc=$(
			cat <<XML
  <site name="dc-aggregate" lifetime="refresh" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="$DEMO_DIR/global.key"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="false"/>
    <eid-prefix prefix="2001:db8:100::/64" more-specifics="false"/>
  </site>
XML
		)
	fi
	cat >"$1" <<XML
<lisp-msd>
  <listen port="4342"/>
  <cli address="127.0.0.1" port="2621"/>
  <database path="$DEMO_DIR/ms-global.db" sync="normal"/>
  <log level="debug"/>
$dc
  <site name="outside" lifetime="refresh" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="$DEMO_DIR/global.key"/>
    <eid-prefix prefix="203.0.113.0/24" more-specifics="false"/>
    <eid-prefix prefix="2001:db8:203::/64" more-specifics="false"/>
    <eid-prefix prefix="2001:db8:300::/48" more-specifics="true"/>
  </site>
</lisp-msd>
XML
}
# The outside and site xTRs' <probing>: DEMO_PROBE_INTERVAL (s, 0 = off) turns RLOC probing
# on, a locator down after DEMO_PROBE_RETRIES (2) unanswered probes of DEMO_PROBE_TIMEOUT_MS
# (1000) each, then the mapping is asked for again (re-resolve).
demo_probing_xml() {
	if [ "${DEMO_PROBE_INTERVAL:-0}" != 0 ]; then
		echo "  <probing interval=\"$DEMO_PROBE_INTERVAL\" timeout-ms=\"${DEMO_PROBE_TIMEOUT_MS:-1000}\" retries=\"${DEMO_PROBE_RETRIES:-2}\" re-resolve=\"true\"/>"
	else
		echo '  <probing interval="0"/>'
	fi
}

# demo_xtr_conf FILE ROLE: a site xTR (sa, sb), the outside xTR (oxtr) or the D-ETR (detr)
demo_xtr_conf() {
	local f=$1 role=$2 rloc ms mr key mode=site
	rloc=$(demo_rloc "$role")
	ms=192.0.2.14 mr=192.0.2.14 key="$DEMO_DIR/dc.key"
	case $role in
	oxtr) ms=192.0.2.18 mr=192.0.2.18 key="$DEMO_DIR/global.key" ;;
	detr) ms=192.0.2.18 key="$DEMO_DIR/global.key" mode=representative ;;
	esac
	# classic: everything registers with and resolves through the global mapping system;
	# the PITR (role detr) registers nothing
	[ "$DEMO_MODE" = classic ] && ms=192.0.2.18 mr=192.0.2.18 key="$DEMO_DIR/global.key"
	[ "$DEMO_MODE" = classic ] && [ "$role" = detr ] && ms=
	{
		echo "<lisp-xtrd mode=\"$mode\">"
		echo "  <tun name=\"lisp0\"/>"
		echo "  <underlay native-forward-device=\"wan\"/>"
		echo "  <rloc address=\"$rloc\"/>"
		[ -n "$ms" ] &&
			echo "  <map-server address=\"$ms\" key-id=\"1\" algorithm=\"hmac-sha-256\" secret-file=\"$key\"/>"
		echo "  <map-resolver address=\"$mr\" port=\"4343\"/>"
		# ttl baseline: host mappings cached for 1 minute (the least a record can say)
		echo "  <register interval=\"${DEMO_REG_INTERVAL:-10}\"$([ "$DEMO_MODE" = classic ] && [ "$DEMO_BASELINE" = ttl ] && echo ' ttl="1"')/>"
		# queue-length: packets held per EID while it resolves (default 8: three flows
		# at 1,000 packets/s overflow it during a cold resolution through the global MR)
		echo "  <map-cache negative-hold=\"1\" queue-length=\"32\"/>"
		demo_probing_xml
		# ttl baseline (RFC 6830-era): no SMR, no re-encapsulation at the old site
		[ "$DEMO_MODE" = classic ] && [ "$DEMO_BASELINE" = ttl ] &&
			echo "  <etr reencapsulate-moved-away=\"0\" solicit-map-request=\"false\"/>"
		# FAST_PATH=on|auto: lisp-xtrd's in-kernel fast path (tests/integration/migration_fp.sh)
		[ "${FAST_PATH:-off}" != off ] && echo "  <fast-path mode=\"$FAST_PATH\"/>"
		# the socket: state-changing commands (clear bgp); TCP sessions may only show
		echo "  <cli address=\"127.0.0.1\" port=\"2620\" socket=\"$DEMO_DIR/xtr-$role.ctl\"/>"
		echo "  <log level=\"debug\"/>"
		case $role in
		sa | sb)
			# nd-redirect-filter off: lisp-xtrd's nft command fails here (reported); the
			# demo installs the same rule itself (demo_xtr_start)
			echo "  <site bridge=\"br-vm\" manage-bridge=\"false\" host-timeout=\"0\" nd-redirect-filter=\"false\">"
			echo "    <gateway mac=\"$DEMO_GWMAC\" ipv4=\"198.51.100.1/24\" ipv6=\"2001:db8:100::1/64\"/>"
			echo "    <subnet prefix=\"198.51.100.0/24\"/><subnet prefix=\"2001:db8:100::/64\"/>"
			echo "    <dynamic-eid prefix=\"198.51.100.0/24\"/><dynamic-eid prefix=\"2001:db8:100::/64\"/>"
			echo "  </site>"
			;;
		oxtr)
			echo "  <database>"
			echo "    <mapping eid=\"203.0.113.0/24\"/><mapping eid=\"2001:db8:203::/64\"/>"
			echo "  </database>"
			;;
		detr)
			# classic: a plain PITR (no aggregate registered, no BGP)
			[ "$DEMO_MODE" = classic ] && { echo "</lisp-xtrd>"; return 0; }
			echo "  <database>"
			echo "    <mapping eid=\"198.51.100.0/24\"/><mapping eid=\"2001:db8:100::/64\"/>"
			echo "  </database>"
			demo_detr_bgp_xml
			;;
		esac
		echo "</lisp-xtrd>"
	} >"$f"
}

# ------------------------------------------------------------------ daemon state
demo_xtr_cli() { cli 2620 "${NS[$1]}" "${@:2}"; } # demo_xtr_cli ROLE COMMAND...
# demo_dump: every running xTR's statistics and map-cache as JSON into $DEMO_DIR (for
# --keep and for the test's assertions)
demo_dump() {
	local r tag=${1:-end}
	for r in sa sb oxtr detr; do
		bg_alive "xtr-$r" || continue
		demo_xtr_cli "$r" show statistics json >"$DEMO_DIR/stats-$r-$tag.json" 2>/dev/null
		demo_xtr_cli "$r" show map-cache json >"$DEMO_DIR/mapcache-$r-$tag.json" 2>/dev/null
	done
}
# demo_stats TAG: every daemon's `show statistics json` into $DEMO_DIR/stats-NAME-TAG.json
# (xTRs by role; ms-local, mr-local, ms-global, mr-global), for the control messages
# counted per migration (scripts/demo-analyse.py)
demo_stats() {
	local r tag=$1 k
	local roles=("${DEMO_ROLES[@]}")
	for ((k = 1; k <= 99; k++)); do [ -n "${NS[o$k]:-}" ] && roles+=("o$k"); done
	for r in "${roles[@]}"; do
		bg_alive "xtr-$r" || continue
		demo_xtr_cli "$r" show statistics json >"$DEMO_DIR/stats-$r-$tag.json" 2>/dev/null
	done
	bg_alive ms-local && cli 2621 "${NS[ms]}" show statistics json >"$DEMO_DIR/stats-ms-local-$tag.json" 2>/dev/null
	bg_alive mr-local && cli 2622 "${NS[ms]}" show statistics json >"$DEMO_DIR/stats-mr-local-$tag.json" 2>/dev/null
	bg_alive ms-global && cli 2621 "${NS[gms]}" show statistics json >"$DEMO_DIR/stats-ms-global-$tag.json" 2>/dev/null
	bg_alive mr-global && cli 2622 "${NS[gms]}" show statistics json >"$DEMO_DIR/stats-mr-global-$tag.json" 2>/dev/null
	return 0
}
# demo_warm_return ROLE DST...: the xTR at ROLE resolves the return paths to DST (the remote
# ends of the flows) before the migration, as a site xTR serving other VMs has them cached:
# the control messages counted per migration are those about the moved EIDs. One packet from
# the site's gateway address into the TUN per destination.
demo_warm_return() {
	local r=$1 d pids=()
	shift
	for d in "$@"; do
		case $d in
		*:*) ip netns exec "${NS[$r]}" ping -n -6 -c 1 -W 1 -I 2001:db8:100::1 "$d" >/dev/null 2>&1 & ;;
		*) ip netns exec "${NS[$r]}" ping -n -c 1 -W 1 -I 198.51.100.1 "$d" >/dev/null 2>&1 & ;;
		esac
		pids+=($!)
	done
	wait "${pids[@]}"
	return 0
}
# demo_lose_site ROLE: the site disappears without a word: its xTR killed (SIGKILL: no
# deregistration, no BGP or TCP goodbye) and its uplink down. DEMO_LOST_MS: when.
demo_lose_site() {
	local p
	p=$(bg_pid "xtr-$1")
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	ip -n "${NS[$1]}" link set wan down
	DEMO_LOST_MS=${EPOCHREALTIME/./}
	DEMO_LOST_MS=${DEMO_LOST_MS:0:13}
}

# demo_log_first ROLE REGEX AFTER_MS: epoch ms of the first line of xtr-ROLE's log that
# matches REGEX at or after AFTER_MS
demo_log_first() {
	local l t
	while IFS= read -r l; do
		t=$(demo_logtime "$l") || continue
		[ -n "$t" ] && [ "$t" -ge "$3" ] && { echo "$t"; return 0; }
	done < <(grep -E "$2" "$(bg_log "xtr-$1")" 2>/dev/null)
	return 1
}
# demo_old_site_notified_ms FROM T_NOTIFY [EID/LEN]: when the old site learnt that the VM moved
# (its "moved away" log line: the Map-Notify that site B's own registration on the VM's
# announcement or the controller's register caused, whichever came first), else T_NOTIFY
demo_old_site_notified_ms() {
	# log times are truncated to the millisecond: the event happened before t + 1
	local t
	# not before the switchover (DEMO_MIG_T0, set just before it) or the register
	local re='(198\.51\.100\.5/32|2001:db8:100::5/128)'
	[ -n "${3:-}" ] && re=${3//./\\.}
	t=$(demo_log_first "$1" "EID $re moved away" \
		"${DEMO_MIG_T0:-$((${DEMO_REG_SENT:-$2} - 50))}") &&
		{ echo $((t + 1)); return 0; }
	echo "$2"
}

# demo_mode_settings MODE: what the mode configures, as JSON (printed with the results;
# docs/evaluation.md argues each choice)
demo_mode_settings() {
	local p=${DEMO_PROBE_INTERVAL:-0} s
	case $1 in
	ttl) s="host mappings in the global mapping system, TTL 1 min (the least a record can carry), ITRs cache for the TTL; the old site is not told (lisp-msd map-notify old-site=false), sends no SMR and re-encapsulates nothing; RLOC probing every $p s (timeout 1 s, 2 misses), re-resolve when every locator is down; PITR for the non-LISP client" ;;
	smr) s="host mappings in the global mapping system, TTL 1440 min (RFC 9301 default); Map-Notify to the old site, which SMRs the ITRs it saw in the last minute and re-encapsulates for 180 s; RLOC probing every $p s (timeout 1 s, 2 misses), re-resolve when every locator is down; PITR for the non-LISP client" ;;
	representative) s="host mappings in the local mapping system, pushed over iBGP (ADD-PATH, graceful restart) to the D-ETR; outside ITRs cache the aggregate -> D-ETR; Map-Notify to the old site (SMR, re-encapsulation as in smr); RLOC probing every $p s; the D-ETR is the PITR" ;;
	esac
	jq -n --arg m "$1" --arg s "$s" --argjson p "$p" --argjson reg "${DEMO_REG_INTERVAL:-10}" '{
		summary: $s,
		hostTtlMinutes: (if $m == "ttl" then 1 elif $m == "smr" then 1440 else null end),
		oldSiteNotified: ($m != "ttl"), smr: ($m != "ttl"), oldSiteReencapsulates: ($m != "ttl"),
		rlocProbing: {intervalS: $p, timeoutS: 1, retries: 2, reResolve: ($p > 0)},
		registerIntervalS: $reg,
		mappingDistribution: (if $m == "representative" then "BGP to the D-ETR" else "global mapping system" end)}'
}

# ------------------------------------------------------------------ many ITRs
# --scenario many (DEMO_MANY="ITRS VMS MOVING"): ITRS outside LISP sites, lean: one namespace
# each (o1 ...) holding its lisp-xtrd and the flow's endpoint (its EID 2001:db8:300:K::1 on
# lo, routed into the TUN), all on one LAN (namespace olan, a bridge) behind one access link
# of the "outside" class (192.0.2.128/26: the WAN router .129, site K .(129+K)); IPv6 EIDs,
# IPv4 RLOCs. VMs are addresses: the MOVING ones (2001:db8:100::5 and ::51 ...) on vm1
# behind the hypervisor, the others (::10 ...) on vm2 at site A. Each outside site first
# sends a few packets to every VM (its map-cache holds them all: one host entry each in the
# ttl and smr modes, the aggregate in representative), then runs one flow to a moving VM.
demo_many_rloc() { echo "192.0.2.$((129 + $1))"; }
demo_many_hosts() { # moving then staying host numbers (interface IDs ::N)
	local itrs vms moving i
	read -r itrs vms moving <<<"$DEMO_MANY"
	DEMO_MANY_MOVING_HOSTS="5"
	for ((i = 1; i < moving; i++)); do DEMO_MANY_MOVING_HOSTS+=" $((50 + i))"; done
	DEMO_MANY_STAYING_HOSTS=""
	for ((i = 0; i < vms - moving; i++)); do DEMO_MANY_STAYING_HOSTS+=" $((10 + i))"; done
}
demo_many_start() {
	local itrs vms moving k ns h
	read -r itrs vms moving <<<"$DEMO_MANY"
	demo_many_hosts
	NS[olan]=$(uname_ olan)
	netns_add "${NS[olan]}" || return 1
	demo_uplink olan "${NS[olan]}" || return 1
	ip -n "${NS[wan]}" addr add 192.0.2.129/26 dev w-olan
	bridge_add "${NS[olan]}" obr || return 1
	link_master "${NS[olan]}" wan obr
	for ((k = 1; k <= itrs; k++)); do
		NS[o$k]=$(uname_ "o$k")
		ns=${NS[o$k]}
		netns_add "$ns" || return 1
		veth_add "${NS[olan]}" "p$k" "$ns" wan || return 1
		link_master "${NS[olan]}" "p$k" obr
		ip -n "$ns" addr add "$(demo_many_rloc "$k")/26" dev wan
		ip -n "$ns" route add default via 192.0.2.129
		ip -n "$ns" -6 addr add "2001:db8:300:$k::1/128" dev lo
		cat >"$DEMO_DIR/xtr-o$k.xml" <<XML
<lisp-xtrd>
  <tun name="lisp0"/>
  <underlay native-forward-device="wan"/>
  <rloc address="$(demo_rloc_many_ip "$k")"/>
  <map-server address="192.0.2.18" key-id="1" algorithm="hmac-sha-256" secret-file="$DEMO_DIR/global.key"/>
  <map-resolver address="192.0.2.18" port="4343"/>
  <register interval="${DEMO_REG_INTERVAL:-10}"/>
  <map-cache negative-hold="1" queue-length="32"/>
$(demo_probing_xml)
  <cli address="127.0.0.1" port="2620"/>
  <log level="info"/>
  <database><mapping eid="2001:db8:300:$k::/64"/></database>
</lisp-xtrd>
XML
		start_bg -n "$ns" "xtr-o$k" "$DEMO_BIN/lisp-xtrd" -d -f "$DEMO_DIR/xtr-o$k.xml" || return 1
	done
	for ((k = 1; k <= itrs; k++)); do
		ns=${NS[o$k]}
		wait_until 10 ip -n "$ns" link show lisp0 >/dev/null 2>&1 || { echo "lisp-xtrd o$k: no TUN" >&2; return 1; }
		ip -n "$ns" -6 route replace 2001:db8:100::/64 dev lisp0 src "2001:db8:300:$k::1"
	done
	# the VMs: moving ones on vm1, the others on vm2 (site A), one echo per moving VM
	for h in $DEMO_MANY_MOVING_HOSTS; do
		[ "$h" = 5 ] || ip -n "${NS[vm1]}" addr add "2001:db8:100::$h/64" dev eth0 nodad
	done
	for h in $DEMO_MANY_STAYING_HOSTS; do
		ip -n "${NS[vm2]}" addr add "2001:db8:100::$h/64" dev eth0 nodad
	done
	# one echo bound to each moving VM's address (an unbound socket would answer ::5's
	# packets from another of vm1's addresses)
	for h in $DEMO_MANY_MOVING_HOSTS; do
		start_bg -n "${NS[vm1]}" "echo-$h" "$DEMO_FLOW" echo --port "$DEMO_PORT" \
			--bind "2001:db8:100::$h" --max-seconds 600 || return 1
	done
	# the VMs known where they are: registered by the controller (the moving ones at site A,
	# whose xTR takes them as local on the arrival Map-Notify)
	# shellcheck disable=SC2086
	demo_register sa $DEMO_MANY_MOVING_HOSTS $DEMO_MANY_STAYING_HOSTS || return 1
	for ((k = 1; k <= itrs; k++)); do
		wait_until 10 cli 2620 "${NS[o$k]}" show version >/dev/null || return 1
	done
}
demo_rloc_many_ip() { demo_many_rloc "$1"; }
demo_many_flows_set() {
	local itrs k
	read -r itrs _ <<<"$DEMO_MANY"
	DEMO_FLOWS=()
	for ((k = 1; k <= itrs; k++)); do DEMO_FLOWS+=("o$k"); done
}
# demo_many_warm: every outside site sends 3 packets to every VM (its map-cache fills)
demo_many_warm() {
	local itrs k all="" ok=0 pids=()
	read -r itrs _ <<<"$DEMO_MANY"
	all="$DEMO_MANY_MOVING_HOSTS $DEMO_MANY_STAYING_HOSTS"
	for ((k = 1; k <= itrs; k++)); do
		ip netns exec "${NS[o$k]}" timeout 20 python3 - "$k" "$DEMO_PORT" $all <<'PY' &
import socket, sys, time
k, port, hosts = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:300:%s::1" % k, 0))
for rnd in range(3):
    for h in hosts:
        s.sendto(b"warm", ("2001:db8:100::%s" % h, port))
    time.sleep(0.5)
PY
		pids+=($!)
	done
	wait "${pids[@]}"
	# the flows' own warm-up: each outside site's path to its moving VM answers
	demo_many_flows_start 100 100 warm
	demo_flows_wait warm 30 >/dev/null || ok=1
	return $ok
}
# demo_many_flows_start RATE COUNT [TAG]: outside site K sends to moving VM number K mod MOVING
demo_many_flows_start() {
	local rate=$1 count=$2 tag=${3:-run} k i h mv=()
	read -r -a mv <<<"$DEMO_MANY_MOVING_HOSTS"
	for ((i = 0; i < ${#DEMO_FLOWS[@]}; i++)); do
		k=${DEMO_FLOWS[i]#o}
		h=${mv[$(((k - 1) % ${#mv[@]}))]}
		start_bg -n "${NS[o$k]}" "flow-$tag-o$k" "$DEMO_FLOW" send \
			--to "[2001:db8:100::$h]:$DEMO_PORT" --bind "2001:db8:300:$k::1" --rate "$rate" \
			--count "$count" --name "o$k" --json --csv "$DEMO_DIR/flow-$tag-o$k.csv" \
			--linger-ms 1500
	done
}

# ================================================================== redundant layout
# demo.sh --redundant and the failure tests (tests/integration/detr_redundant.sh,
# detr_reflector.sh): the demo topology with a second D-ETR and a second local Map-Server,
# optionally a route reflector between them, and an edge router that learns where the
# D-ETRs are over BGP (docs/architecture.md "Redundant D-ETRs"). Call after demo_init and
# demo_topology; nothing above this section changes.
#
#   demo_redundant_init MODE [RR]   MODE anycast (the D-ETRs share RLOC 192.0.2.100 and
#                                   announce it with the aggregates to the edge router) or
#                                   locator-set (each registers the aggregate with its own
#                                   RLOC, priority 1 and 2, in the global mapping system;
#                                   the outside xTR probes them); RR=1: the Map-Servers and
#                                   the D-ETRs are clients of a BIRD 2 route reflector
#                                   (ADD-PATH, next hop kept) instead of peering directly
#   demo_redundant_topology         the links of detr2 (192.0.2.30), ms2 (192.0.2.34) and
#                                   rr (192.0.2.38); the anycast address on both D-ETRs;
#                                   the edge router: BIRD 2 in the wan namespace (AS 64999,
#                                   eBGP with each D-ETR over IPv4 and IPv6, best paths
#                                   into the kernel) instead of the static aggregate route
#   demo_redundant_dataplane        every daemon: local MS 1 and 2 (+ the local MR), global
#                                   MS/MR, sites A and B (registering with both local MSs),
#                                   the outside xTR, both D-ETRs; waits for the D-ETRs to
#                                   announce and to hold the VMs' mappings
#   demo_redundant_register ROLE H  the controller registers VM H with both local MSs
#   demo_redundant_flows_start R N TAG / _flows_finish TAG / _flows_wait TAG T
#                                   four flows: outside host and non-LISP client to vm1
#                                   and vm2 (echoed by each VM)
#   demo_redundant_active           which D-ETR the edge router sends the traffic to now
#   demo_redundant_wrong_site TAG   packets of the flows delivered at a site where the VM
#                                   is not (0 expected)
DEMO_RED_ROLES=(detr2 ms2 rr) # link indices 7, 8, 9 (after DEMO_ROLES' 0..6)
DEMO_ANYCAST=192.0.2.100
DEMO_EDGE_AS=64999
DEMO_RED_FLOWS=(out-vm1 out-vm2 cl-vm1 cl-vm2)

demo_redundant_init() {
	local r
	DEMO_RED_MODE=${1:-anycast}
	DEMO_RED_RR=${2:-0}
	for r in "${DEMO_RED_ROLES[@]}"; do
		NS[$r]=$(uname_ "$r")
	done
	# VM locations (demo_redundant_wrong_site): vm1 and vm2 start at site A
	declare -gA DEMO_VM_AT=([vm1]=sa [vm2]=sa)
	# site xTRs register with both local Map-Servers: wrap the single-layout generator
	if ! declare -F demo_xtr_conf_single >/dev/null; then
		eval "$(declare -f demo_xtr_conf | sed '1s/^demo_xtr_conf/demo_xtr_conf_single/')"
		demo_xtr_conf() {
			demo_xtr_conf_single "$@"
			case $2 in
			sa | sb)
				[ "${DEMO_RED_ONE_MS:-0}" = 1 ] ||
					sed -i "s|^\(  <map-server address=\"192.0.2.14\"\)\(.*\)$|\1\2\n  <map-server address=\"192.0.2.34\"\2|" "$1"
				;;
			oxtr)
				# locator set: the outside xTR fails over by RLOC probing, on here
				# when probing is off elsewhere (every 1 s, a 200-ms timeout)
				local p
				p=$(DEMO_PROBE_INTERVAL=1 DEMO_PROBE_TIMEOUT_MS=${DEMO_PROBE_TIMEOUT_MS:-200} demo_probing_xml)
				[ "${DEMO_RED_MODE:-}" = locator-set ] &&
					sed -i "s|^  <probing interval=\"0\"/>$|$p|" "$1"
				;;
			esac
			return 0
		}
	fi
}

# demo_red_addr ROLE [6]: the underlay address of a role of the redundant layout
demo_red_addr() {
	local i
	for i in "${!DEMO_RED_ROLES[@]}"; do
		if [ "${DEMO_RED_ROLES[i]}" = "$1" ]; then
			if [ "${2:-}" = 6 ]; then echo "2001:db8:ffff:$((i + 7))::2"; else echo "192.0.2.$((4 * (i + 7) + 2))"; fi
			return 0
		fi
	done
	if [ "${2:-}" = 6 ]; then
		for i in "${!DEMO_ROLES[@]}"; do
			[ "${DEMO_ROLES[i]}" = "$1" ] && { echo "2001:db8:ffff:$i::2"; return 0; }
		done
		return 1
	fi
	demo_rloc "$1"
}
# demo_red_gw ROLE [6]: the wan router's address on ROLE's link
demo_red_gw() {
	local a
	a=$(demo_red_addr "$@") || return 1
	if [ "${2:-}" = 6 ]; then echo "${a%::2}::1"; else echo "${a%.*}.$((${a##*.} - 1))"; fi
}

demo_redundant_topology() {
	local i r ns
	for i in "${!DEMO_RED_ROLES[@]}"; do
		r=${DEMO_RED_ROLES[i]}
		ns=${NS[$r]}
		netns_add "$ns" || return 1
		veth_add "${NS[wan]}" "w-$r" "$ns" wan || return 1
		ip -n "${NS[wan]}" addr add "$(demo_red_gw "$r")/30" dev "w-$r"
		ip -n "${NS[wan]}" addr add "$(demo_red_gw "$r" 6)/64" dev "w-$r" nodad
		ip -n "$ns" addr add "$(demo_red_addr "$r")/30" dev wan
		ip -n "$ns" addr add "$(demo_red_addr "$r" 6)/64" dev wan nodad
		ip -n "$ns" route add default via "$(demo_red_gw "$r")"
		ip -n "$ns" -6 route add default via "$(demo_red_gw "$r" 6)"
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.wan.rp_filter=0
	done
	# the edge router learns the aggregates (and the anycast RLOC) from the D-ETRs
	ip -n "${NS[wan]}" route del 198.51.100.0/24 2>/dev/null
	ip -n "${NS[wan]}" -6 route del 2001:db8:100::/64 2>/dev/null
	if [ "$DEMO_RED_MODE" = anycast ]; then
		for r in detr detr2; do
			ip -n "${NS[$r]}" addr add "$DEMO_ANYCAST/32" dev lo || return 1
		done
	fi
	demo_redundant_edge_conf >"$DEMO_DIR/bird-edge.conf"
	bird_start edge "$DEMO_DIR/bird-edge.conf" "${NS[wan]}" || return 1
	if [ "$DEMO_RED_RR" = 1 ]; then
		demo_redundant_rr_conf >"$DEMO_DIR/bird-rr.conf"
		bird_start rr "$DEMO_DIR/bird-rr.conf" "${NS[rr]}" || return 1
	fi
	return 0
}

# The edge router (wan namespace): eBGP AS 64999 with each D-ETR, over IPv4 and over IPv6;
# the best path of each prefix into the kernel (BIRD prefers the lower router ID: the
# traffic goes to the D-ETR 192.0.2.10 while both announce). No graceful restart: a session
# that goes takes its routes at once. Hold time 9 s (what catches a D-ETR that vanishes
# without closing its TCP connection, a host or link failure; BFD would be quicker).
demo_redundant_edge_conf() {
	local r n
	cat <<BIRD
log "$DEMO_DIR/bird-edge.log" all;
router id 192.0.2.1;
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { import none; export where source = RTS_BGP; }; }
protocol kernel k6 { ipv6 { import none; export where source = RTS_BGP; }; }
template bgp detr {
	debug { states, events };
	local as $DEMO_EDGE_AS;
	hold time 9;
	connect retry time 1;
	error wait time 1, 2;
	graceful restart off;
}
BIRD
	for r in detr detr2; do
		n=${r/detr/d}
		[ "$n" = d ] && n=d1
		cat <<BIRD
protocol bgp ${n}v4 from detr {
	neighbor $(demo_red_addr "$r") as 65000;
	source address $(demo_red_gw "$r");
	ipv4 { import all; export none; };
}
protocol bgp ${n}v6 from detr {
	neighbor $(demo_red_addr "$r" 6) as 65000;
	source address $(demo_red_gw "$r" 6);
	ipv6 { import all; export none; };
}
BIRD
	done
}

# The route reflector (rr namespace, 192.0.2.38): iBGP AS 65000, every Map-Server and D-ETR
# a client; ADD-PATH, next hop kept (the RLOC), graceful restart on (a restart of the
# reflector keeps the mappings at the D-ETRs: `birdc graceful restart`).
demo_redundant_rr_conf() {
	local r
	cat <<BIRD
log "$DEMO_DIR/bird-rr.log" all;
router id 192.0.2.38;
protocol device { scan time 10; }
protocol static { ipv4; route 0.0.0.0/0 unreachable; }
protocol static { ipv6; route ::/0 unreachable; }
template bgp cl {
	local 192.0.2.38 as 65000;
	rr client;
	rr cluster id 192.0.2.38;
	hold time 30;
	connect retry time 1;
	error wait time 1, 2;
	graceful restart on;
	ipv4 { import all; export where source = RTS_BGP; add paths on; next hop keep; gateway recursive; };
	ipv6 { import all; export where source = RTS_BGP; add paths on; next hop keep; gateway recursive; extended next hop on; };
}
BIRD
	for r in ms ms2 detr detr2; do
		echo "protocol bgp c_$r from cl { neighbor $(demo_red_addr "$r") as 65000; }"
	done
}

# The mapping peers of a D-ETR or a Map-Server: the other side of each mapping session.
demo_red_mapping_peers() { # ROLE: ms|ms2|detr|detr2
	local own=$1 p
	if [ "$DEMO_RED_RR" = 1 ]; then
		echo "    <peer address=\"192.0.2.38\" as=\"65000\" local=\"$(demo_red_addr "$own")\" hold-time=\"30\" connect-retry=\"1\" add-path=\"both\" graceful-restart=\"on\"/>"
		return 0
	fi
	case $own in
	ms | ms2)
		for p in detr detr2; do
			echo "    <peer address=\"$(demo_red_addr "$p")\" as=\"65000\" local=\"$(demo_red_addr "$own")\" hold-time=\"30\" passive=\"true\" add-path=\"both\" graceful-restart=\"on\"/>"
		done
		;;
	*)
		for p in ms ms2; do
			[ "$p" = ms2 ] && [ "${DEMO_RED_ONE_MS:-0}" = 1 ] && continue
			echo "    <peer address=\"$(demo_red_addr "$p")\" as=\"65000\" local=\"$(demo_red_addr "$own")\" hold-time=\"30\" connect-retry=\"1\" add-path=\"both\" graceful-restart=\"on\"/>"
		done
		;;
	esac
}

demo_red_ms_bgp_xml() { # ROLE (ms|ms2)
	local a
	a=$(demo_red_addr "$1")
	echo "  <bgp as=\"65000\" router-id=\"$a\">"
	[ "$DEMO_RED_RR" = 1 ] || echo "    <listen address=\"$a\" port=\"179\"/>"
	echo "    <graceful-restart time=\"120\"/>"
	demo_red_mapping_peers "$1"
	echo "  </bgp>"
}

# demo_red_detr_conf FILE ROLE: a redundant D-ETR. Anycast: <rloc>s its own address (the
# source of what it sends, Map-Registers, Map-Requests) and the shared 192.0.2.100
# (anycast="true"), with which the aggregates are registered; locator set: its own RLOC only, the aggregates
# registered with it at priority 1 (detr) or 2 (detr2), the global Map-Server merging both.
demo_red_detr_conf() {
	local f=$1 role=$2 own own6 loc prio=1
	own=$(demo_red_addr "$role")
	own6=$(demo_red_addr "$role" 6)
	loc=$DEMO_ANYCAST
	[ "$DEMO_RED_MODE" = locator-set ] && loc=$own
	[ "$role" = detr2 ] && [ "$DEMO_RED_MODE" = locator-set ] && prio=2
	{
		echo "<lisp-xtrd mode=\"representative\">"
		echo "  <tun name=\"lisp0\"/>"
		echo "  <underlay native-forward-device=\"wan\"/>"
		echo "  <rloc address=\"$own\"/>"
		[ "$DEMO_RED_MODE" = anycast ] && echo "  <rloc address=\"$DEMO_ANYCAST\" anycast=\"true\"/>"
		echo "  <map-server address=\"192.0.2.18\" key-id=\"1\" algorithm=\"hmac-sha-256\" secret-file=\"$DEMO_DIR/global.key\"/>"
		echo "  <map-resolver address=\"192.0.2.14\" port=\"4343\"/>"
		echo "  <register interval=\"10\"/>"
		echo "  <map-cache negative-hold=\"1\" queue-length=\"32\"/>"
		echo "  <probing interval=\"0\"/>"
		echo "  <cli address=\"127.0.0.1\" port=\"2620\" socket=\"$DEMO_DIR/xtr-$role.ctl\"/>"
		echo "  <log level=\"debug\"/>"
		echo "  <database>"
		if [ "$DEMO_RED_MODE" = anycast ]; then # registered with the anycast RLOC
			echo "    <mapping eid=\"198.51.100.0/24\"/><mapping eid=\"2001:db8:100::/64\"/>"
		else
			echo "    <mapping eid=\"198.51.100.0/24\"><locator address=\"$loc\" priority=\"$prio\" weight=\"100\"/></mapping>"
			echo "    <mapping eid=\"2001:db8:100::/64\"><locator address=\"$loc\" priority=\"$prio\" weight=\"100\"/></mapping>"
		fi
		echo "  </database>"
		echo "  <bgp as=\"65000\" router-id=\"$own\">"
		echo "    <graceful-restart time=\"120\"/>"
		demo_red_mapping_peers "$role"
		echo "    <peer address=\"$(demo_red_gw "$role")\" as=\"$DEMO_EDGE_AS\" local=\"$own\" role=\"underlay\" hold-time=\"9\" connect-retry=\"1\" families=\"ipv4\"/>"
		echo "    <peer address=\"$(demo_red_gw "$role" 6)\" as=\"$DEMO_EDGE_AS\" local=\"$own6\" role=\"underlay\" hold-time=\"9\" connect-retry=\"1\" families=\"ipv6\"/>"
		echo "  </bgp>"
		echo "  <announce withdraw-wait-ms=\"${DEMO_WITHDRAW_WAIT_MS:-500}\"/>"
		echo "</lisp-xtrd>"
	} >"$f"
}

demo_red_detr_start() { # ROLE (detr|detr2)
	local r=$1 ns=${NS[$1]}
	demo_red_detr_conf "$DEMO_DIR/xtr-$r.xml" "$r"
	start_bg -n "$ns" "xtr-$r" "$DEMO_BIN/lisp-xtrd" -d -f "$DEMO_DIR/xtr-$r.xml" || return 1
	wait_until 10 cli 2620 "$ns" show version || { echo "lisp-xtrd $r: no CLI" >&2; return 1; }
	wait_until 5 ip -n "$ns" link show lisp0 || return 1
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.lisp0.rp_filter=0 net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
	ip -n "$ns" route replace 198.51.100.0/24 dev lisp0
	ip -n "$ns" -6 route replace 2001:db8:100::/64 dev lisp0
}

demo_red_ms2_start() {
	demo_ms_conf "$DEMO_DIR/ms2.xml" "$DEMO_DIR/ms2.db" "$(demo_red_ms_bgp_xml ms2)"
	start_bg -n "${NS[ms2]}" ms2 "$DEMO_BIN/lisp-msd" -d -f "$DEMO_DIR/ms2.xml" || return 1
	wait_until 10 cli 2621 "${NS[ms2]}" show version
}

# demo_red_underlay ROLE: the D-ETR announces to the edge router (show statistics json)
demo_red_announcing() {
	cli 2620 "${NS[$1]}" show statistics json 2>/dev/null | jq -e '.underlay.announced' >/dev/null
}
demo_red_has() { # ROLE EID: the D-ETR holds EID's host mapping from BGP
	cli 2620 "${NS[$1]}" show map-cache "$2" json 2>/dev/null | jq -e '.source == "bgp"' >/dev/null
}
demo_red_has_at() { # ROLE EID RLOC: ... with that RLOC
	cli 2620 "${NS[$1]}" show map-cache "$2" json 2>/dev/null |
		jq -e --arg r "$3" '.source == "bgp" and .locators[0].address == $r' >/dev/null
}

demo_redundant_dataplane() {
	DEMO_DETR=1
	printf '%s\n' "$DEMO_MS_KEY" >"$DEMO_DIR/dc.key"
	printf '%s\n' "$DEMO_GMS_KEY" >"$DEMO_DIR/global.key"
	demo_cp_start "$(demo_red_ms_bgp_xml ms)" || return 1
	# locator set: the global Map-Server keeps both D-ETRs' RLOCs in one locator set
	if [ "$DEMO_RED_MODE" = locator-set ]; then
		sed -i 's|<site name="dc-aggregate" lifetime="refresh" proxy-reply="true">|<site name="dc-aggregate" lifetime="refresh" proxy-reply="true" merge="true">|' \
			"$DEMO_DIR/ms-global.xml"
		kill -HUP "$(bg_pid ms-global)"
	fi
	if [ "${DEMO_RED_ONE_MS:-0}" != 1 ]; then
		demo_red_ms2_start || return 1
	fi
	demo_xtr_start sa && demo_xtr_start sb && demo_xtr_start oxtr || return 1
	demo_red_detr_start detr && demo_red_detr_start detr2 || return 1
	wait_until 30 demo_red_announcing detr && wait_until 30 demo_red_announcing detr2 || {
		echo "the D-ETRs do not announce to the edge router" >&2
		return 1
	}
	demo_announce vm1 5 "$DEMO_VM1MAC"
	demo_announce vm2 6 "$DEMO_VM2MAC"
	demo_redundant_register sa 5 6 || return 1
	local r
	for r in detr detr2; do
		wait_until 10 demo_red_has "$r" 198.51.100.5 && wait_until 10 demo_red_has "$r" 198.51.100.6 ||
			return 1
	done
	# the edge router routes the anycast RLOC (or the aggregate) to a D-ETR
	wait_until 10 demo_redundant_active >/dev/null
}

# demo_redundant_register ROLE HOST...: the controller registers the VMs with the RLOC of site
# ROLE at both local Map-Servers (each independently, at the same time); DEMO_REG_RC is 0
# when at least one acknowledged, DEMO_REG_RCS the two exit codes (MS 1, MS 2).
demo_redundant_register() {
	local role=$1 h eids=() ms out1 out2 p1 p2 rc1 rc2
	shift
	for h in "$@"; do
		eids+=(--eid "198.51.100.$h/32" --eid "2001:db8:100::$h/128")
	done
	out1=$DEMO_DIR/register-ms1.json out2=$DEMO_DIR/register-ms2.json
	ip netns exec "${NS[ms]}" timeout 10 "$DEMO_BIN/lisp-register" --ms 192.0.2.14:4342 \
		--key-file "$DEMO_DIR/dc.key" --key-id 1 --alg sha256 "${eids[@]}" \
		--rloc "$(demo_rloc "$role")" --json >"$out1" 2>>"$DEMO_DIR/register.err" &
	p1=$!
	if [ "${DEMO_RED_ONE_MS:-0}" = 1 ]; then
		(exit 9) &
	else
		ip netns exec "${NS[ms]}" timeout 10 "$DEMO_BIN/lisp-register" --ms 192.0.2.34:4342 \
			--key-file "$DEMO_DIR/dc.key" --key-id 1 --alg sha256 "${eids[@]}" \
			--rloc "$(demo_rloc "$role")" --json >"$out2" 2>>"$DEMO_DIR/register.err" &
	fi
	p2=$!
	wait "$p1"
	rc1=$?
	wait "$p2"
	rc2=$? # 9: no Map-Server 2 (DEMO_RED_ONE_MS)
	DEMO_REG_RCS="$rc1 $rc2"
	DEMO_REG_RC=1
	[ "$rc1" = 0 ] || [ "$rc2" = 0 ] && DEMO_REG_RC=0
	for h in "$@"; do
		[ "$h" = 5 ] && DEMO_VM_AT[vm1]=$role
		[ "$h" = 6 ] && DEMO_VM_AT[vm2]=$role
	done
	return "$DEMO_REG_RC"
}

# demo_redundant_active [6]: the D-ETR (detr|detr2) the edge router sends the outside site's
# traffic to (anycast: the route of the anycast RLOC; locator set: of the aggregate)
demo_redundant_active() {
	local dst=$DEMO_ANYCAST via
	[ "$DEMO_RED_MODE" = locator-set ] && dst=198.51.100.5
	via=$(ip -n "${NS[wan]}" route get "$dst" 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "via") { print $(i + 1); exit } }')
	case $via in
	"$(demo_red_addr detr)") echo detr ;;
	"$(demo_red_addr detr2)") echo detr2 ;;
	*) return 1 ;;
	esac
}

# demo_redundant_receivers SECONDS: an echo on each VM, a tap on each site's VM bridge
demo_redundant_receivers() {
	local maxs=${1:-300}
	demo_start_receivers "$maxs" || return 1
	start_bg -n "${NS[vm2]}" echo-vm2 "$DEMO_FLOW" echo --port "$DEMO_PORT" \
		--log "$DEMO_DIR/echo-vm2.txt" --max-seconds "$maxs"
	wait_until 5 grep -q ready "$(bg_log echo-vm2)"
}

# demo_redundant_flows_start RATE COUNT TAG [V6]: the four flows
demo_redundant_flows_start() {
	local rate=$1 count=$2 tag=$3 v6=${4:-0} f ns h dst
	for f in "${DEMO_RED_FLOWS[@]}"; do
		case $f in
		out-*) ns=${NS[oh]} ;;
		cl-*) ns=${NS[cl]} ;;
		esac
		h=5
		[ "${f#*-}" = vm2 ] && h=6
		if [ "$v6" = 1 ]; then dst="[2001:db8:100::$h]:$DEMO_PORT"; else dst="198.51.100.$h:$DEMO_PORT"; fi
		start_bg -n "$ns" "flow-$tag-$f" "$DEMO_FLOW" send --to "$dst" --rate "$rate" \
			--count "$count" --name "$f" --json --csv "$DEMO_DIR/flow-$tag-$f.csv" \
			--linger-ms 1500
	done
}
demo_redundant_flows_echoed() { # TAG N: every flow has N echoes
	local f n
	for f in "${DEMO_RED_FLOWS[@]}"; do
		n=$(grep -c '^[0-9]' "$DEMO_DIR/flow-$1-$f.csv" 2>/dev/null) || return 1
		[ "$n" -ge "$2" ] || return 1
	done
}
demo_redundant_flows_finish() {
	local f p
	for f in "${DEMO_RED_FLOWS[@]}"; do
		p=$(bg_pid "flow-$1-$f")
		[ -n "$p" ] && kill -USR1 "$p" 2>/dev/null
	done
	return 0
}
demo_redundant_flows_wait() { # TAG TIMEOUT: results in $DEMO_DIR/flows-TAG.json
	local saved=("${DEMO_FLOWS[@]}") rc
	DEMO_FLOWS=("${DEMO_RED_FLOWS[@]}")
	demo_flows_wait "$@"
	rc=$?
	DEMO_FLOWS=("${saved[@]}")
	return $rc
}

# demo_redundant_wrong_site TAG AFTER_MS: packets of TAG's flows seen leaving a site's VM
# bridge after AFTER_MS at a site where their VM is not (DEMO_VM_AT)
demo_redundant_wrong_site() {
	local n=0 k s vm
	for s in sa sb; do
		for vm in vm1 vm2; do
			[ "${DEMO_VM_AT[$vm]}" = "$s" ] && continue
			k=$(awk -v t="$2" -v v="$vm" '$1 !~ /^#/ && $2 == "out" && $1 >= t && $6 ~ ("-" v "$") { n++ } END { print n + 0 }' \
				"$DEMO_DIR/tap-$s.txt")
			n=$((n + k))
		done
	done
	echo "$n"
}

# demo_redundant_edge_ms PROTO AFTER_MS: epoch ms of the edge router's first log line about
# session PROTO (d1v4, d2v4...) leaving Established at or after AFTER_MS (when it noticed)
demo_redundant_edge_ms() {
	local l t
	while IFS= read -r l; do
		t=$(date -d "${l:0:23}" +%s%3N 2>/dev/null) || continue
		[ "$t" -ge "$2" ] && { echo "$t"; return 0; }
	done < <(grep -E "$1: (State changed to (stop|flush|down)|.*(Connection (lost|closed)|Received: ))" 		"$DEMO_DIR/bird-edge.log" 2>/dev/null)
	return 1
}

# demo_redundant_loss TAG: "flow lost gapMs" per flow
demo_redundant_loss() {
	jq -r '.[] | "\(.name) \(.lost) \(.longestGapMs)"' "$DEMO_DIR/flows-$1.json"
}

# demo_redundant_warm: short flows until every one is answered (every cache on the paths
# filled); a VM whose flows get no echo announces itself again (a loaded machine has been
# seen to lose the first announcement). 1 when a flow still gets none after 3 tries.
demo_redundant_warm() {
	local i
	for i in 1 2 3; do
		demo_redundant_flows_start 200 200 "warm$i"
		demo_redundant_flows_wait "warm$i" 30 >/dev/null
		jq -e 'all(.[]; (.received // 0) > 0)' "$DEMO_DIR/flows-warm$i.json" >/dev/null && return 0
		demo_announce vm1 5 "$DEMO_VM1MAC"
		demo_announce vm2 6 "$DEMO_VM2MAC"
		sleep 1
	done
	return 1
}

# demo_redundant_run RATE SECONDS: the demo on the redundant layout (demo.sh --redundant):
# the four flows run SECONDS, with the events of DEMO_RED_SCENARIO:
#   kill-migrate (default)  the D-ETR carrying the traffic killed (kill -9) at 1/3, vm1
#                           migrated from site A to site B at 2/3 (the controller registers
#                           with both Map-Servers)
#   kill                    the kill at 1/3 only            (bench/run-detr-failover.sh)
#   none                    no event                         (its baseline)
#   mskill-migrate          Map-Server 1 killed (kill -9) just before the migration at 1/2
#   migrate                 the migration at 1/2 only       (bench/run-ms-failover.sh, with
#                           DEMO_RED_ONE_MS=1 for its one-Map-Server baseline)
# Writes $DEMO_DIR/result.json: per flow sent, received, lost, longest gap; the events in ms;
# the convergence (the switchover -> both D-ETRs' entry of vm1 changed); the packets delivered at a
# wrong site. Call after demo_redundant_dataplane.
demo_redundant_run() {
	local rate=$1 secs=$2 sc=${DEMO_RED_SCENARIO:-kill-migrate} t0 t_kill="" t_moved="" t_edge=""
	local t_reg="" t_b="" victim="" other="" wrong t_old="" t_conv="" conv="" r t
	demo_redundant_receivers $((secs + 60)) || return 1
	DEMO_ANNOUNCER_SECONDS=$((secs + 60)) demo_announcer_start vm1 5 "$DEMO_VM1MAC" || true
	demo_redundant_warm || dlog "warm-up: a flow still gets no echo (see flows-warm*.json)"
	dlog "four flows, $rate packets/s each, $secs s: outside host and non-LISP client to vm1 (site A) and vm2 (site A); events: $sc"
	demo_redundant_flows_start "$rate" $((rate * secs)) run
	t0=$(demo_ms)
	case $sc in
	kill | kill-migrate)
		wait_until 30 demo_redundant_flows_echoed run $((rate * secs / 3)) || dlog "the flows started late"
		victim=$(demo_redundant_active) || victim=detr
		other=detr2
		[ "$victim" = detr2 ] && other=detr
		t_kill=$(demo_ms)
		local vp
		vp=$(bg_pid "xtr-$victim")
		{ kill -KILL "$vp" && wait "$vp"; } 2>/dev/null # (no job report)
		dlog "kill -9 of the D-ETR carrying the traffic ($victim, $(demo_red_addr "$victim"))"
		wait_until 5 eval '[ "$(demo_redundant_active)" = "$other" ]' &&
			dlog "the edge router's kernel route moved to $other ($(demo_red_addr "$other"))"
		t_edge=$(demo_redundant_edge_ms "$([ "$victim" = detr ] && echo d1v4 || echo d2v4)" "$t_kill") || t_edge=""
		;;
	esac
	case $sc in
	kill-migrate | mskill-migrate | migrate)
		if [ "$sc" = kill-migrate ]; then
			wait_until 30 demo_redundant_flows_echoed run $((rate * secs * 2 / 3 - rate / 2)) || true
		else
			wait_until 30 demo_redundant_flows_echoed run $((rate * secs / 2)) || true
		fi
		if [ "$sc" = mskill-migrate ]; then
			t_kill=$(demo_ms)
			r=$(bg_pid ms-local)
			{ kill -KILL "$r" && wait "$r"; } 2>/dev/null
			dlog "kill -9 of Map-Server 1 (192.0.2.14) just before the migration"
		fi
		DEMO_MIG_T0=$(demo_ms)
		demo_switchover a b || dlog "switchover: the announcer helper did not move the uplink"
		t_moved=${DEMO_MOVED_MS:-$DEMO_MIG_T0}
		t_reg=$(demo_ms)
		demo_redundant_register sb 5
		dlog "migration: vm1 to site B, lisp-register exit $DEMO_REG_RCS"
		;;
	esac
	demo_redundant_flows_wait run $((secs + 30)) || dlog "a sender did not finish in time"
	wrong=$(awk -v t="$t0" '$1 !~ /^#/ && $2 == "out" && $1 >= t && $6 ~ /-vm2$/ { n++ } END { print n + 0 }' "$DEMO_DIR/tap-sb.txt")
	if [ -n "$t_moved" ]; then
		t_b=$(awk -v t="$t_moved" '$1 !~ /^#/ && $2 == "out" && $1 >= t && $6 ~ /-vm1$/ { printf "%.0f\n", $1; exit }' "$DEMO_DIR/tap-sb.txt")
		t_old=$(demo_old_site_notified_ms sa "$t_reg" 198.51.100.5/32)
		wrong=$((wrong + $(awk -v t="$t_old" '$1 !~ /^#/ && $2 == "out" && $1 >= t && $6 ~ /-vm1$/ { n++ } END { print n + 0 }' "$DEMO_DIR/tap-sa.txt")))
		# convergence: both (surviving) D-ETRs hold the new mapping
		for r in detr detr2; do
			bg_alive "xtr-$r" || continue
			t=$(demo_xtr_updated_ms "$r" "$t_moved" 198.51.100.5)
			[ -n "$t" ] || { t_conv=""; break; }
			[ -z "$t_conv" ] || [ "$t" -gt "$t_conv" ] && t_conv=$t
		done
		# from the switchover: the VM announces itself then and site B's xTR registers it,
		# usually before the controller's lisp-register
		[ -n "$t_conv" ] && conv=$((t_conv - t_moved))
	else
		wrong=$((wrong + $(awk -v t="$t0" '$1 !~ /^#/ && $2 == "out" && $1 >= t && $6 ~ /-vm1$/ { n++ } END { print n + 0 }' "$DEMO_DIR/tap-sb.txt")))
	fi
	rel() { [ -n "${1:-}" ] && [ -n "${t_kill:-}" ] && echo $(($1 - t_kill)) || echo null; }
	jq -n --slurpfile flows "$DEMO_DIR/flows-run.json" --arg mode "$DEMO_RED_MODE" \
		--arg sc "$sc" --arg victim "$victim" --arg other "$other" --argjson rate "$rate" \
		--argjson edge "$(rel "$t_edge")" --argjson moved "$(rel "$t_moved")" \
		--argjson reg "$(rel "$t_reg")" --argjson firstb "$(rel "$t_b")" \
		--argjson conv "${conv:-null}" --argjson onems "${DEMO_RED_ONE_MS:-0}" \
		--argjson wrong "$wrong" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '{
		layout: ("redundant D-ETRs, " + $mode + (if $onems == 1 then ", one Map-Server" else "" end)),
		scenario: $sc, ratePps: $rate, killed: $victim, takeover: $other, loadAverage: $load,
		flows: [$flows[0][] | {name, sent, received, lost, longestGapMs}],
		timelineMsFromKill: {edgeRouterSawSessionEnd: $edge, uplinkMoved: $moved,
			registered: $reg, firstDeliveredAtB: $firstb},
		convergenceMs: $conv,
		deliveredAtWrongSite: $wrong}' >"$DEMO_DIR/result.json"
}

# demo_redundant_main MODE RATE SECONDS JSON: demo.sh --redundant after demo_topology:
# prints the result (JSON on fd 3 with JSON=1, else a table on fd 3)
demo_redundant_main() {
	local mode=$1 rate=$2 secs=$3 json=$4 r
	[ "$DEMO_MODE" = lisp ] || { echo "demo.sh --redundant: the LISP daemons are not all built: ${DEMO_INACTIVE[*]}" >&2; return 1; }
	command -v "${BIRD:-bird}" >/dev/null || [ -x /usr/sbin/bird ] ||
		{ echo "demo.sh --redundant: needs BIRD 2 (bird2) as the edge router" >&2; return 1; }
	demo_redundant_init "$mode"
	demo_redundant_topology || { echo "demo.sh: redundant topology failed" >&2; return 1; }
	dlog "redundant layout ($mode): D-ETRs $(demo_red_addr detr) and $(demo_red_addr detr2)$([ "$mode" = anycast ] && echo ", anycast RLOC $DEMO_ANYCAST"), local Map-Servers 192.0.2.14 and 192.0.2.34, BIRD 2 edge router"
	demo_redundant_dataplane || { echo "demo.sh: the LISP daemons did not come up (logs: $T_TMP)" >&2; return 1; }
	dlog "both D-ETRs fit and announcing to the edge router; the traffic goes to $(demo_redundant_active)"
	demo_redundant_run "$rate" "$secs" || return 1
	r=$DEMO_DIR/result.json
	if [ "$json" = 1 ]; then
		cat "$r" >&3
		return 0
	fi
	{
		echo
		echo "== results ($(jq -r .layout "$r"), $rate packets/s per flow, load $(jq -r .loadAverage "$r"))"
		case $(jq -r .scenario "$r") in
		kill-migrate) echo "   $(jq -r .killed "$r") killed (kill -9) at 1/3, $(jq -r .takeover "$r") took over; vm1 migrated A -> B at 2/3" ;;
		*) echo "   events: $(jq -r .scenario "$r")" ;;
		esac
		jq -r '.flows[] | "  flow \(.name | . + " " * (8 - length)) sent \(.sent)  received \(.received)  lost \(.lost)  longest gap \(.longestGapMs) ms"' "$r"
		echo "== timeline (ms after the kill)"
		jq -r '.timelineMsFromKill | to_entries[] | "  \(.key | . + " " * (26 - length)) \(.value // "n/a")"' "$r"
		jq -r '"  convergence (switchover -> both D-ETRs updated): \(.convergenceMs // "n/a") ms"' "$r"
		jq -r '"  packets delivered at a site where their VM was not: \(.deliveredAtWrongSite)"' "$r"
	} >&3
}
