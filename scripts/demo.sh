#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# scripts/demo.sh - the multi-site live-migration demo (README "Quick start"), one command on
# a fresh Debian 12 as root: installs what is missing (scripts/deps.sh demo), builds into
# build-demo/ (-O2, no sanitizers), builds the topology of scripts/demo-lib.sh in network
# namespaces with unique names, starts three flows to a VM in site A, live-migrates the VM
# to site B (hypervisor uplink moved without carrier loss, GARP + unsolicited NA,
# lisp-register by the "controller"), prints per-flow loss and gaps and the control-plane
# timeline, and removes everything it created (also on Ctrl-C or failure).
#
#   ./scripts/demo.sh [--delay MS] [--rate PPS] [--seconds S] [--ipv6] [--plot FILE.svg]
#                     [--json] [--keep] [--no-build] [--classic] [--redundant[=locator-set]]
# --delay: one-way delay added by the WAN router on every site link (tc netem), default 0
# --json: one JSON object on stdout (progress goes to stderr)
# --keep: keep the logs directory (printed at the end)
# --classic: no D-ETR, no BGP: host mappings in the global mapping system, TTL caches + SMR
# --redundant: two D-ETRs (anycast RLOC announced to a BIRD 2 edge router) and two local
#   Map-Servers; four flows, the active D-ETR killed at 1/3, the VM migrated at 2/3
#   (=locator-set: each D-ETR registers its own RLOC, the outside xTR probes them)
# Parts whose daemon is not built yet are reported as not active; no number is invented.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
demo_argv=("$@")

delay=0 rate=200 seconds=10 v6=0 plot="" json=0 keep=0 build=1 classic=0 redundant=""
usage() {
	sed -n '10,16p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}
while [ $# -gt 0 ]; do
	case $1 in
	--delay) delay=${2:?}; shift ;;
	--rate) rate=${2:?}; shift ;;
	--seconds) seconds=${2:?}; shift ;;
	--ipv6) v6=1 ;;
	--plot) plot=${2:?}; shift ;;
	--json) json=1 ;;
	--keep) keep=1 ;;
	--no-build) build=0 ;;
	--classic) classic=1 ;;
	--redundant) redundant=anycast ;;
	--redundant=anycast | --redundant=locator-set) redundant=${1#--redundant=} ;;
	-h | --help) usage 0 ;;
	*) echo "demo.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
for v in "$delay" "$rate" "$seconds"; do
	[[ $v =~ ^[0-9]+$ ]] || { echo "demo.sh: numbers expected" >&2; exit 2; }
