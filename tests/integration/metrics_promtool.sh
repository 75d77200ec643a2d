#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/metrics_promtool.sh - the /metrics endpoint of every daemon (<metrics>,
# docs/metrics.md) in this test's own network namespace: lisp-msd (a site, a registration
# by lisp-register, BGP listening for the D-ETR), lisp-mrd, and lisp-xtrd as the D-ETR
# (mode="representative", its BGP session to lisp-msd). Each scrape passes `promtool check
# metrics` (format and lint: no problem at all) and holds what the daemon is doing
# (registrations per site, the Map-Register -> Map-Notify latency histogram, the D-ETR's
# BGP peer up with the host mapping received, the Map-Resolver's Map-Server up). Bad
# requests (another path: 404; another method: 405; oversized headers: 400/413) are answered,
# counted in `show statistics json` (metrics.badRequests) and in the scrape; the daemon
# still serves after them. 12 idle clients: 8 connections accepted, the listener pauses,
# lisp-msd still acknowledges registrations, the timeout closes them. A daemon without <metrics> opens no port. A reload (SIGHUP) that
# changes <metrics> says it takes effect at the next restart and the endpoint stays where it
# was.
if [ "${LISP_SKIP_INTEGRATION:-0}" = 1 ]; then
	echo "0 passed, 0 failed"
	exit 77
fi
. "$top_srcdir/tests/integration/lib.sh"
need_root
need_cmd ip jq nc timeout python3 promtool

MSD=$top_builddir/lisp-msd MRD=$top_builddir/lisp-mrd XTRD=$top_builddir/lisp-xtrd
REG=$top_builddir/lisp-register
for b in "$MSD" "$MRD" "$XTRD" "$REG"; do [ -x "$b" ] || skip_all "$b not built"; done
export LISP_SCHEMA_DIR=$top_srcdir/schema
HTTP="python3 $top_srcdir/tests/integration/http_get.py"

# this namespace's addresses: lisp-msd's BGP side and the D-ETR's RLOC
ip addr add 192.0.2.14/32 dev lo
ip addr add 192.0.2.10/32 dev lo

ms_port=$(free_port udp) mr_port=$(free_port udp)
ms_cli=$(free_port tcp) mr_cli=$(free_port tcp) x_cli=$(free_port tcp)
ms_m=$(free_port tcp) mr_m=$(free_port tcp) x_m=$(free_port tcp) new_m=$(free_port tcp)
printf 'dc-secret\n' >"$T_TMP/dc.key"

ms_conf() { # metrics port
	cat >"$T_TMP/ms.xml" <<XML
<lisp-msd>
  <listen address="127.0.0.1" port="$ms_port"/>
  <cli address="127.0.0.1" port="$ms_cli"/>
  <log level="debug"/>
  <metrics address="127.0.0.1" port="$1"/>
  <site name="dc" lifetime="refresh" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
  </site>
  <site name="empty" lifetime="refresh">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
    <eid-prefix prefix="203.0.113.0/24"/>
  </site>
  <bgp as="65000" router-id="192.0.2.14">
    <listen address="192.0.2.14" port="179"/>
    <peer address="192.0.2.10" as="65000" local="192.0.2.14" passive="true" add-path="both"/>
  </bgp>
</lisp-msd>
XML
}
ms_conf "$ms_m"
cat >"$T_TMP/mr.xml" <<XML
<lisp-mrd>
  <listen address="127.0.0.1" port="$mr_port"/>
  <cli address="127.0.0.1" port="$mr_cli"/>
  <metrics port="$mr_m"/>
  <eid-prefix prefix="198.51.100.0/24"><map-server address="127.0.0.1" port="$ms_port"/></eid-prefix>
</lisp-mrd>
XML
cat >"$T_TMP/x.xml" <<XML
<lisp-xtrd mode="representative">
  <tun name="$(uname_ tun)"/>
  <rloc address="192.0.2.10"/>
  <probing interval="0"/>
  <cli address="127.0.0.1" port="$x_cli"/>
  <log level="debug"/>
  <metrics address="127.0.0.1" port="$x_m"/>
  <database><mapping eid="198.51.100.0/24"/></database>
  <bgp as="65000" router-id="192.0.2.10">
    <peer address="192.0.2.14" as="65000" local="192.0.2.10" connect-retry="1" add-path="both"/>
  </bgp>
</lisp-xtrd>
XML

check "configs check (-n), <metrics> printed by -nv" bash -c "
	'$MSD' -nv -f '$T_TMP/ms.xml' | grep -qx '  <metrics address=\"127.0.0.1\" port=\"$ms_m\"/>' &&
	'$MRD' -nv -f '$T_TMP/mr.xml' | grep -qx '  <metrics address=\"127.0.0.1\" port=\"$mr_m\"/>' &&
	'$XTRD' -n -f '$T_TMP/x.xml'"
