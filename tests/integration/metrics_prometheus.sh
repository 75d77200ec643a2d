#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/metrics_prometheus.sh - a real Prometheus server (Debian's prometheus)
# scrapes the daemons of the migration scenario (the topology of scripts/demo.sh through
# scripts/demo-lib.sh: site xTRs A and B, the D-ETR, the outside xTR, the local and global
# lisp-msd/lisp-mrd), each with <metrics> on its underlay address. Prometheus runs in the
# underlay router's namespace with its own configuration and storage in the test's
# directory, listening on 127.0.0.1 there, scraping every second; it is stopped by PID at
# exit. Checked through its HTTP API (/api/v1/query): every target is up; before the move
# the local lisp-msd has the VMs' registrations, no move, acknowledgements in its Map-Notify
# latency histogram; the VM migrates from site A to site B (uplink moved, the controller
# registers the new RLOC); then Prometheus sees the move at the local lisp-msd, site A's xTR
# learning that the EID moved away and the D-ETR installing the new mapping from BGP, while
# a query at the time taken before the move still answers the old values.
if [ "${LISP_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "0 passed, 0 failed"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/scripts/demo-lib.sh"
need_root
need_cmd ip bridge jq nc arping python3 prometheus timeout
export LISP_SCHEMA_DIR=$top_srcdir/schema
HTTP="python3 $top_srcdir/tests/integration/http_get.py"

demo_init "$top_builddir"
[ "$DEMO_MODE" = lisp ] || skip_all "the scenario needs every daemon and the D-ETR: ${DEMO_INACTIVE[*]}"

# <metrics> in every daemon's configuration: the role's underlay address, default ports
metrics_into() { # FILE ROOT ADDRESS
	sed -i "s|^</$2>|  <metrics address=\"$3\"/>\n</$2>|" "$1"
}
keep_as_orig() { eval "$(declare -f "$1" | sed "1s/^$1 /orig_$1 /")"; } # NAME -> orig_NAME
keep_as_orig demo_ms_conf
keep_as_orig demo_gms_conf
keep_as_orig demo_mr_conf
keep_as_orig demo_xtr_conf
demo_ms_conf() { orig_demo_ms_conf "$@" && metrics_into "$1" lisp-msd 192.0.2.14; }
demo_gms_conf() { orig_demo_gms_conf "$@" && metrics_into "$1" lisp-msd 192.0.2.18; }
demo_mr_conf() {
	local a=192.0.2.14
	[ "$2" = global ] && a=192.0.2.18
	orig_demo_mr_conf "$@" && metrics_into "$1" lisp-mrd "$a"
}
demo_xtr_conf() { orig_demo_xtr_conf "$@" && metrics_into "$1" lisp-xtrd "$(demo_rloc "$2")"; }

demo_topology 0 || { fail "topology"; finish; }
check "LISP daemons up (sites A/B, D-ETR, outside xTR, local and global MS/MR)" \
	demo_dataplane_lisp || finish
check "every daemon's configuration has <metrics>" bash -c \
	"grep -l '<metrics address=' '$DEMO_DIR'/ms-local.xml '$DEMO_DIR'/ms-global.xml \
	 '$DEMO_DIR'/mr-local.xml '$DEMO_DIR'/mr-global.xml '$DEMO_DIR'/xtr-*.xml | wc -l | grep -qx 8"

# Prometheus: its own configuration and storage, 127.0.0.1 of the router's namespace
P=$DEMO_DIR/prometheus
mkdir -p "$P/data"
pport=$(free_port tcp)
{
	cat <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: lisp
    static_configs:
YML
	for t in ms-local:192.0.2.14:9621 mr-local:192.0.2.14:9622 ms-global:192.0.2.18:9621 \
		mr-global:192.0.2.18:9622 sa:192.0.2.2:9620 sb:192.0.2.6:9620 detr:192.0.2.10:9620 \
		oxtr:192.0.2.22:9620; do
		printf "      - targets: ['%s']\n        labels: {role: '%s'}\n" "${t#*:}" "${t%%:*}"
	done
} >"$P/prometheus.yml"
check "promtool check config" promtool check config "$P/prometheus.yml"
start_bg -n "${NS[wan]}" prometheus prometheus --config.file="$P/prometheus.yml" \
	--storage.tsdb.path="$P/data" --web.listen-address="127.0.0.1:$pport" \
	--storage.tsdb.retention.time=1h --log.level=warn

# promq QUERY [TIME]: the API's answer (JSON) for an instant query
promq() {
	local q t=${2:+&time=$2}
	q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")
	ip netns exec "${NS[wan]}" $HTTP GET "http://127.0.0.1:$pport/api/v1/query?query=$q$t" |
		tail -n +2
}
# promval QUERY [TIME]: the value of the first sample, "none" without one
promval() {
	promq "$@" | jq -r 'if .status == "success" and (.data.result | length) > 0
		then .data.result[0].value[1] else "none" end' 2>/dev/null || echo none
}
# promtrue QUERY: the query has a result (a comparison that holds)
promtrue() { [ "$(promval "$1")" != none ]; }
check "Prometheus answers its API" wait_until 30 promtrue 'vector(1)'
check "Prometheus scrapes all 8 daemons (up == 1)" wait_until 30 promtrue 'count(up{job="lisp"} == 1) == 8'
before_reg() {
	promtrue 'lisp_msd_registrations{role="ms-local",site="dc"} == 4' &&
		promtrue 'lisp_xtrd_detr_host_mappings{role="detr"} == 4'
}
check "before: the local lisp-msd holds the 4 VM EIDs, the D-ETR their 4 host mappings" \
	wait_until 15 before_reg
check "before: no move at the local lisp-msd" promtrue 'lisp_msd_moves_total{role="ms-local"} == 0'
check "before: site A's xTR saw no EID move away" \
	promtrue 'lisp_xtrd_eids_moved_away_total{role="sa"} == 0'
check "before: acknowledgements in the Map-Notify latency histogram" \
	promtrue 'lisp_msd_register_notify_latency_seconds_count{role="ms-local"} >= 1'
installs0=$(promval 'lisp_xtrd_bgp_installs_total{role="detr"}')
check "before: the D-ETR's BGP installs ($installs0)" test "$installs0" != none
sleep 1.5 # a scrape interval with the values above, then the time "before"
t_before=$(date +%s.%N)
sleep 1.5

# the migration: uplink to site B, the controller registers the VM's new RLOC
demo_move_uplink a b
check "the controller registers 198.51.100.5 and 2001:db8:100::5 at site B" demo_register sb 5
check "after: Prometheus sees the moves of both EIDs at the local lisp-msd" \
	wait_until 30 promtrue 'lisp_msd_moves_total{role="ms-local"} >= 2'
check "after: site A's xTR learned that the EIDs moved away (Map-Notify)" \
	wait_until 30 promtrue 'lisp_xtrd_eids_moved_away_total{role="sa"} >= 1'
check "after: the D-ETR installed the new mappings from BGP" \
	wait_until 30 promtrue "lisp_xtrd_bgp_installs_total{role=\"detr\"} >= $installs0 + 2"
check "after: the D-ETR still has 4 host mappings" \
	promtrue 'lisp_xtrd_detr_host_mappings{role="detr"} == 4'
check "after: the moves counted as an increase over the last minute" \
	promtrue 'increase(lisp_msd_moves_total{role="ms-local"}[1m]) > 0'
check "the stored series at the time before the move: still 0 moves" \
	test "$(promval 'lisp_msd_moves_total{role="ms-local"}' "$t_before")" = 0
check "every daemon still up" promtrue 'count(up{job="lisp"} == 1) == 8'
check "Prometheus stops cleanly (by PID)" stop_bg prometheus
finish
