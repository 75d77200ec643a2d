#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# scripts/demo.sh - the multi-site live-migration demo (README "Quick start"), one command on
# a fresh Debian 12 as root: installs what is missing (scripts/deps.sh demo), builds into
# build-demo/ (-O2, no sanitizers), builds the topology of scripts/demo-lib.sh in network
# namespaces with unique names, runs flows to the VMs, moves a VM (or loses its site), prints
# per flow the loss, the longest gap, where each packet was delivered, when the path became
# direct, the control messages the migration cost and the timeline, and removes everything
# it created (also on Ctrl-C or failure). docs/evaluation.md explains the modes and figures.
#
#   ./scripts/demo.sh [--mode ttl|smr|representative] [--classic] [--compare]
#                     [--scenario live|lost|many] [--delay MS] [--delay-site MS]
#                     [--delay-detr MS] [--delay-outside MS] [--delay-mapping MS]
#                     [--rate PPS] [--seconds S] [--ipv6] [--plot FILE.svg] [--json] [--keep]
#                     [--itrs N] [--vms N] [--moving N] [--no-build]
#                     [--redundant[=locator-set]]
# --mode: how host mappings reach the ITRs: representative (default: the D-ETR, BGP),
#   smr (RFC 9301: global mapping system, Map-Notify to the old site, SMR, re-encapsulation;
#   --classic is the same), ttl (RFC 6830-era: global mapping system, caches for the TTL,
#   the old site not told). --compare: the three modes one after the other, one table.
# --scenario: live (the VM moves, site A stays; default), lost (site A's xTR killed and its
#   uplink down, the VM restarts at site B), many (--itrs outside sites talk to --vms VMs,
#   --moving of them move; IPv6 EIDs, one flow per outside site).
# --delay: one-way WAN delay between two nodes (each access link gets half; netem, or the
#   delay line tests/wan/delayline where the kernel has no netem); --delay-CLASS: one access
#   link's own one-way delay for that class.
# --json: one JSON object on stdout (progress on stderr); --keep: keep the logs directory.
# --redundant: two D-ETRs (anycast RLOC announced to a BIRD 2 edge router) and two local
#   Map-Servers; four flows, the active D-ETR killed at 1/3, the VM migrated at 2/3
#   (=locator-set: each D-ETR registers its own RLOC, the outside xTR probes them)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
demo_argv=("$@")

mode=representative scenario=live delay=0 rate=200 seconds=10 v6=0 plot="" json=0 keep=0
build=1 compare=0 itrs=20 vms=50 moving=10 redundant=""
dsite="" ddetr="" doutside="" dmapping=""
usage() {
	sed -n '11,30p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}
while [ $# -gt 0 ]; do
	case $1 in
	--mode) mode=${2:?}; shift ;;
	--classic) mode=smr ;;
	--compare) compare=1 ;;
	--scenario) scenario=${2:?}; shift ;;
	--delay) delay=${2:?}; shift ;;
	--delay-site) dsite=${2:?}; shift ;;
	--delay-detr) ddetr=${2:?}; shift ;;
	--delay-outside) doutside=${2:?}; shift ;;
	--delay-mapping) dmapping=${2:?}; shift ;;
	--rate) rate=${2:?}; shift ;;
	--seconds) seconds=${2:?}; shift ;;
	--itrs) itrs=${2:?}; shift ;;
	--vms) vms=${2:?}; shift ;;
	--moving) moving=${2:?}; shift ;;
	--ipv6) v6=1 ;;
	--plot) plot=${2:?}; shift ;;
	--json) json=1 ;;
	--keep) keep=1 ;;
	--no-build) build=0 ;;
	--redundant) redundant=anycast ;;
	--redundant=anycast | --redundant=locator-set) redundant=${1#--redundant=} ;;
	-h | --help) usage 0 ;;
	*) echo "demo.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $mode in ttl | smr | representative) ;; *) echo "demo.sh: --mode ttl|smr|representative" >&2; exit 2 ;; esac