start_bg msd "$MSD" -d -f "$T_TMP/ms.xml"
start_bg mrd "$MRD" -d -f "$T_TMP/mr.xml"
start_bg xtrd "$XTRD" -d -f "$T_TMP/x.xml"
clis_up() {
	cli "$ms_cli" show version >/dev/null && cli "$mr_cli" show version >/dev/null &&
		cli "$x_cli" show version >/dev/null
}
check "the daemons' CLIs answer" wait_until 15 clis_up
bgp_up() { cli "$x_cli" show bgp summary json | jq -e '.peers[0].state == "Established"' >/dev/null; }
check "D-ETR BGP session Established" wait_until 30 bgp_up
check "register 198.51.100.5/32 (acknowledged)" timeout 20 "$REG" --ms "127.0.0.1:$ms_port" \
	--key-file "$T_TMP/dc.key" --key-id 1 --alg sha256 --eid 198.51.100.5/32 --rloc 192.0.2.1
detr_has() { cli "$x_cli" show map-cache 198.51.100.5 json | jq -e '.source == "bgp"' >/dev/null; }
check "the D-ETR learned the host mapping" wait_until 15 detr_has

# scrape NAME PORT: GET /metrics into $T_TMP/NAME.prom (200 expected)
scrape() {
	$HTTP GET "http://127.0.0.1:$2/metrics" >"$T_TMP/$1.http" || return 1
	[ "$(head -1 "$T_TMP/$1.http")" = 200 ] || return 1
	tail -n +2 "$T_TMP/$1.http" >"$T_TMP/$1.prom"
}
# promtool_ok FILE: promtool check metrics finds nothing to say (format and lint)
promtool_ok() {
	local out rc
	out=$(promtool check metrics <"$1" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ $rc -eq 0 ] && [ -z "$out" ]
}
has() { grep -qx -- "$2" "$T_TMP/$1.prom"; } # has NAME LINE: the scrape holds that sample line

for d in msd:$ms_m mrd:$mr_m xtrd:$x_m; do
	n=${d%%:*} p=${d#*:}
	check "lisp-$n: GET /metrics 200" scrape "$n" "$p"
	check "lisp-$n: promtool check metrics (no problem)" promtool_ok "$T_TMP/$n.prom"
	check "lisp-$n: lisp_build_info" grep -q "^lisp_build_info{daemon=\"lisp-$n\"," "$T_TMP/$n.prom"
done
check "lisp-msd: registrations per site" bash -c "grep -qx 'lisp_msd_registrations{site=\"dc\"} 1' '$T_TMP/msd.prom' &&
	grep -qx 'lisp_msd_registrations{site=\"empty\"} 0' '$T_TMP/msd.prom'"
check "lisp-msd: the Map-Notify latency histogram counted the acknowledgement" \
	has msd 'lisp_msd_register_notify_latency_seconds_count 1'
check "lisp-msd: BGP peer up, the mapping announced" bash -c \
	"grep -qx 'lisp_bgp_peer_up{peer=\"192.0.2.10\"} 1' '$T_TMP/msd.prom' &&
	 grep -qx 'lisp_bgp_mappings 1' '$T_TMP/msd.prom' &&
	 grep -qx 'lisp_msd_bgp_push_total{action=\"announced\"} 1' '$T_TMP/msd.prom'"
check "lisp-xtrd (D-ETR): BGP peer Established, 1 prefix, 1 host mapping in the map-cache" bash -c \
	"grep -qx 'lisp_bgp_peer_state{peer=\"192.0.2.14\",state=\"Established\"} 1' '$T_TMP/xtrd.prom' &&
	 grep -qx 'lisp_bgp_peer_prefixes_received{peer=\"192.0.2.14\"} 1' '$T_TMP/xtrd.prom' &&
	 grep -qx 'lisp_xtrd_detr_host_mappings 1' '$T_TMP/xtrd.prom' &&
	 grep -qx 'lisp_xtrd_map_cache_entries{source=\"bgp\"} 1' '$T_TMP/xtrd.prom'"
check "lisp-mrd: its Map-Server up" \
	has mrd "lisp_mrd_map_server_state{map_server=\"127.0.0.1:$ms_port\",state=\"up\"} 1"

# bad requests: answered, counted, logged; the daemon serves on
code() { $HTTP "$@" 2>/dev/null | head -1; }
check "GET /other: 404" test "$(code GET "http://127.0.0.1:$ms_m/other")" = 404
check "GET /: 404" test "$(code GET "http://127.0.0.1:$ms_m/")" = 404
check "POST /metrics: 405" test "$(code POST "http://127.0.0.1:$ms_m/metrics")" = 405
check "DELETE /metrics: 405" test "$(code DELETE "http://127.0.0.1:$ms_m/metrics")" = 405
big=$(code GET "http://127.0.0.1:$ms_m/metrics" 20000)
check "GET /metrics with 20 KB of headers: refused ($big)" bash -c "[ '$big' = 400 ] || [ '$big' = 413 ]"
stats() { cli "$ms_cli" show statistics json; }
check "show statistics: metrics.badRequests (2 not found, 2 not allowed, 1 too large)" \
	json_poll 5 '.metrics.badRequests.notFound == 2 and .metrics.badRequests.methodNotAllowed == 2
		and .metrics.badRequests.tooLarge == 1 and .metrics.enabled == true' stats
check "lisp-msd: GET /metrics still 200" scrape msd2 "$ms_m"
check "the scrape counts them too" bash -c \
	"grep -qx 'lisp_metrics_bad_requests_total{reason=\"notFound\"} 2' '$T_TMP/msd2.prom' &&
	 grep -qx 'lisp_metrics_bad_requests_total{reason=\"methodNotAllowed\"} 2' '$T_TMP/msd2.prom' &&
	 grep -qx 'lisp_metrics_bad_requests_total{reason=\"tooLarge\"} 1' '$T_TMP/msd2.prom'"
check "bad requests logged" grep -q "metrics: bad HTTP request" "$(bg_log msd)"
check "lisp-msd: promtool still happy" promtool_ok "$T_TMP/msd2.prom"

# idle connections cannot hurt the daemon: 12 clients connect and send nothing; 8 are
# accepted (the limit), the listener pauses, lisp-msd keeps answering its CLI and
# acknowledging registrations; 10 s later the idle ones are closed and the listener resumes
cat >"$T_TMP/idle.py" <<'PY'
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(12)]
time.sleep(30)
PY
start_bg idle python3 "$T_TMP/idle.py" "$ms_m"
check "12 idle clients: 8 connections open, the listener paused" \
	json_poll 10 '.metrics.openConnections == 8 and .metrics.connectionLimitReached >= 1' stats