done
[ "$rate" -ge 1 ] && [ "$rate" -le 20000 ] || { echo "demo.sh: --rate 1..20000" >&2; exit 2; }
[ "$seconds" -ge 4 ] && [ "$seconds" -le 120 ] || { echo "demo.sh: --seconds 4..120" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (network namespaces)" >&2; exit 1; }
if [ "$json" = 1 ]; then exec 3>&1 1>&2; else exec 3>&1; fi
[ -n "$plot" ] && case $plot in /*) ;; *) plot="$PWD/$plot" ;; esac

# ------------------------------------------------------------------ deps and build
bdir=${DEMO_BUILDDIR:-$top/build-demo} # DEMO_BUILDDIR: use another build tree
if [ "$build" = 1 ]; then
	"$top/scripts/deps.sh" demo || exit 1
	echo "== building in $bdir (-O2)"
	(cd "$top" && autoreconf -fi >/dev/null 2>&1) || { echo "autoreconf failed" >&2; exit 1; }
	mkdir -p "$bdir"
	if [ ! -f "$bdir/Makefile" ]; then
		(cd "$bdir" && "$top/configure" -q CFLAGS="-O2 -g" >configure.out 2>&1) ||
			{ tail -20 "$bdir/configure.out" >&2; exit 1; }
	fi
	(cd "$bdir" && make -j"$(nproc)" >make.out 2>&1) ||
		{ tail -30 "$bdir/make.out" >&2; echo "demo.sh: the build failed (see $bdir/make.out)" >&2; exit 1; }
fi
[ -x "$bdir/lisp-flow" ] || { echo "demo.sh: $bdir/lisp-flow missing (build failed?)" >&2; exit 1; }
# The demo runs in a network namespace of its own (as every integration test, lib.sh), so
# nothing a daemon sends can leave the machine. lib.sh would re-execute this script without
# its options; do it here, after the packages and the build, with the options and --no-build.
if [ -z "${LISP_TEST_NETNS_ISOLATED:-}" ]; then
	export LISP_TEST_NETNS_ISOLATED=1 DEMO_BUILDDIR=$bdir
	exec 1>&3 3>&-
	exec unshare --net -- bash "$0" "${demo_argv[@]}" --no-build
	echo "demo.sh: cannot run in a network namespace of its own (unshare)" >&2
	exit 1
fi
ip link set lo up 2>/dev/null

# ------------------------------------------------------------------ topology
# lib.sh: unique names, namespaces, processes by PID, cleanup in its EXIT trap; the demo
# replaces the trap's test summary with its own teardown.
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
. "$top/scripts/demo-lib.sh"
demo_done=0
demo_exit() {
	local rc=$?
	[ "$demo_done" = 1 ] && return
	demo_done=1
	T_FINISHED=1
	_t_cleanup
	if [ "$keep" = 1 ] || [ $rc -ne 0 ]; then
		echo "== logs kept in $T_TMP"
	else
		rm -rf "$T_TMP"
	fi
	exit $rc
}
trap demo_exit EXIT
trap 'echo "== interrupted, tearing down"; exit 130' INT
trap 'exit 143' TERM
for c in ip bridge jq arping python3; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || { echo "demo.sh: needs $c" >&2; exit 1; }
done

DEMO_CLASSIC=$classic demo_init "$bdir"
DEMO_T0=$(demo_ms)
dlog "topology: namespaces ${NS[wan]} ... (prefix $T_PFX), logs in $T_TMP"
demo_topology "$delay" || { echo "demo.sh: topology failed" >&2; exit 1; }
if [ -n "$redundant" ]; then
	demo_redundant_main "$redundant" "$rate" "$seconds" "$json"
	exit $?
fi
if [ "$DEMO_MODE" = lisp ]; then
	demo_dataplane_lisp || { echo "demo.sh: the LISP daemons did not come up (logs: $T_TMP)" >&2; exit 1; }
	dlog "LISP: local + global lisp-msd/lisp-mrd, lisp-xtrd at sites A and B, the D-ETR and the outside site"
elif [ "$DEMO_MODE" = classic ]; then
	demo_dataplane_classic || { echo "demo.sh: the LISP daemons did not come up (logs: $T_TMP)" >&2; exit 1; }
	dlog "LISP, CLASSIC: global lisp-msd/lisp-mrd only (host mappings there), lisp-xtrd at sites A and B, a PITR (no BGP) and the outside site; caches by TTL, moves by SMR"
elif [ "$DEMO_MODE" = xtr ]; then
	demo_dataplane_xtr || { echo "demo.sh: the LISP daemons did not come up (logs: $T_TMP)" >&2; exit 1; }
	DEMO_FLOWS=(outside vm2)
	dlog "LISP without the D-ETR: ${DEMO_INACTIVE[*]}"
else
	dlog "DATA PLANE: STAND-IN (static routes moved by this script), NOT LISP: ${DEMO_INACTIVE[*]}"
	demo_dataplane_static
	if [ "$DEMO_CP" = 1 ]; then
		demo_ms_start || { echo "demo.sh: lisp-msd did not start (logs: $T_TMP)" >&2; exit 1; }
		demo_register sa 5 6 || { echo "demo.sh: initial registration failed" >&2; exit 1; }
		dlog "control plane: lisp-msd (local Map-Server) up, VMs .5/.6 registered with site A's RLOC"
	fi
fi
demo_start_receivers $((seconds + 60)) || { echo "demo.sh: lisp-flow echo/tap did not start" >&2; exit 1; }
# the VM's announcement at resume (GARP + unsolicited NA) comes from a helper started now,
# as QEMU sends it without starting a process at switchover
DEMO_ANNOUNCER_SECONDS=$((seconds + 60)) demo_announcer_start vm1 5 "$DEMO_VM1MAC" ||
	dlog "announcer helper did not start: arping + python at the migration instead"

# ------------------------------------------------------------------ flows + migration
count=$((rate * seconds))
migrate_after_ms=$((seconds * 1000 * 2 / 5))
dlog "three flows to the VM ($([ "$v6" = 1 ] && echo 2001:db8:100::5 || echo 198.51.100.5)), $rate packets/s each, $count packets"
demo_flows_start "$rate" "$count" "$v6" run
sleep "$(awk -v m="$migrate_after_ms" 'BEGIN { printf "%.3f", m / 1000 }')"

dlog "migration: hypervisor uplink moved from site A to site B (no carrier loss)"
# the VM resumes at B and announces itself (GARP, unsolicited NA); then the controller runs
# lisp-register; site B's xTR also registers the VM when it sees the announcement
t_uplink=$(demo_ms)
DEMO_MIG_T0=$t_uplink
demo_switchover a b || dlog "switchover: the announcer helper did not move the uplink"
echo "${DEMO_MOVED_MS:-$t_uplink}" >"$DEMO_DIR/moved-ms" # for bench/run-migration.sh
t_announce=""
t_reg="" t_notify="" reg_rc=""
if [ "$DEMO_MODE" != static ]; then
	demo_register sb
	reg_rc=$DEMO_REG_RC t_reg=$DEMO_REG_SENT t_notify=$DEMO_REG_NOTIFY
	dlog "controller: lisp-register --rloc $(demo_rloc sb) exit $reg_rc"
elif [ "$DEMO_CP" = 1 ]; then
	demo_register sb 5
	reg_rc=$DEMO_REG_RC t_reg=$DEMO_REG_SENT t_notify=$DEMO_REG_NOTIFY
	dlog "controller: lisp-register --rloc $(demo_rloc sb) exit $reg_rc (Map-Notify after $((t_notify - t_reg)) ms)"
	# stand-in for what lisp-xtrd does on the Map-Notify: host routes leave A, appear at B
	demo_static_host sa 5 del
	demo_static_host sb 5 add
	dlog "stand-in data plane: host routes moved to site B after the Map-Notify (no BGP, no D-ETR)"
else
	t_reg=$(demo_ms)
	demo_static_host sa 5 del
	demo_static_host sb 5 add
	dlog "stand-in controller: host routes moved to site B (no Map-Register, no Map-Notify, no BGP)"
fi

[ -n "${DEMO_MOVED_MS:-}" ] && t_uplink=$DEMO_MOVED_MS # when the move was done
dlog "the VM announced itself at site B (GARP, unsolicited NA)"
t_announce=$(awk '/^announced/ { print $2; exit }' "$(bg_log announce-vm1)" 2>/dev/null)
demo_flows_wait run $((seconds + 30)) || dlog "a sender did not finish in time"
dlog "flows done"
sleep 0.3
demo_dump end

# ------------------------------------------------------------------ results
t_detr="" t_old="" t_pitr="" t_outside="" t_sitereg=""
vm_eid=$([ "$v6" = 1 ] && echo 2001:db8:100::5 || echo 198.51.100.5)
[ "$DEMO_MODE" = lisp ] && t_detr=$(demo_detr_updated_ms "$t_uplink" "$vm_eid")
# classic: the PITR's and the outside xTR's host entries (representative: the outside xTR
# caches only the aggregate, so there is nothing to update)
[ "$DEMO_MODE" = classic ] && t_pitr=$(demo_xtr_updated_ms detr "$t_uplink" "$vm_eid")
[ "$DEMO_MODE" != static ] && t_outside=$(demo_xtr_updated_ms oxtr "$t_uplink" "$vm_eid")
# site B's xTR registers the VM as soon as it sees it (its log line "arrived"; lisp-xtrd sends
# the Map-Register at once): often the first registration of the new location
[ "$DEMO_MODE" != static ] && t_sitereg=$(demo_log_first sb "site: $vm_eid arrived" "$DEMO_MIG_T0")
# the D-ETR's log line for the first BGP UPDATE after the first registration of the new RLOC
# (the same clock as the other log lines; changedUnixMs comes from lisp-xtrd's own
# monotonic-to-wall offset, which runs a few ms late: see bench/run-migration.sh)
t_detr_rx=""
if [ "$DEMO_MODE" = lisp ]; then
	t_first_reg=$t_reg
	[ -n "$t_sitereg" ] && { [ -z "$t_first_reg" ] || [ "$t_sitereg" -lt "$t_first_reg" ]; } && t_first_reg=$t_sitereg
	[ -n "$t_first_reg" ] && t_detr_rx=$(demo_log_first detr "UpdateMsg in Established" "$t_first_reg")
fi
[ "$DEMO_MODE" != static ] && t_old=$(demo_old_site_notified_ms sa "" "$([ "$v6" = 1 ] && echo 2001:db8:100::5/128 || echo 198.51.100.5/32)")
t_first_b=$(demo_tap_first "$DEMO_DIR/tap-sb.txt" "$t_uplink")
ms_rel() { [ -n "$1" ] && [ -n "$t_reg" ] && echo $(($1 - t_reg)) || echo null; }
notify_rel=$(ms_rel "$t_notify")
at_a_after=null
# after site A learnt that the VM moved (the first Map-Notify it got), else the controller's
[ -n "$t_notify" ] && at_a_after=$(demo_tap_count "$DEMO_DIR/tap-sa.txt" "${t_old:-$t_notify}")
[ "$DEMO_MODE" = static ] && [ -z "$t_notify" ] && at_a_after=$(demo_tap_count "$DEMO_DIR/tap-sa.txt" "$t_reg")
cp_desc="none (lisp-msd / lisp-register not built)"
[ "$DEMO_CP" = 1 ] && cp_desc="lisp-msd + lisp-register (Map-Register/Map-Notify real)"
[ "$DEMO_MODE" = xtr ] && cp_desc="lisp-msd, lisp-mrd (local and global), lisp-register; no BGP"
[ "$DEMO_MODE" = lisp ] && cp_desc="lisp-msd, lisp-mrd, lisp-register, BGP to the D-ETR"
[ "$DEMO_MODE" = classic ] && cp_desc="classic: global lisp-msd + lisp-mrd hold the host mappings, lisp-register; no BGP, TTL caches, SMR"
smr_json=$(jq -n --slurpfile a "$DEMO_DIR/stats-sa-end.json" \
	--slurpfile o "$DEMO_DIR/stats-oxtr-end.json" '{oldSiteSent: $a[0].control.smrSent,
	outsideReceived: $o[0].control.smrReceived, outsideInvokedRequests: $o[0].control.smrInvokedRequests}' 2>/dev/null) ||
	smr_json=null
[ -n "$smr_json" ] || smr_json=null
inactive_json=$(printf '%s\n' "${DEMO_INACTIVE[@]}" | jq -R . | jq -s 'map(select(length > 0))')
result=$(jq -n --slurpfile flows "$DEMO_DIR/flows-run.json" \
	--arg mode "$DEMO_MODE" --arg cp "$cp_desc" --argjson inactive "$inactive_json" \
	--argjson delay "$delay" --argjson applied "$DEMO_DELAY_APPLIED" --argjson rate "$rate" \
	--argjson v6 "$v6" --argjson uplink "$(ms_rel "$t_uplink")" \
	--argjson announce "$(ms_rel "$t_announce")" --argjson notify "$notify_rel" \
	--argjson oldsite "$(ms_rel "$t_old")" \
	--argjson detr "$(ms_rel "$t_detr")" --argjson firstb "$(ms_rel "$t_first_b")" \
	--argjson pitr "$(ms_rel "$t_pitr")" --argjson outside "$(ms_rel "$t_outside")" \
	--argjson sitereg "$(ms_rel "$t_sitereg")" --argjson smr "$smr_json" \
	--argjson detrrx "$(ms_rel "$t_detr_rx")" \
	--argjson atA "$at_a_after" '{
	dataPlane: (if $mode == "lisp" then "lisp" elif $mode == "classic" then "lisp, classic mapping distribution (no D-ETR, no BGP; PITR for the client)" elif $mode == "xtr" then "lisp (site and outside xTRs; no D-ETR)" else "stand-in static routes (not LISP)" end),
	mode: (if $mode == "lisp" then "representative" else $mode end),
	controlPlane: $cp,
	notActive: $inactive,
	wanDelayMs: {requested: $delay, applied: $applied}, ratePps: $rate,
	eid: (if $v6 == 1 then "2001:db8:100::5" else "198.51.100.5" end),
	flows: [$flows[0][] | {name, sent, received, lost, longestGapMs, largestHole, rttMs}],
	timeline: {uplinkMovedMs: $uplink, announcedMs: $announce, registerSentMs: 0,
		siteRegisterMs: $sitereg,
		mapNotifyMs: $notify, oldSiteNotifiedMs: $oldsite, detrUpdateReceivedMs: $detrrx,
		detrUpdatedMs: $detr,
		pitrUpdatedMs: $pitr, outsideUpdatedMs: $outside,
		firstDeliveredAtBMs: $firstb},
	smr: $smr,
	deliveredAtSiteAAfterNotify: $atA}')
printf '%s\n' "$result" >"$DEMO_DIR/result.json"

if [ -n "$plot" ]; then
	if command -v gnuplot >/dev/null; then
		demo_plot "$plot" "$t_reg" run "$t_uplink" "$t_notify" "$t_detr" "$t_first_b" &&
			dlog "plot written to $plot"
	else
		dlog "--plot: gnuplot not installed (apt-get install gnuplot-nox)"
	fi
fi

if [ "$json" = 1 ]; then
	printf '%s\n' "$result" >&3
else
	echo
	echo "== results ($(jq -r .dataPlane <<<"$result"), WAN delay $DEMO_DELAY_APPLIED ms one-way per link, $rate packets/s)"
	jq -r '.flows[] | "  flow \(.name | . + " " * (8 - length)) sent \(.sent)  received \(.received)  lost \(.lost)  longest gap \(.longestGapMs) ms" + (if .largestHole then "  (largest hole seq \(.largestHole.fromSeq)-\(.largestHole.toSeq))" else "" end)' <<<"$result"
	echo "== timeline (ms, relative to the controller's register; negative = before it: site B's"
	echo "   xTR registers the VM as soon as it sees its announcement)"
	jq -r '.timeline | to_entries[] | "  \(.key | . + " " * (20 - length)) \(if .value == null then "n/a (not active)" else .value end)"' <<<"$result"
	jq -r '"  packets for the VM delivered at site A after the Map-Notify: \(.deliveredAtSiteAAfterNotify // "n/a")"' <<<"$result"
	if [ "$(jq '.notActive | length' <<<"$result")" -gt 0 ]; then
		echo "== not active:"
		jq -r '.notActive[] | "  - " + .' <<<"$result"
	fi
fi
exit 0