case $scenario in live | lost | many) ;; *) echo "demo.sh: --scenario live|lost|many" >&2; exit 2 ;; esac
for v in "$rate" "$seconds" "$itrs" "$vms" "$moving"; do
	[[ $v =~ ^[0-9]+$ ]] || { echo "demo.sh: numbers expected" >&2; exit 2; }
done
for v in "$delay" $dsite $ddetr $doutside $dmapping; do
	[[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "demo.sh: delays in ms (e.g. 10, 2.5)" >&2; exit 2; }
done
[ "$rate" -ge 1 ] && [ "$rate" -le 20000 ] || { echo "demo.sh: --rate 1..20000" >&2; exit 2; }
[ "$seconds" -ge 4 ] && [ "$seconds" -le 120 ] || { echo "demo.sh: --seconds 4..120" >&2; exit 2; }
[ "$itrs" -ge 1 ] && [ "$itrs" -le 40 ] && [ "$vms" -ge 2 ] && [ "$vms" -le 90 ] &&
	[ "$moving" -ge 1 ] && [ "$moving" -le "$vms" ] && [ "$moving" -le 40 ] ||
	{ echo "demo.sh: --itrs 1..40, --vms 2..90, --moving 1..min(40, vms)" >&2; exit 2; }
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

# ------------------------------------------------------------------ --compare
# the three modes one after the other (each a demo of its own, fresh topology), one table
if [ "$compare" = 1 ]; then
	cdir=$(mktemp -d /tmp/lisp-compare.XXXXXX)
	args=() skip=0
	for a in "${demo_argv[@]}"; do
		if [ "$skip" = 1 ]; then skip=0; continue; fi
		case $a in
		--compare | --json | --keep | --no-build | --classic) ;;
		--plot | --mode) skip=1 ;;
		*) args+=("$a") ;;
		esac
	done
	for m in ttl smr representative; do
		echo "== --compare: mode $m" >&2
		mkdir -p "$cdir/$m"
		DEMO_KEEP_TO="$cdir/$m" DEMO_BUILDDIR=$bdir "$0" "${args[@]}" --mode "$m" --no-build \
			--json >"$cdir/$m.json" 2>"$cdir/$m.err" ||
			{ tail -5 "$cdir/$m.err" >&2; echo "demo.sh: mode $m failed (logs in $cdir)" >&2; exit 1; }
	done
	all=$(jq -s '{scenario: .[0].scenario, wanDelayMs: .[0].wanDelayMs, ratePps: .[0].ratePps,
		modes: map({key: .mode, value: .}) | from_entries}' "$cdir"/ttl.json "$cdir"/smr.json "$cdir"/representative.json)
	if [ -n "$plot" ]; then
		if command -v gnuplot >/dev/null; then
			python3 "$top/scripts/demo-plot.py" "$plot" "ttl=$cdir/ttl" "smr=$cdir/smr" \
				"representative=$cdir/representative" && echo "== plot written to $plot" >&2
		else
			echo "--plot: gnuplot not installed (apt-get install gnuplot-nox)" >&2
		fi
	fi
	if [ "$json" = 1 ]; then
		printf '%s\n' "$all"
	else
		python3 "$top/scripts/demo-table.py" <<<"$all"
	fi
	[ "$keep" = 1 ] && echo "== logs kept in $cdir" >&2 || rm -rf "$cdir"
	exit 0
fi

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
	if [ -n "${DEMO_KEEP_TO:-}" ] && [ -d "$DEMO_KEEP_TO" ]; then
		cp "$T_TMP"/plot-*.dat "$T_TMP"/events.json "$T_TMP"/result.json "$DEMO_KEEP_TO/" 2>/dev/null
	fi
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
for c in ip bridge jq arping python3 ping; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || { echo "demo.sh: needs $c" >&2; exit 1; }
done