check "meanwhile lisp-msd acknowledges a registration" timeout 20 "$REG" --ms "127.0.0.1:$ms_port" \
	--key-file "$T_TMP/dc.key" --key-id 1 --alg sha256 --eid 198.51.100.6/32 --rloc 192.0.2.1
check "the idle connections are closed after the 10 s timeout, the waiting ones accepted" \
	json_poll 30 '.metrics.closedWithoutAnswer >= 12' stats
stop_bg idle
check "no connection left open" json_poll 10 '.metrics.openConnections == 0' stats
check "and the endpoint serves again" scrape msd4 "$ms_m"

# off unless configured: lisp-mrd started without <metrics> opens no metrics port
sed '/<metrics/d' "$T_TMP/mr.xml" >"$T_TMP/mr-off.xml"
sed -i "s|port=\"$mr_port\"|port=\"$(free_port udp)\"|; s|port=\"$mr_cli\"|port=\"$(free_port tcp)\"|" "$T_TMP/mr-off.xml"
off_cli=$(sed -n 's|.*<cli address="127.0.0.1" port="\([0-9]*\)".*|\1|p' "$T_TMP/mr-off.xml")
start_bg mrd_off "$MRD" -d -f "$T_TMP/mr-off.xml"
no_metrics_port() { # lisp-mrd runs (its CLI answers) and nothing listens on 9622
	cli "$off_cli" show version >/dev/null && bg_alive mrd_off &&
		[ -z "$(ss -Htln 'sport = :9622')" ]
}
check "without <metrics>: lisp-mrd runs with no listener on its default 9622" \
	wait_until 10 no_metrics_port

# reload with another <metrics>: logged as taking effect at the next restart; same endpoint
ms_conf "$new_m"
kill -HUP "$(bg_pid msd)"
check "reload: <metrics> change logged as needing a restart" \
	wait_until 5 grep -q "<metrics> changes take effect at the next restart" "$(bg_log msd)"
check "the endpoint stays where it was" scrape msd3 "$ms_m"
check_not "nothing on the new port" $HTTP GET "http://127.0.0.1:$new_m/metrics"
# (under ASan a leak would be a non-zero exit)
check "lisp-msd stops cleanly" stop_bg msd
check "lisp-mrd stops cleanly" stop_bg mrd
check "lisp-xtrd stops cleanly" stop_bg xtrd
finish
