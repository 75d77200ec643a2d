#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/quickstart.sh - README.md "Try it on one machine", step by step, with the
# shipped examples/quickstart configs: lisp-msd and lisp-mrd start from them, lisp-register
# registers a VM, `show registrations` (real telnet client, and JSON through nc) shows it,
# `lisp-query --mr 127.0.0.1 198.51.100.5` prints the mapping lisp-register put in, and a
# query for non-LISP space prints the computed negative prefix. It runs in a network
# namespace of its own so the well-known ports (4342, 2621, 2622) cannot collide with
# anything else on the machine or another test running in parallel. Started as root with
# these configs, both daemons run as an unprivileged user without any capability (the
# default of <privileges>, nothing to set up).
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && { echo "0 passed, 0 failed"; exit 77; }
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq nc telnet

B=$top_builddir
for p in lisp-msd lisp-mrd lisp-register lisp-query; do
	[ -x "$B/$p" ] || skip_all "$p not built"
done
NS=$(uname_ qs)
netns_add "$NS" || finish
QS=$T_TMP/quickstart
cp -r "$top_srcdir/examples/quickstart" "$QS" && chmod -R u+w "$QS"

# Every shipped example configuration checks clean with its daemon's -n.
for ex in lisp-msd:lisp-msd.xml lisp-mrd:lisp-mrd.xml lisp-xtrd:lisp-xtrd-site-a.xml \
	lisp-xtrd:lisp-xtrd-site-b.xml lisp-xtrd:lisp-xtrd-detr.xml; do
	check "examples/${ex#*:} passes ${ex%%:*} -n" "$B/${ex%%:*}" -n -f "$top_srcdir/examples/${ex#*:}"
done
check "lisp-msd -n accepts the quickstart config" "$B/lisp-msd" -n -f "$QS/lisp-msd.xml"
check "lisp-mrd -n accepts the quickstart config" "$B/lisp-mrd" -n -f "$QS/lisp-mrd.xml"
# README: lisp-msd -d -f lisp-msd.xml & ; lisp-mrd -d -f lisp-mrd.xml &
start_bg -n "$NS" msd "$B/lisp-msd" -d -f "$QS/lisp-msd.xml"
start_bg -n "$NS" mrd "$B/lisp-mrd" -d -f "$QS/lisp-mrd.xml"
check "lisp-msd CLI up (2621)" wait_until 10 cli 2621 "$NS" show version
check "lisp-mrd CLI up (2622)" wait_until 10 cli 2622 "$NS" show version
dropped() { # PID: not root, no capability
	awk '/^Uid:/ { u = ($2 != 0 && $3 != 0 && $4 != 0) } /^CapEff:/ { c = ($2 == "0000000000000000") }
		/^CapBnd:/ { b = ($2 == "0000000000000000") } END { exit !(u && c && b) }' "/proc/$1/status"
}
check "lisp-msd dropped its privileges (no setup)" dropped "$(bg_pid msd)"
check "lisp-mrd dropped its privileges (no setup)" dropped "$(bg_pid mrd)"

# README: the controller registers a VM
out=$(ip netns exec "$NS" "$B/lisp-register" --ms 127.0.0.1:4343 --key-file "$QS/dc.key" \
	--key-id 1 --eid 198.51.100.5/32 --rloc 192.0.2.1 --json)
rc=$?
check "lisp-register exits 0 (acknowledged)" test "$rc" -eq 0
check "lisp-register --json says acked" test "$(jq -r .acked <<<"$out")" = true

# README: telnet 127.0.0.1 2621, then `show registrations`
tel=$({ sleep 0.5; printf 'show registrations\r\n'; sleep 0.7; printf 'quit\r\n'; sleep 0.2; } |
	ip netns exec "$NS" timeout 10 telnet 127.0.0.1 2621 2>&1)
check "telnet: show registrations lists the VM" grep -q '198\.51\.100\.5/32' <<<"$tel"
check "telnet: with its RLOC" grep -q '192\.0\.2\.1' <<<"$tel"
js=$(cli 2621 "$NS" show registrations json)
check "json: one registration, RLOC 192.0.2.1" \
	jq -e '[.. | strings | select(. == "192.0.2.1")] | length > 0' <<<"$js"

# README: lisp-query --mr 127.0.0.1 198.51.100.5
q=$(ip netns exec "$NS" "$B/lisp-query" --mr 127.0.0.1 198.51.100.5)
rc=$?
log "$q"
check "lisp-query exits 0" test "$rc" -eq 0
check "lisp-query prints the registered EID prefix" grep -q '198\.51\.100\.5/32' <<<"$q"
check "lisp-query prints the RLOC lisp-register put in" grep -q '192\.0\.2\.1' <<<"$q"
qj=$(ip netns exec "$NS" "$B/lisp-query" --mr 127.0.0.1 --json 198.51.100.5)
check "lisp-query --json: locator 192.0.2.1 priority 1 weight 100" \
	jq -e '.records[0].locators[0] | .address == "192.0.2.1" and .priority == 1 and .weight == 100' <<<"$qj"

# README: non-LISP space gets the computed negative prefix. Configured: 198.51.100.0/24 and
# 2001:db8:100::/64; 192.0.2.99 shares 5 leading bits with 198.51.100.0, so the least specific
# prefix around it that overlaps no EID prefix is 192.0.0.0/6.
n=$(ip netns exec "$NS" "$B/lisp-query" --mr 127.0.0.1 --json 192.0.2.99)
log "$n"
check "negative reply: prefix 192.0.0.0/6" test "$(jq -r '.records[0].eidPrefix' <<<"$n")" = 192.0.0.0/6
check "negative reply: natively-forward, 15 minutes" \
	jq -e '.records[0] | (.action | test("natively")) and .ttl == 15' <<<"$n"
n6=$(ip netns exec "$NS" "$B/lisp-query" --mr 127.0.0.1 --json 2001:db8:200::1)
check "negative reply (IPv6): 2001:db8:100::/64 is not inside it" \
	jq -e '.records[0].eidPrefix as $p | ($p | test("^2001:db8:")) and ($p | split("/")[1] | tonumber) >= 39' <<<"$n6"
finish