# the modes: the same daemons and topology, only the mapping distribution differs
# (docs/evaluation.md "The three modes"); every mode probes RLOCs every 5 s and re-resolves
# a mapping whose locators are all down, and registers every 60 s (RFC 9301 §8.2's 1 minute)
DEMO_CLASSIC=0
[ "$mode" != representative ] && DEMO_CLASSIC=1
DEMO_BASELINE=$mode
# (--redundant keeps the library's defaults: its own scenario)
[ -z "$redundant" ] && DEMO_PROBE_INTERVAL=${DEMO_PROBE_INTERVAL:-5} DEMO_REG_INTERVAL=60
[ "$scenario" = many ] && DEMO_MANY="$itrs $vms $moving"
demo_init "$bdir"
case $DEMO_MODE in
lisp | classic) ;;
*) echo "demo.sh: the LISP daemons are not all built: ${DEMO_INACTIVE[*]}" >&2; exit 1 ;;
esac
DEMO_T0=$(demo_ms)
demo_delays "$delay"
[ -n "$dsite" ] && DEMO_DELAY_SITE=$dsite
[ -n "$ddetr" ] && DEMO_DELAY_DETR=$ddetr
[ -n "$doutside" ] && DEMO_DELAY_OUTSIDE=$doutside
[ -n "$dmapping" ] && DEMO_DELAY_MAPPING=$dmapping
dlog "topology: namespaces ${NS[wan]} ... (prefix $T_PFX), logs in $T_TMP; mode $mode, scenario $scenario"
demo_topology || { echo "demo.sh: topology failed" >&2; exit 1; }
if [ -n "$redundant" ]; then
	demo_redundant_main "$redundant" "$rate" "$seconds" "$json"
	exit $?
fi
dlog "WAN delay one way per access link: site $DEMO_DELAY_SITE ms, D-ETR $DEMO_DELAY_DETR ms, outside $DEMO_DELAY_OUTSIDE ms, mapping system $DEMO_DELAY_MAPPING ms (by $DEMO_DELAY_MECH)"
if [ "$DEMO_MODE" = lisp ]; then
	demo_dataplane_lisp || { echo "demo.sh: the LISP daemons did not come up (logs: $T_TMP)" >&2; exit 1; }
	dlog "representative: local + global lisp-msd/lisp-mrd, lisp-xtrd at sites A and B, the D-ETR (BGP) and the outside site"
else
	demo_dataplane_classic || { echo "demo.sh: the LISP daemons did not come up (logs: $T_TMP)" >&2; exit 1; }
	dlog "$mode: global lisp-msd/lisp-mrd only (host mappings there), lisp-xtrd at sites A and B, a PITR (no BGP) and the outside site"
fi
if [ "$scenario" = many ]; then
	demo_many_start || { echo "demo.sh: the outside sites did not come up (logs: $T_TMP)" >&2; exit 1; }
	dlog "many: $itrs outside LISP sites (one lisp-xtrd each), $vms VMs, $moving of them move"
fi
# the WAN's round trip, measured: one ping between site A's and site B's xTRs
rtt_expect=$(awk -v d="$DEMO_DELAY_SITE" 'BEGIN { printf "%g", 4 * d }')
rtt_meas=$(demo_ping_ms sa "$(demo_rloc sb)" 5)
dlog "WAN round trip site A -> site B: ${rtt_meas:-?} ms measured (ping), $rtt_expect ms configured"
demo_start_receivers $((seconds + 90)) || { echo "demo.sh: lisp-flow echo/tap did not start" >&2; exit 1; }
DEMO_ANNOUNCER_SECONDS=$((seconds + 90)) demo_announcer_start vm1 5 "$DEMO_VM1MAC" ||
	dlog "announcer helper did not start: arping + python at the migration instead"

# ------------------------------------------------------------------ flows + migration
[ "$scenario" = lost ] && DEMO_FLOWS=(outside client) # vm2 lives at site A, which is lost
[ "$scenario" = many ] && demo_many_flows_set
count=$((rate * seconds))
migrate_after_ms=$((seconds * 1000 * 2 / 5))
if [ "$scenario" = many ]; then
	demo_many_warm || dlog "warm-up: not every outside site reached every VM"
	dlog "${#DEMO_FLOWS[@]} flows (one per outside site) to the moving VMs, $rate packets/s each"
	demo_many_flows_start "$rate" "$count"
else
	# warm-up: the flows' paths exist (map-caches filled) before the run that is measured
	demo_flows_start 100 100 "$v6" warm
	demo_flows_wait warm 30 >/dev/null
	dlog "flows to the VM ($([ "$v6" = 1 ] && echo 2001:db8:100::5 || echo 198.51.100.5)): ${DEMO_FLOWS[*]}, $rate packets/s each, $count packets"
	demo_flows_start "$rate" "$count" "$v6" run
fi
# site B's return paths cached (as for its other VMs): the outside hosts, the client
if [ "$scenario" = many ]; then
	demo_warm_return sb $(for ((k = 1; k <= itrs; k++)); do echo "2001:db8:300:$k::1"; done)
else
	demo_warm_return sb 203.0.113.10 2001:db8:203::10 "$(demo_rloc cl)" 2001:db8:ffff:6::2
fi
wait_until 30 demo_flows_echoed run $((rate * migrate_after_ms / 1000)) ||
	dlog "the flows are slow to start"
demo_stats pre
t_lost=""
if [ "$scenario" = lost ]; then
	dlog "site A lost: its xTR killed (SIGKILL), its uplink down"
	demo_lose_site sa
	t_lost=$DEMO_LOST_MS
	DEMO_MIG_T0=$t_lost
fi
dlog "migration: the VM $([ "$scenario" = lost ] && echo "restarts" || echo "moves (hypervisor uplink, no carrier loss)") at site B"
t_switch=$(demo_ms)
[ -z "$t_lost" ] && DEMO_MIG_T0=$t_switch
demo_switchover a b || dlog "switchover: the announcer helper did not move the uplink"
echo "${DEMO_MOVED_MS:-$t_switch}" >"$DEMO_DIR/moved-ms"
if [ "$scenario" = many ]; then
	demo_register sb $DEMO_MANY_MOVING_HOSTS
else
	demo_register sb
fi
reg_rc=$DEMO_REG_RC t_reg=$DEMO_REG_SENT t_notify=$DEMO_REG_NOTIFY
dlog "controller: lisp-register --rloc $(demo_rloc sb) exit $reg_rc"
[ -n "${DEMO_MOVED_MS:-}" ] && t_switch=$DEMO_MOVED_MS
t_announce=$(awk '/^announced/ { t = $2 } END { print t }' "$(bg_log announce-vm1)" 2>/dev/null)
demo_flows_wait run $((seconds + 60)) || dlog "a sender did not finish in time"
dlog "flows done"
sleep 0.3
demo_stats end
demo_dump end

# ------------------------------------------------------------------ results
vm_eid=$([ "$v6" = 1 ] || [ "$scenario" = many ] && echo 2001:db8:100::5 || echo 198.51.100.5)
t_detr="" t_pitr="" t_outside="" t_sitereg="" t_detr_rx=""
[ "$DEMO_MODE" = lisp ] && t_detr=$(demo_detr_updated_ms "$t_switch" "$vm_eid")
[ "$DEMO_MODE" = classic ] && t_pitr=$(demo_xtr_updated_ms detr "$t_switch" "$vm_eid")
t_outside=$(demo_xtr_updated_ms oxtr "$t_switch" "$vm_eid")
t_sitereg=$(demo_log_first sb "site: $vm_eid arrived" "$DEMO_MIG_T0")
if [ "$DEMO_MODE" = lisp ]; then
	t_first_reg=$t_reg
	[ -n "$t_sitereg" ] && { [ -z "$t_first_reg" ] || [ "$t_sitereg" -lt "$t_first_reg" ]; } && t_first_reg=$t_sitereg
	[ -n "$t_first_reg" ] && t_detr_rx=$(demo_log_first detr "UpdateMsg in Established" "$t_first_reg")
fi
t_old=""
[ "$scenario" != lost ] && t_old=$(demo_log_first sa "EID ${vm_eid//./\\.}/(32|128) moved away" "$DEMO_MIG_T0")
t_first_b=$(demo_tap_first "$DEMO_DIR/tap-sb.txt" "$t_switch")
t_first_reg=$t_reg
[ -n "$t_sitereg" ] && { [ -z "$t_first_reg" ] || [ "$t_sitereg" -lt "$t_first_reg" ]; } && t_first_reg=$t_sitereg
# the flows' encapsulating xTR (detours are counted for flows whose ITR is not site A)
itr_of=$(
	for f in "${DEMO_FLOWS[@]}"; do
		case $f in
		outside) [ "$DEMO_MODE" = lisp ] && echo "$f $(demo_rloc detr)" || echo "$f $(demo_rloc oxtr)" ;;
		client) echo "$f $(demo_rloc detr)" ;;
		vm2) echo "$f $(demo_rloc sa)" ;;
		o*) echo "$f $(demo_many_rloc "${f#o}")" ;;
		esac
	done | jq -R 'split(" ") | {(.[0]): .[1]}' | jq -s add
)
xtrs=(sa sb detr oxtr)
[ "$scenario" = many ] && for ((k = 1; k <= itrs; k++)); do xtrs+=("o$k"); done
pre=$(awk -v d="$DEMO_DELAY_SITE" -v o="$DEMO_DELAY_OUTSIDE" -v t="$DEMO_DELAY_DETR" 'BEGIN { printf "%d", 300 + 2 * (d + o + t) }')
jq -n --argjson t0 "$DEMO_MIG_T0" --argjson ans "${t_announce:-null}" --argjson pre "$pre" \
	--arg a "$(demo_rloc sa)" --argjson itr "$itr_of" \
	--argjson detr "${t_detr:-null}" --argjson reg "${t_first_reg:-null}" \
	--argjson old "${t_old:-null}" --argjson lost "${t_lost:-null}" \
	--argjson itru "$( [ "$DEMO_MODE" = classic ] && echo "${t_outside:-${t_pitr:-null}}" || echo null)" \
	--argjson flows "$(printf '%s\n' "${DEMO_FLOWS[@]}" | jq -R . | jq -s .)" \
	--argjson xtrs "$(printf '%s\n' "${xtrs[@]}" | jq -R . | jq -s .)" \
	'{migrationMs: $t0, answeredMs: $ans, windowPreMs: $pre, rlocA: $a, itrOf: $itr,
	  detrUpdatedMs: $detr, registerMs: $reg, oldSiteNotifiedMs: $old, lostMs: $lost,
	  itrUpdatedMs: $itru, flows: $flows, xtrs: $xtrs,
	  mss: ["ms-local", "mr-local", "ms-global", "mr-global"], controllerMessages: 1}' \
	>"$DEMO_DIR/events.json"
analysis=$(python3 "$top/scripts/demo-analyse.py" "$DEMO_DIR") || { echo "demo.sh: analysis failed" >&2; exit 1; }
ms_rel() { [ -n "${1:-}" ] && echo $(($1 - t_switch)) || echo null; }
delay_counters=$(demo_delay_counters)
settings=$(demo_mode_settings "$mode")
inactive_json=$(printf '%s\n' "${DEMO_INACTIVE[@]}" | jq -R . | jq -s 'map(select(length > 0))')
result=$(jq -n --argjson a "$analysis" --arg mode "$mode" --arg scenario "$scenario" \
	--argjson delay "$delay" --arg mech "$DEMO_DELAY_MECH" \
	--argjson dsite "$DEMO_DELAY_SITE" --argjson ddetr "$DEMO_DELAY_DETR" \
	--argjson dout "$DEMO_DELAY_OUTSIDE" --argjson dmap "$DEMO_DELAY_MAPPING" \
	--argjson rtte "$rtt_expect" --argjson rttm "${rtt_meas:-null}" --argjson dlc "$delay_counters" \
	--argjson rate "$rate" --argjson v6 "$v6" --argjson settings "$settings" \
	--argjson inactive "$inactive_json" --arg eid "$vm_eid" \
	--argjson lost "$(ms_rel "$t_lost")" --argjson uplink "$(ms_rel "$t_switch")" \
	--argjson announce "$(ms_rel "$t_announce")" --argjson reg "$(ms_rel "$t_reg")" \
	--argjson notify "$(ms_rel "$t_notify")" --argjson sitereg "$(ms_rel "$t_sitereg")" \
	--argjson oldsite "$(ms_rel "$t_old")" --argjson detrrx "$(ms_rel "$t_detr_rx")" \
	--argjson detr "$(ms_rel "$t_detr")" --argjson pitr "$(ms_rel "$t_pitr")" \
	--argjson outside "$(ms_rel "$t_outside")" --argjson firstb "$(ms_rel "$t_first_b")" \
	--argjson detrlag "$([ -n "$t_detr_rx" ] && [ -n "$t_first_reg" ] && echo $((t_detr_rx - t_first_reg)) || echo null)" \
	'{mode: $mode, scenario: $scenario, settings: $settings, eid: $eid, ratePps: $rate,
	  wanDelayMs: {requestedOneWay: $delay, mechanism: $mech,
		perLinkOneWay: {site: $dsite, detr: $ddetr, outside: $dout, mappingSystem: $dmap},
		rttSiteAtoB: {configured: $rtte, measured: $rttm}, delayLines: $dlc},
	  flows: $a.flows, control: $a.control, windowPreMs: $a.windowPreMs,
	  timeline: {siteLostMs: $lost, uplinkMovedMs: $uplink, announcedMs: $announce,
		siteRegisterMs: $sitereg, registerSentMs: $reg, mapNotifyMs: $notify,
		oldSiteNotifiedMs: $oldsite, detrUpdateReceivedMs: $detrrx, detrUpdatedMs: $detr,
		pitrUpdatedMs: $pitr, outsideUpdatedMs: $outside, firstDeliveredAtBMs: $firstb},
	  registerToDetrMs: $detrlag, notActive: $inactive}')
printf '%s\n' "$result" >"$DEMO_DIR/result.json"

if [ -n "$plot" ]; then
	if command -v gnuplot >/dev/null; then
		python3 "$top/scripts/demo-plot.py" "$plot" "$mode, $scenario=$DEMO_DIR" && dlog "plot written to $plot"
	else
		dlog "--plot: gnuplot not installed (apt-get install gnuplot-nox)"
	fi
fi

if [ "$json" = 1 ]; then
	printf '%s\n' "$result" >&3
else
	echo
	python3 "$top/scripts/demo-table.py" <<<"$(jq '{scenario, wanDelayMs, ratePps, modes: {(.mode): .}}' <<<"$result")"
	echo "== timeline (ms from the switchover; a site lost: from the moment it was)"
	jq -r '.timeline | to_entries[] | "  \(.key | . + " " * (22 - length)) \(if .value == null then "n/a" else .value end)"' <<<"$result"
	if [ "$(jq '.notActive | length' <<<"$result")" -gt 0 ]; then
		echo "== not active:"
		jq -r '.notActive[] | "  - " + .' <<<"$result"
	fi
fi
exit 0
